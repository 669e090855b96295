using NUnit.Framework;
using StockGuard.Testing;

namespace StockGuard.MySql.Tests;

/// <summary>The one-command sale on MySQL and MariaDB (its failures are in <see cref="MySqlDeductOneTests"/>).</summary>
[TestFixture]
public sealed class MySqlOneLineDeductTests : OneLineDeductTests<AtomicMySqlTestProvider>
{
    protected override Task<(long OnHand, long Reserved)> LedgerAsync(StockKey key) => MySqlServer.LedgerAsync(Provider.Database, key);

    protected override Task<IReadOnlyList<(long OnHand, long Reserved, string? Reference)>> SalesAsync(StockKey key) => MySqlServer.SalesAsync(Provider.Database, key);
}
