using StockGuard.Testing;

namespace StockGuard.MySql.Tests;

/// <summary>The one-command sale on MySQL and MariaDB (its failures are in <see cref="MySqlOneLineDeductFaultTests"/>).</summary>
public sealed class MySqlOneLineDeductTests : OneLineDeductTests<AtomicMySqlTestProvider>;

/// <summary>
/// The one-command sale through the procedures' MySQL 8 body (the level read from the item's row, where MariaDB returns
/// it from the movement's <c>INSERT … RETURNING</c>), run on whichever server the tests have.
/// </summary>
public sealed class MySqlOneLineDeductMySqlBodyTests : OneLineDeductTests<MySqlBodyAtomicMySqlTestProvider>;

/// <summary>Holds, confirms and releases on MySQL/MariaDB, which sends them as transactions: the same records and answers.</summary>
public sealed class MySqlOneCommandHoldTests : OneCommandHoldTests<AtomicMySqlTestProvider>;
