using StockGuard.Testing;

namespace StockGuard.MySql.Tests;

/// <summary>The one-command sale on MySQL and MariaDB (its failures are in <see cref="MySqlOneLineDeductFaultTests"/>).</summary>
public sealed class MySqlOneLineDeductTests : OneLineDeductTests<AtomicMySqlTestProvider>;
