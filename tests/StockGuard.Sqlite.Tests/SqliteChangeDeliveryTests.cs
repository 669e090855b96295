using StockGuard.Testing;

namespace StockGuard.Sqlite.Tests;

/// <summary>Delivery of the SQLite change feed, polled, and its read cache.</summary>
public sealed class SqliteChangeDeliveryTests : ChangeDeliveryTests<AtomicSqliteTestProvider>;
