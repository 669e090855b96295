using StockGuard.Testing;

namespace StockGuard.PostgreSql.Tests;

/// <summary>The one-command sale on PostgreSQL (its failures are in <see cref="PostgreSqlOneLineDeductFaultTests"/>).</summary>
public sealed class PostgreSqlOneLineDeductTests : OneLineDeductTests<AtomicPostgreSqlTestProvider>;

/// <summary>The one-command sale on PostgreSQL through PgBouncer in transaction pooling mode.</summary>
public sealed class PgBouncerOneLineDeductTests : OneLineDeductTests<AtomicPgBouncerTestProvider>;

/// <summary>The one-command hold, confirm and release on PostgreSQL.</summary>
public sealed class PostgreSqlOneCommandHoldTests : OneCommandHoldTests<AtomicPostgreSqlTestProvider>;

/// <summary>The one-command hold, confirm and release on PostgreSQL through PgBouncer in transaction pooling mode.</summary>
public sealed class PgBouncerOneCommandHoldTests : OneCommandHoldTests<AtomicPgBouncerTestProvider>;
