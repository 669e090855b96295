using StockGuard.Testing;

namespace StockGuard.PostgreSql.Tests;

/// <summary>Hosts with clocks minutes apart on one PostgreSQL database, directly.</summary>
public sealed class PostgreSqlClockSkewTests : ClockSkewTests<AtomicPostgreSqlTestProvider>;

/// <summary>The same hosts through PgBouncer in transaction mode: reading the server's clock keeps no session state.</summary>
public sealed class PgBouncerClockSkewTests : ClockSkewTests<AtomicPgBouncerTestProvider>;
