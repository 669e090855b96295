using NUnit.Framework;
using StockGuard.Testing;

namespace StockGuard.PostgreSql.Tests;

/// <summary>Several processes, one per strategy, selling, holding and sweeping on one PostgreSQL schema at once; then an audit.</summary>
[TestFixture]
public sealed class PostgreSqlSoakTests : PostgreSqlFixture
{
    [Test]
    public async Task Processes_of_every_strategy_selling_holding_and_sweeping_at_once_leave_consistent_tables()
    {
        await using var store = CreateStore();
        await MultiProcessSoak.RunAndAuditAsync(
            store,
            clock => new PostgreSqlStockStore(Provider.DataSource, Provider.Options(), clock),
            PostgreSqlServer.Tables(Schema),
            "postgresql",
            PostgreSqlServer.ConnectionString,
            Schema,
            TimeSpan.FromSeconds(5));
    }
}
