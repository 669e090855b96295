using MySqlConnector;
using NUnit.Framework;
using StockGuard.Testing;

namespace StockGuard.MySql.Tests;

/// <summary>Several processes, one per strategy, selling, holding and sweeping on one MySQL database at once; then an audit.</summary>
[TestFixture]
public sealed class MySqlSoakTests : MySqlFixture
{
    [Test]
    public async Task Processes_of_every_strategy_selling_holding_and_sweeping_at_once_leave_consistent_tables()
    {
        await using var store = CreateStore();
        var connection = new MySqlConnectionStringBuilder(MySqlServer.ConnectionString) { Database = Database }.ConnectionString;
        await MultiProcessSoak.RunAndAuditAsync(
            store,
            clock => new MySqlStockStore(Provider.DataSource, Provider.Options(), clock),
            Provider.Server.Tables,
            "mysql",
            connection,
            Database,
            TimeSpan.FromSeconds(5));
    }
}
