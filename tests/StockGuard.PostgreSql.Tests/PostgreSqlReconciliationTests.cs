using StockGuard.Testing;

namespace StockGuard.PostgreSql.Tests;

public sealed class PostgreSqlReconciliationTests : SqlReconciliationTests<AtomicPostgreSqlTestProvider>;

public sealed class PessimisticPostgreSqlReconciliationTests : SqlReconciliationTests<PessimisticPostgreSqlTestProvider>;

public sealed class OptimisticPostgreSqlReconciliationTests : SqlReconciliationTests<OptimisticPostgreSqlTestProvider>;

public sealed class CoalescingPostgreSqlReconciliationTests : SqlReconciliationTests<CoalescingPostgreSqlTestProvider>;

/// <summary>Through PgBouncer in transaction pooling mode: each repair and count is one transaction, nothing outlives it.</summary>
public sealed class PgBouncerReconciliationTests : SqlReconciliationTests<AtomicPgBouncerTestProvider>;
