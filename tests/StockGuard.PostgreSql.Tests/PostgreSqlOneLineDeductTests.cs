using NUnit.Framework;
using StockGuard.Testing;

namespace StockGuard.PostgreSql.Tests;

/// <summary>The one-command sale on PostgreSQL (its failures are in <see cref="PostgreSqlDeductOneTests"/>).</summary>
[TestFixture]
public sealed class PostgreSqlOneLineDeductTests : OneLineDeductTests<AtomicPostgreSqlTestProvider>
{
    protected override Task<(long OnHand, long Reserved)> LedgerAsync(StockKey key) => PostgreSqlServer.LedgerAsync(Provider.Schema, key);

    protected override Task<IReadOnlyList<(long OnHand, long Reserved, string? Reference)>> SalesAsync(StockKey key) => PostgreSqlServer.SalesAsync(Provider.Schema, key);
}
