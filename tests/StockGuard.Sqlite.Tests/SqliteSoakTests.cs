using NUnit.Framework;
using StockGuard.Testing;

namespace StockGuard.Sqlite.Tests;

/// <summary>
/// Several processes, one per strategy, selling, holding and sweeping on one SQLite file at once; then an audit. Fewer
/// buyers per process than on a server, each pausing between operations: with one writer at a time, a process that
/// keeps the write lock busy would otherwise starve the others.
/// </summary>
[TestFixture]
public sealed class SqliteSoakTests : ProviderFixture<AtomicSqliteTestProvider>
{
    [Test]
    public async Task Processes_of_every_strategy_selling_holding_and_sweeping_at_once_leave_consistent_tables()
    {
        var connectionString = Provider.ConnectionString;
        await using var store = new SqliteStockStore(connectionString, Provider.Options());
        await MultiProcessSoak.RunAndAuditAsync(
            store,
            clock => new SqliteStockStore(connectionString, Provider.Options(), clock),
            Provider.Server.Tables,
            "sqlite",
            connectionString,
            "main",
            TimeSpan.FromSeconds(4),
            buyers: 2,
            pauseMilliseconds: 20);
    }
}
