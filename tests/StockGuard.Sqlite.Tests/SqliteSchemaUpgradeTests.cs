using FluentAssertions;
using Microsoft.Data.Sqlite;
using NUnit.Framework;
using StockGuard.Changes;

namespace StockGuard.Sqlite.Tests;

/// <summary>A version-1 schema is upgraded to the current version in place, by the store on first use, and again harmlessly.</summary>
public sealed class SqliteSchemaUpgradeTests
{
    [Test]
    public async Task A_version_1_ledger_is_upgraded_in_place_and_its_old_movements_read_without_a_level()
    {
        using var file = new SqliteTestFile();
        var connectionString = file.ConnectionString;
        var key = new StockKey("upgraded");
        await using (var v2 = new SqliteStockStore(connectionString))
        {
            await v2.ReceiveAsync(new ReceiveRequest(new StockLine(key, 10)) { Reference = "written by version 1" });
        }

        // What version 1 left: no levels, version 1 recorded.
        await using (var connection = new SqliteConnection(connectionString))
        {
            await connection.OpenAsync();
            await using var command = connection.CreateCommand();
            command.CommandText = string.Concat(
                new[] { "on_hand_after", "reserved_after", "safety_stock_after", "backorder_limit_after", "low_stock_threshold_after", "version_after" }
                    .Select(c => $"ALTER TABLE stock_movements DROP COLUMN {c};")) +
                string.Concat(new[] { "pre_order_limit", "expected_restock", "released" }.Select(c => $"ALTER TABLE stock_items DROP COLUMN {c};")) +
                "DROP TABLE stock_backorders; DELETE FROM stock_schema_version; INSERT INTO stock_schema_version (version) VALUES (1);";
            await command.ExecuteNonQueryAsync();
        }

        await using var store = new SqliteStockStore(connectionString);
        var sold = await store.DeductAsync(new DeductRequest(new StockLine(key, 3)) { Reference = "written by version 2" });
        await store.EnsureSchemaAsync();

        await using (var connection = new SqliteConnection(connectionString))
        {
            await connection.OpenAsync();
            await using var command = connection.CreateCommand();
            command.CommandText = "SELECT group_concat(version, ',') FROM (SELECT version FROM stock_schema_version ORDER BY version)";
            (await command.ExecuteScalarAsync()).Should().Be("1,2,3,4,5,6,7,8,9");
        }

        var page = await store.ReadChangesAsync(StockChangePosition.Start);
        page.Changes.Select(c => c.Reference).Should().Equal("written by version 1", "written by version 2");
        page.Changes[0].LevelAfter.Should().BeNull("version 1 kept no level");
        page.Changes[1].LevelAfter.Should().Be(sold.Levels[0]);
        await UpgradedToVersion4Async(store, key);
    }

    /// <summary>An item from before version 4 counts as received, and backorders are recorded after the upgrade.</summary>
    internal static async Task UpgradedToVersion4Async(IStockStore store, StockKey key)
    {
        await store.SetPolicyAsync(key, new StockPolicy(BackorderLimit: 5) { PreOrderLimit = 50 });
        var level = (await store.GetLevelAsync(key))!;
        level.IsReleased.Should().BeTrue("an item sold before version 4 was released then");
        level.IsPreOrder.Should().BeFalse();
        level.Sellable.Should().Be(12, "7 on hand and the backorder limit, not the pre-order limit");
        var sold = await store.DeductAsync(new DeductRequest(new StockLine(key, 10)) { Reference = "after the upgrade" });
        sold.Backordered.Should().Equal(new BackorderedLine(key, 3, BackorderKind.Backorder));
        (await ((IStockBackorders)store).GetBackordersAsync("after the upgrade")).Waiting.Should().Be(3);
    }

    [Test]
    public async Task A_newer_schema_serves_this_store_and_its_script_does_not_run_on_it()
    {
        using var file = new SqliteTestFile();
        var key = new StockKey("served");
        int newer;
        await using (var first = new SqliteStockStore(file.ConnectionString))
        {
            await first.ReceiveAsync(new ReceiveRequest(new StockLine(key, 10)));
            newer = first.RequiredVersion + 1;
        }

        // A newer release recorded its version; a table dropped here shows whether this release's script ran again.
        await using (var connection = new SqliteConnection(file.ConnectionString))
        {
            await connection.OpenAsync();
            await using var command = connection.CreateCommand();
            command.CommandText = $"DROP TABLE stock_waitlist; INSERT INTO stock_schema_version (version) VALUES ({newer});";
            await command.ExecuteNonQueryAsync();
        }

        await using var store = new SqliteStockStore(file.ConnectionString);
        await store.EnsureSchemaAsync();
        (await store.GetSchemaVersionAsync()).Should().Be(newer);
        (await store.DeductAsync(new DeductRequest(new StockLine(key, 3)))).Succeeded.Should().BeTrue();
        (await store.GetLevelAsync(key))!.OnHand.Should().Be(7);

        await using (var connection = new SqliteConnection(file.ConnectionString))
        {
            await connection.OpenAsync();
            await using var command = connection.CreateCommand();
            command.CommandText = "SELECT COUNT(*) FROM sqlite_master WHERE type = 'table' AND name = 'stock_waitlist'";
            (await command.ExecuteScalarAsync()).Should().Be(0L, "an older script never runs on a newer schema");
        }
    }
}
