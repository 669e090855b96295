using StockGuard.Testing;

namespace StockGuard.PostgreSql.Tests;

/// <summary>The store in the caller's own transaction on PostgreSQL, beside the caller's order table.</summary>
public sealed class PostgreSqlCallerTransactionTests : CallerTransactionTests<AtomicPostgreSqlTestProvider>;
