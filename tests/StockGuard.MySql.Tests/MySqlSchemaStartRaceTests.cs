using FluentAssertions;
using NUnit.Framework;

namespace StockGuard.MySql.Tests;

/// <summary>Two processes that start at once on a database of an older version both come up.</summary>
[TestFixture]
public sealed class MySqlSchemaStartRaceTests
{
    [Test]
    public async Task Two_stores_that_upgrade_a_version_3_database_at_once_both_start()
    {
        await (await MySqlServer.OpenOrSkipAsync()).DisposeAsync();
        var database = MySqlServer.NewDatabaseName("race");
        try
        {
            await using (var first = new MySqlStockStore(MySqlServer.ConnectionString, new MySqlStockStoreOptions { Schema = database }))
            {
                await first.ReceiveAsync(new ReceiveRequest(new StockLine(new StockKey("race"), 10)));
            }

            await using var blocker = await MySqlServer.OpenAsync();
            await MySqlServer.Exec(
                blocker,
                $"ALTER TABLE `{database}`.stock_items DROP COLUMN pre_order_limit, DROP COLUMN expected_restock, DROP COLUMN released; " +
                $"DROP TABLE `{database}`.stock_backorders; " +
                $"DELETE FROM `{database}`.stock_schema_version WHERE version > 3");

            // A transaction of an older store is open on the items: both upgrades wait for it.
            await MySqlServer.Exec(blocker, $"START TRANSACTION; SELECT COUNT(*) FROM `{database}`.stock_items");

            await using var a = new MySqlStockStore(MySqlServer.ConnectionString, new MySqlStockStoreOptions { Schema = database });
            await using var b = new MySqlStockStore(MySqlServer.ConnectionString, new MySqlStockStoreOptions { Schema = database });
            var startA = a.EnsureSchemaAsync();
            var startB = b.EnsureSchemaAsync();

            await using (var watcher = await MySqlServer.OpenAsync())
            {
                var deadline = DateTime.UtcNow.AddSeconds(20);
                while (Convert.ToInt64(await MySqlServer.Exec(
                           watcher,
                           "SELECT COUNT(*) FROM information_schema.PROCESSLIST WHERE (STATE = 'Waiting for table metadata lock' AND INFO LIKE CONCAT('%', @db, '%')) OR (STATE = 'User lock' AND INFO LIKE '%stockguard-schema%')",
                           ("db", database)), System.Globalization.CultureInfo.InvariantCulture) < 2)
                {
                    DateTime.UtcNow.Should().BeBefore(deadline, "one starting store should wait to alter the items table, the other for the schema lock");
                    await Task.Delay(20);
                }
            }

            await MySqlServer.Exec(blocker, "COMMIT");
            var failures = new List<Exception>();
            foreach (var start in new[] { startA, startB })
            {
                try
                {
                    await start;
                }
                catch (StockStoreException ex)
                {
                    failures.Add(ex);
                }
            }

            failures.Should().BeEmpty();
        }
        finally
        {
            await MySqlServer.DropDatabaseAsync(database);
        }
    }

    [Test]
    public async Task A_store_without_a_command_time_limit_waits_for_another_process_schema_lock_then_creates_its_schema()
    {
        await (await MySqlServer.OpenOrSkipAsync()).DisposeAsync();
        var database = MySqlServer.NewDatabaseName("nolimit");
        try
        {
            // Another process holds the schema lock while it changes a schema; CommandTimeout = 0 waits without limit.
            await using var holder = await MySqlServer.OpenAsync();
            (await MySqlServer.Exec(holder, "SELECT GET_LOCK('stockguard-schema', 30)")).Should().Be(1L);
            await using var store = new MySqlStockStore(MySqlServer.ConnectionString, new MySqlStockStoreOptions { Schema = database, CommandTimeout = 0 });
            var start = store.EnsureSchemaAsync();
            try
            {
                await using var watcher = await MySqlServer.OpenAsync();
                var deadline = DateTime.UtcNow.AddSeconds(20);
                while (!start.IsCompleted && Convert.ToInt64(await MySqlServer.Exec(
                           watcher,
                           "SELECT COUNT(*) FROM information_schema.PROCESSLIST WHERE STATE = 'User lock' AND INFO LIKE '%stockguard-schema%' AND ID <> @holder",
                           ("holder", holder.ServerThread)), System.Globalization.CultureInfo.InvariantCulture) == 0)
                {
                    DateTime.UtcNow.Should().BeBefore(deadline, "the starting store should wait for the schema lock");
                    await Task.Delay(20);
                }
            }
            finally
            {
                await MySqlServer.Exec(holder, "DO RELEASE_LOCK('stockguard-schema')");
            }

            await start;
            (await store.GetSchemaVersionAsync()).Should().Be(store.RequiredVersion);
            var key = new StockKey("no time limit");
            await store.ReceiveAsync(new ReceiveRequest(new StockLine(key, 4)));
            (await store.DeductAsync(new DeductRequest(new StockLine(key, 3)))).Succeeded.Should().BeTrue();
            (await store.GetLevelAsync(key))!.OnHand.Should().Be(1);
        }
        finally
        {
            await MySqlServer.DropDatabaseAsync(database);
        }
    }

    [Test]
    public async Task A_store_upgrading_beside_a_sale_of_the_previous_version_does_not_wait_for_it_and_the_sale_commits()
    {
        await (await MySqlServer.OpenOrSkipAsync()).DisposeAsync();
        var database = MySqlServer.NewDatabaseName("rolling");
        try
        {
            int current;
            await using (var first = new MySqlStockStore(MySqlServer.ConnectionString, new MySqlStockStoreOptions { Schema = database }))
            {
                await first.ReceiveAsync(new ReceiveRequest(new StockLine(new StockKey("rolling"), 10)));
                current = first.RequiredVersion;
            }

            // The schema is at the previous version, whose stores sell: one sale has changed its item and has yet to
            // write its movement.
            await using var seller = await MySqlServer.OpenAsync();
            await MySqlServer.Exec(seller, $"DELETE FROM `{database}`.stock_schema_version WHERE version = {current}");
            await MySqlServer.Exec(seller, $"START TRANSACTION; UPDATE `{database}`.stock_items SET on_hand = on_hand - 1, version = version + 1 WHERE sku = 'rolling'");

            await using var store = new MySqlStockStore(MySqlServer.ConnectionString, new MySqlStockStoreOptions { Schema = database });
            var starting = store.EnsureSchemaAsync();
            var finished = await Task.WhenAny(starting, Task.Delay(TimeSpan.FromSeconds(5)));
            var startedBesideTheSale = finished == starting;
            await MySqlServer.Exec(
                seller,
                $"INSERT INTO `{database}`.stock_movements (occurred_at, sku, location, kind, on_hand_delta, reserved_delta) " +
                "VALUES (UTC_TIMESTAMP(6), 'rolling', 'default', 'sale', -1, 0); COMMIT");
            await starting;

            startedBesideTheSale.Should().BeTrue("the tables already have every column of this version: nothing is left to lock");
            (await store.GetSchemaVersionAsync()).Should().Be(current);
            (await store.GetLevelAsync(new StockKey("rolling")))!.OnHand.Should().Be(9);
        }
        finally
        {
            await MySqlServer.DropDatabaseAsync(database);
        }
    }
}
