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

/// <summary>
/// The caller's transaction through PgBouncer in transaction pooling mode: the caller's connection and the store's own
/// pool both go through the pooler, so the savepoints, the kill and the deadlock all happen on pooled server sessions.
/// </summary>
public sealed class PgBouncerCallerTransactionTests : CallerTransactionTests<AtomicPgBouncerTestProvider>;

/// <summary>The same through PgBouncer, with the pessimistic strategy.</summary>
public sealed class PessimisticPgBouncerCallerTransactionTests : CallerTransactionTests<PessimisticPgBouncerTestProvider>;

/// <summary>The same through PgBouncer, with the optimistic strategy.</summary>
public sealed class OptimisticPgBouncerCallerTransactionTests : CallerTransactionTests<OptimisticPgBouncerTestProvider>;

/// <summary>The same through PgBouncer, with the coalescing strategy.</summary>
public sealed class CoalescingPgBouncerCallerTransactionTests : CallerTransactionTests<CoalescingPgBouncerTestProvider>;
