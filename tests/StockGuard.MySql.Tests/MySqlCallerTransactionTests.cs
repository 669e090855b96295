using StockGuard.Testing;

namespace StockGuard.MySql.Tests;

/// <summary>The store in the caller's own transaction on MariaDB, beside the caller's order table.</summary>
public sealed class MySqlCallerTransactionTests : CallerTransactionTests<AtomicMySqlTestProvider>;

/// <summary>The same, with the pessimistic strategy.</summary>
public sealed class PessimisticMySqlCallerTransactionTests : CallerTransactionTests<PessimisticMySqlTestProvider>;

/// <summary>The same, with the optimistic strategy.</summary>
public sealed class OptimisticMySqlCallerTransactionTests : CallerTransactionTests<OptimisticMySqlTestProvider>;

/// <summary>The same, with the coalescing strategy.</summary>
public sealed class CoalescingMySqlCallerTransactionTests : CallerTransactionTests<CoalescingMySqlTestProvider>;
