using StockGuard.Testing;

namespace StockGuard.MySql.Tests;

/// <summary>The coalescing suite on MySQL and MariaDB.</summary>
public sealed class MySqlCoalescingTests : CoalescingTests<CoalescingMySqlTestProvider>;
