using StockGuard.Testing;

namespace StockGuard.PostgreSql.Tests;

/// <summary>Delivery of the PostgreSQL change feed, woken by LISTEN/NOTIFY, and its read cache.</summary>
public sealed class PostgreSqlChangeDeliveryTests : ChangeDeliveryTests<AtomicPostgreSqlTestProvider>;

/// <summary>The same through PgBouncer in transaction mode, where nobody can LISTEN: the dispatchers poll.</summary>
public sealed class PgBouncerChangeDeliveryTests : ChangeDeliveryTests<AtomicPgBouncerTestProvider>;
