using StockGuard.Testing;

namespace StockGuard.MySql.Tests;

/// <summary>The one-command sale on MySQL and MariaDB (its failures are in <see cref="MySqlOneLineDeductFaultTests"/>).</summary>
public sealed class MySqlOneLineDeductTests : OneLineDeductTests<AtomicMySqlTestProvider>;

/// <summary>Holds, confirms and releases on MySQL/MariaDB, which sends them as transactions: the same records and answers.</summary>
public sealed class MySqlOneCommandHoldTests : OneCommandHoldTests<AtomicMySqlTestProvider>;
