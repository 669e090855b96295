using StockGuard.Testing;

namespace StockGuard.Sqlite.Tests;

/// <summary>Store instances over separate pools on one SQLite file, as several processes on one host use it.</summary>
public sealed class SqlitePoolTests : SqlPoolTests<AtomicSqliteTestProvider>;
