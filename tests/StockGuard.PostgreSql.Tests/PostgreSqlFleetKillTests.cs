using Npgsql;
using NUnit.Framework;
using StockGuard.Testing;

namespace StockGuard.PostgreSql.Tests;

/// <summary>A fleet of processes selling one hot item with coalescing on PostgreSQL, one killed while its batch waits for the row.</summary>
public sealed class PostgreSqlFleetKillTests : PostgreSqlFleetKillSuite<AtomicPostgreSqlTestProvider>;

/// <summary>The same fleet through PgBouncer in transaction pooling mode.</summary>
public sealed class PgBouncerFleetKillTests : PostgreSqlFleetKillSuite<AtomicPgBouncerTestProvider>;

/// <summary>The fleet on one PostgreSQL schema, reached the way <typeparamref name="TProvider"/> reaches it.</summary>
[TestFixture]
public abstract class PostgreSqlFleetKillSuite<TProvider> : ProviderFixture<TProvider>
    where TProvider : PostgreSqlTestProvider, new()
{
    [TestCase(false)]
    [TestCase(true)]
    public async Task A_process_killed_mid_batch_leaves_the_other_processes_buyers_with_truthful_answers_and_the_stock_conserved(bool keyed)
    {
        await using var store = new PostgreSqlStockStore(Provider.DataSource, Provider.Options());
        await FleetKill.RunAsync(
            store,
            Provider.Server.Tables,
            "postgresql",
            Provider.ConnectionString,
            Provider.Schema,
            Provider.Server.LockItemAsync,
            async () =>
            {
                await using var connection = new NpgsqlConnection(PostgreSqlServer.ConnectionString);
                await connection.OpenAsync();
                await using var command = new NpgsqlCommand("SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock' AND query LIKE '%' || @schema || '%'", connection);
                command.Parameters.AddWithValue("schema", Provider.Schema);
                return Convert.ToInt32(await command.ExecuteScalarAsync(), System.Globalization.CultureInfo.InvariantCulture);
            },
            keyed);
    }
}
