using StockGuard.Testing;

namespace StockGuard.PostgreSql.Tests;

/// <summary>The store in the caller's own transaction on PostgreSQL, beside the caller's order table.</summary>
public sealed class PostgreSqlCallerTransactionTests : CallerTransactionTests<AtomicPostgreSqlTestProvider>;

/// <summary>The same, with the pessimistic strategy.</summary>
public sealed class PessimisticPostgreSqlCallerTransactionTests : CallerTransactionTests<PessimisticPostgreSqlTestProvider>;

/// <summary>The same, with the optimistic strategy.</summary>
public sealed class OptimisticPostgreSqlCallerTransactionTests : CallerTransactionTests<OptimisticPostgreSqlTestProvider>;

/// <summary>The same, with the coalescing strategy.</summary>
public sealed class CoalescingPostgreSqlCallerTransactionTests : CallerTransactionTests<CoalescingPostgreSqlTestProvider>;
