using FluentAssertions;
using NUnit.Framework;
using StockGuard.Changes;

namespace StockGuard.MySql.Tests;

/// <summary>A version-1 ledger is upgraded to the current version in place, by the store on first use, and again harmlessly.</summary>
[TestFixture]
public sealed class MySqlSchemaUpgradeTests
{
    [Test]
    public async Task A_version_1_ledger_is_upgraded_in_place_and_its_old_movements_read_without_a_level()
    {
        await (await MySqlServer.OpenOrSkipAsync()).DisposeAsync();
        var database = MySqlServer.NewDatabaseName("upgrade");
        try
        {
            var key = new StockKey("upgraded");
            await using (var v2 = new MySqlStockStore(MySqlServer.ConnectionString, new MySqlStockStoreOptions { Schema = database }))
            {
                await v2.ReceiveAsync(new ReceiveRequest(new StockLine(key, 10)) { Reference = "written by version 1" });
            }

            // What version 1 left: no levels, version 1 recorded.
            await using (var connection = await MySqlServer.OpenAsync())
            {
                await MySqlServer.Exec(
                    connection,
                    $"ALTER TABLE `{database}`.stock_movements DROP COLUMN on_hand_after, DROP COLUMN reserved_after, DROP COLUMN safety_stock_after, " +
                    "DROP COLUMN backorder_limit_after, DROP COLUMN low_stock_threshold_after, DROP COLUMN version_after; " +
                    $"ALTER TABLE `{database}`.stock_items DROP COLUMN pre_order_limit, DROP COLUMN expected_restock, DROP COLUMN released; " +
                    $"DROP TABLE `{database}`.stock_backorders; " +
                    $"DELETE FROM `{database}`.stock_schema_version; INSERT INTO `{database}`.stock_schema_version (version) VALUES (1)");
            }

            await using var store = new MySqlStockStore(MySqlServer.ConnectionString, new MySqlStockStoreOptions { Schema = database });
            var sold = await store.DeductAsync(new DeductRequest(new StockLine(key, 3)) { Reference = "written by version 2" });
            await store.EnsureSchemaAsync();

            await using (var connection = await MySqlServer.OpenAsync())
            {
                (await MySqlServer.Exec(connection, $"SELECT GROUP_CONCAT(version ORDER BY version) FROM `{database}`.stock_schema_version")).Should().Be("1,2,3,4,5,6,7,8,9");
            }

            var page = await store.ReadChangesAsync(StockChangePosition.Start);
            page.Changes.Select(c => c.Reference).Should().Equal("written by version 1", "written by version 2");
            page.Changes[0].LevelAfter.Should().BeNull("version 1 kept no level");
            page.Changes[1].LevelAfter.Should().Be(sold.Levels[0]);
            await store.SetPolicyAsync(key, new StockPolicy(BackorderLimit: 5) { PreOrderLimit = 50 });
            var level = (await store.GetLevelAsync(key))!;
            level.IsReleased.Should().BeTrue("an item sold before version 4 was released then");
            level.Sellable.Should().Be(12, "7 on hand and the backorder limit, not the pre-order limit");
            (await store.DeductAsync(new DeductRequest(new StockLine(key, 10)) { Reference = "after the upgrade" })).Backordered
                .Should().Equal(new BackorderedLine(key, 3, BackorderKind.Backorder));
            (await store.GetBackordersAsync("after the upgrade")).Waiting.Should().Be(3);
        }
        finally
        {
            await MySqlServer.DropDatabaseAsync(database);
        }
    }

    [Test]
    public async Task A_version_3_schema_whose_upgrade_stopped_after_its_column_change_counts_its_old_items_released()
    {
        await (await MySqlServer.OpenOrSkipAsync()).DisposeAsync();
        var database = MySqlServer.NewDatabaseName("halfupgrade");
        try
        {
            var key = new StockKey("sold before version 4");
            await using (var first = new MySqlStockStore(MySqlServer.ConnectionString, new MySqlStockStoreOptions { Schema = database }))
            {
                await first.ReceiveAsync(new ReceiveRequest(new StockLine(key, 10)));
                await first.DeductAsync(new DeductRequest(new StockLine(key, 3)));
            }

            // A version-3 schema whose upgrade to version 4 was stopped (its process killed) after the ALTER TABLE of
            // stockguard-mysql-upgrade-4.sql had committed by itself and before the UPDATE that counts the old items
            // released: the columns exist with their defaults, nothing after version 3 was created or recorded.
            await using (var connection = await MySqlServer.OpenAsync())
            {
                await MySqlServer.Exec(
                    connection,
                    $"UPDATE `{database}`.stock_items SET released = 0; " +
                    $"DROP TABLE `{database}`.stock_backorders; DROP TABLE `{database}`.stock_waitlist; " +
                    $"DELETE FROM `{database}`.stock_schema_version WHERE version > 3");
            }

            await using var store = new MySqlStockStore(MySqlServer.ConnectionString, new MySqlStockStoreOptions { Schema = database });
            await store.EnsureSchemaAsync();
            (await store.GetSchemaVersionAsync()).Should().Be(store.RequiredVersion);
            await store.SetPolicyAsync(key, new StockPolicy(BackorderLimit: 5) { PreOrderLimit = 50 });
            var level = (await store.GetLevelAsync(key))!;
            level.IsReleased.Should().BeTrue("an item sold before version 4 was released then, however its upgrade was interrupted");
            level.Sellable.Should().Be(12, "7 on hand and the backorder limit, not the pre-order limit");
            (await store.DeductAsync(new DeductRequest(new StockLine(key, 10)) { Reference = "after the upgrade" })).Backordered
                .Should().Equal(new BackorderedLine(key, 3, BackorderKind.Backorder));
        }
        finally
        {
            await MySqlServer.DropDatabaseAsync(database);
        }
    }

    [Test]
    public async Task A_newer_schema_serves_this_store_and_its_script_does_not_run_on_it()
    {
        await (await MySqlServer.OpenOrSkipAsync()).DisposeAsync();
        var database = MySqlServer.NewDatabaseName("newer");
        try
        {
            var key = new StockKey("served");
            int newer;
            await using (var first = new MySqlStockStore(MySqlServer.ConnectionString, new MySqlStockStoreOptions { Schema = database }))
            {
                await first.ReceiveAsync(new ReceiveRequest(new StockLine(key, 10)));
                newer = first.RequiredVersion + 1;
            }

            // A newer release recorded its version; a table dropped here shows whether this release's script ran again.
            await using (var connection = await MySqlServer.OpenAsync())
            {
                await MySqlServer.Exec(connection, $"DROP TABLE `{database}`.stock_waitlist; INSERT INTO `{database}`.stock_schema_version (version) VALUES ({newer})");
            }

            await using var store = new MySqlStockStore(MySqlServer.ConnectionString, new MySqlStockStoreOptions { Schema = database });
            await store.EnsureSchemaAsync();
            (await store.GetSchemaVersionAsync()).Should().Be(newer);
            (await store.DeductAsync(new DeductRequest(new StockLine(key, 3)))).Succeeded.Should().BeTrue();
            (await store.GetLevelAsync(key))!.OnHand.Should().Be(7);

            await using (var connection = await MySqlServer.OpenAsync())
            {
                (await MySqlServer.Exec(connection, $"SELECT COUNT(*) FROM information_schema.tables WHERE table_schema = '{database}' AND table_name = 'stock_waitlist'"))
                    .Should().Be(0L, "an older script never runs on a newer schema");
            }
        }
        finally
        {
            await MySqlServer.DropDatabaseAsync(database);
        }
    }
}
