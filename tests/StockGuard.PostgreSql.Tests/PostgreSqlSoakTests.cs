using NUnit.Framework;
using StockGuard.Testing;

namespace StockGuard.PostgreSql.Tests;

/// <summary>Several processes, one per strategy, selling, holding and sweeping on one PostgreSQL schema at once; then an audit.</summary>
public sealed class PostgreSqlSoakTests : PostgreSqlSoakSuite<AtomicPostgreSqlTestProvider>;

/// <summary>
/// The same processes through PgBouncer in transaction pooling mode, each store with its default options: it detects
/// the pooler, prepares nothing, and reads the database's clock through it.
/// </summary>
public sealed class PgBouncerSoakTests : PostgreSqlSoakSuite<AtomicPgBouncerTestProvider>;

/// <summary>The soak on one PostgreSQL schema, reached the way <typeparamref name="TProvider"/> reaches it.</summary>
[TestFixture]
public abstract class PostgreSqlSoakSuite<TProvider> : ProviderFixture<TProvider>
    where TProvider : PostgreSqlTestProvider, new()
{
    [Test]
    public async Task Processes_of_every_strategy_selling_holding_and_sweeping_at_once_leave_consistent_tables()
    {
        await using var store = new PostgreSqlStockStore(Provider.DataSource, Provider.Options());
        await MultiProcessSoak.RunAndAuditAsync(
            store,
            clock => new PostgreSqlStockStore(Provider.DataSource, Provider.Options(), clock),
            Provider.Server.Tables,
            "postgresql",
            Provider.ConnectionString,
            Provider.Schema,
            TimeSpan.FromSeconds(5));
    }
}
