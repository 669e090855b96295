using StockGuard.Testing;

namespace StockGuard.MySql.Tests;

/// <summary>Hosts with clocks minutes apart on one MySQL or MariaDB database: the database's clock decides.</summary>
public sealed class MySqlClockSkewTests : ClockSkewTests<AtomicMySqlTestProvider>;
