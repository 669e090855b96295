using StockGuard.Testing;

namespace StockGuard.MySql.Tests;

/// <summary>Delivery of the MySQL or MariaDB change feed, polled, and its read cache.</summary>
public sealed class MySqlChangeDeliveryTests : ChangeDeliveryTests<AtomicMySqlTestProvider>;
