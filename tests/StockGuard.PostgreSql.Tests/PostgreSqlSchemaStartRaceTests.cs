using FluentAssertions;
using NUnit.Framework;

namespace StockGuard.PostgreSql.Tests;

/// <summary>Stores that start while another process upgrades the schema find the upgrade done and take no table locks.</summary>
[TestFixture]
public sealed class PostgreSqlSchemaStartRaceTests
{
    [Test]
    public async Task A_store_that_waited_for_another_process_upgrade_does_not_run_the_script_again_beside_selling_transactions()
    {
        await (await PostgreSqlServer.OpenOrSkipAsync()).DisposeAsync();
        var schema = PostgreSqlServer.NewSchemaName("race");
        try
        {
            int current;
            await using (var first = new PostgreSqlStockStore(PostgreSqlServer.ConnectionString, new PostgreSqlStockStoreOptions { Schema = schema }))
            {
                await first.ReceiveAsync(new ReceiveRequest(new StockLine(new StockKey("race"), 10)));
                current = first.RequiredVersion;
            }

            // The schema is at the previous version, and another process of this version is upgrading it: it holds the
            // script's advisory lock and has not committed its version yet.
            await using var upgrader = await PostgreSqlServer.OpenAsync();
            await PostgreSqlServer.Exec(upgrader, $"DELETE FROM \"{schema}\".stock_schema_version WHERE version = {current}");
            await PostgreSqlServer.Exec(upgrader, "BEGIN; SELECT pg_advisory_xact_lock(hashtext('stockguard-schema'))");

            await using var store = new PostgreSqlStockStore(PostgreSqlServer.ConnectionString, new PostgreSqlStockStoreOptions { Schema = schema });
            var starting = store.EnsureSchemaAsync();

            // The starting store read the previous version and now waits for the advisory lock.
            await using (var watcher = await PostgreSqlServer.OpenAsync())
            {
                var deadline = DateTime.UtcNow.AddSeconds(20);
                while ((long)(await PostgreSqlServer.Exec(watcher, "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND NOT granted"))! == 0)
                {
                    DateTime.UtcNow.Should().BeBefore(deadline, "the starting store should wait for the upgrade's advisory lock");
                    await Task.Delay(20);
                }
            }

            // A store of the fleet sells: its transaction is open on the items table.
            await using var seller = await PostgreSqlServer.OpenAsync();
            await PostgreSqlServer.Exec(seller, $"BEGIN; SELECT count(*) FROM \"{schema}\".stock_items");

            // The upgrade ends.
            await PostgreSqlServer.Exec(upgrader, $"INSERT INTO \"{schema}\".stock_schema_version (version) VALUES ({current}); COMMIT");

            var finished = await Task.WhenAny(starting, Task.Delay(TimeSpan.FromSeconds(5)));
            var waitedForSeller = finished != starting;
            await PostgreSqlServer.Exec(seller, "ROLLBACK");
            try
            {
                await starting;
            }
            catch (StockStoreException)
            {
            }

            waitedForSeller.Should().BeFalse("the schema was at this version when the lock was granted: nothing is left to lock");
            starting.IsCompletedSuccessfully.Should().BeTrue();
        }
        finally
        {
            await PostgreSqlServer.DropSchemaAsync(schema);
        }
    }

    [Test]
    public async Task A_store_upgrading_beside_a_sale_of_the_previous_version_takes_no_table_lock_and_the_sale_commits()
    {
        await (await PostgreSqlServer.OpenOrSkipAsync()).DisposeAsync();
        var schema = PostgreSqlServer.NewSchemaName("rolling");
        try
        {
            int current;
            await using (var first = new PostgreSqlStockStore(PostgreSqlServer.ConnectionString, new PostgreSqlStockStoreOptions { Schema = schema }))
            {
                await first.ReceiveAsync(new ReceiveRequest(new StockLine(new StockKey("rolling"), 10)));
                current = first.RequiredVersion;
            }

            // The schema is at the previous version, whose stores sell: one sale has changed its item and has yet to
            // write its movement.
            await using var seller = await PostgreSqlServer.OpenAsync();
            await PostgreSqlServer.Exec(seller, $"DELETE FROM \"{schema}\".stock_schema_version WHERE version = {current}");
            await PostgreSqlServer.Exec(seller, $"BEGIN; UPDATE \"{schema}\".stock_items SET on_hand = on_hand - 1, version = version + 1 WHERE sku = 'rolling' AND location = 'default'");

            await using var store = new PostgreSqlStockStore(PostgreSqlServer.ConnectionString, new PostgreSqlStockStoreOptions { Schema = schema });
            var starting = store.EnsureSchemaAsync();
            var finished = await Task.WhenAny(starting, Task.Delay(TimeSpan.FromSeconds(5)));
            var startedBesideTheSale = finished == starting;

            // The sale goes on: its movement, then its commit.
            Exception? saleFailure = null;
            try
            {
                await PostgreSqlServer.Exec(
                    seller,
                    $"INSERT INTO \"{schema}\".stock_movements (occurred_at, sku, location, kind, on_hand_delta, reserved_delta) " +
                    "VALUES (now(), 'rolling', 'default', 'sale', -1, 0); COMMIT");
            }
            catch (Npgsql.PostgresException ex)
            {
                saleFailure = ex;
                await PostgreSqlServer.Exec(seller, "ROLLBACK");
            }

            try
            {
                await starting;
            }
            catch (StockStoreException)
            {
            }

            startedBesideTheSale.Should().BeTrue("the tables already have every column and index of this version: nothing is left to lock");
            saleFailure.Should().BeNull();
            starting.IsCompletedSuccessfully.Should().BeTrue();
            (await store.GetSchemaVersionAsync()).Should().Be(current);
            (await store.GetLevelAsync(new StockKey("rolling")))!.OnHand.Should().Be(9);
        }
        finally
        {
            await PostgreSqlServer.DropSchemaAsync(schema);
        }
    }
}
