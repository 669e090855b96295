using StockGuard.Testing;

namespace StockGuard.MySql.Tests;

/// <summary>The store in the caller's own transaction on MariaDB, beside the caller's order table.</summary>
public sealed class MySqlCallerTransactionTests : CallerTransactionTests<AtomicMySqlTestProvider>;
