using StockGuard.Testing;

namespace StockGuard.Sqlite.Tests;

/// <summary>The store in the caller's own transaction on a SQLite file, beside the caller's order table.</summary>
public sealed class SqliteCallerTransactionTests : CallerTransactionTests<AtomicSqliteTestProvider>;
