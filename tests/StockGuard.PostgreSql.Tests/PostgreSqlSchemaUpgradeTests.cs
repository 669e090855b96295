using FluentAssertions;
using NUnit.Framework;
using StockGuard.Changes;
using StockGuard.Tests.Shared;

namespace StockGuard.PostgreSql.Tests;

/// <summary>A version-1 schema is upgraded to the current version in place, by the store on first use, and again harmlessly.</summary>
[TestFixture]
public sealed class PostgreSqlSchemaUpgradeTests
{
    [Test]
    public async Task A_version_1_ledger_is_upgraded_in_place_and_its_old_movements_read_first_without_a_level()
    {
        await (await PostgreSqlServer.OpenOrSkipAsync()).DisposeAsync();
        var schema = PostgreSqlServer.NewSchemaName("upgrade");
        try
        {
            var key = new StockKey("upgraded");
            await using (var v2 = new PostgreSqlStockStore(PostgreSqlServer.ConnectionString, new PostgreSqlStockStoreOptions { Schema = schema }))
            {
                await v2.ReceiveAsync(new ReceiveRequest(new StockLine(key, 10)) { Reference = "written by version 1" });
            }

            // What version 1 left: no transaction ids, no levels, version 1 recorded.
            await using (var connection = await PostgreSqlServer.OpenAsync())
            {
                await PostgreSqlServer.Exec(
                    connection,
                    $"ALTER TABLE \"{schema}\".stock_movements DROP COLUMN tx, DROP COLUMN on_hand_after, DROP COLUMN reserved_after, DROP COLUMN safety_stock_after, " +
                    "DROP COLUMN backorder_limit_after, DROP COLUMN low_stock_threshold_after, DROP COLUMN version_after; " +
                    $"ALTER TABLE \"{schema}\".stock_items DROP COLUMN pre_order_limit, DROP COLUMN expected_restock, DROP COLUMN released; " +
                    $"DROP TABLE \"{schema}\".stock_backorders; " +
                    $"DELETE FROM \"{schema}\".stock_schema_version; INSERT INTO \"{schema}\".stock_schema_version (version) VALUES (1)");
            }

            await using var store = new PostgreSqlStockStore(PostgreSqlServer.ConnectionString, new PostgreSqlStockStoreOptions { Schema = schema });
            var sold = await store.DeductAsync(new DeductRequest(new StockLine(key, 3)) { Reference = "written by version 2" });
            await store.EnsureSchemaAsync();

            await using (var connection = await PostgreSqlServer.OpenAsync())
            {
                (await PostgreSqlServer.Exec(connection, $"SELECT string_agg(version::text, ',' ORDER BY version) FROM \"{schema}\".stock_schema_version")).Should().Be("1,2,3,4,5,6,7,8,9");
            }

            // The feed shows the sale once no transaction older than it runs on the server (another test's may).
            var page = await store.ReadChangesAsync(StockChangePosition.Start);
            for (var attempt = 0; page.Changes.Count < 2 && attempt < 300; attempt++)
            {
                await Task.Delay(TimeSpan.FromMilliseconds(200), TimeProvider.System, CancellationToken.None);
                page = await store.ReadChangesAsync(StockChangePosition.Start);
            }

            page.Changes.Select(c => c.Reference).Should().Equal("written by version 1", "written by version 2");
            page.Changes[0].Position.Transaction.Should().Be(0, "rows from before the upgrade have no transaction id and read first");
            page.Changes[0].LevelAfter.Should().BeNull("version 1 kept no level");
            page.Changes[1].Position.Transaction.Should().BeGreaterThan(0);
            page.Changes[1].LevelAfter.Should().Be(sold.Levels[0]);
            (await store.GetLastPositionAsync()).Should().Be(page.Changes[1].Position);
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
            await PostgreSqlServer.DropSchemaAsync(schema);
        }
    }

    [Test]
    public async Task A_newer_schema_serves_this_store_and_its_script_does_not_run_on_it()
    {
        await (await PostgreSqlServer.OpenOrSkipAsync()).DisposeAsync();
        var schema = PostgreSqlServer.NewSchemaName("newer");
        try
        {
            var key = new StockKey("served");
            int newer;
            await using (var first = new PostgreSqlStockStore(PostgreSqlServer.ConnectionString, new PostgreSqlStockStoreOptions { Schema = schema }))
            {
                await first.ReceiveAsync(new ReceiveRequest(new StockLine(key, 10)));
                newer = first.RequiredVersion + 1;
            }

            // A newer release recorded its version; an index dropped here shows whether this release's script ran again.
            await using (var connection = await PostgreSqlServer.OpenAsync())
            {
                await PostgreSqlServer.Exec(
                    connection,
                    $"DROP INDEX \"{schema}\".stock_waitlist_waiting_by_item; INSERT INTO \"{schema}\".stock_schema_version (version) VALUES ({newer})");
            }

            await using var store = new PostgreSqlStockStore(PostgreSqlServer.ConnectionString, new PostgreSqlStockStoreOptions { Schema = schema });
            await store.EnsureSchemaAsync();
            (await store.GetSchemaVersionAsync()).Should().Be(newer);
            (await store.DeductAsync(new DeductRequest(new StockLine(key, 3)))).Succeeded.Should().BeTrue();
            (await store.GetLevelAsync(key))!.OnHand.Should().Be(7);

            await using (var connection = await PostgreSqlServer.OpenAsync())
            {
                (await PostgreSqlServer.Exec(connection, $"SELECT count(*) FROM pg_indexes WHERE schemaname = '{schema}' AND indexname = 'stock_waitlist_waiting_by_item'"))
                    .Should().Be(0L, "an older script never runs on a newer schema");
            }
        }
        finally
        {
            await PostgreSqlServer.DropSchemaAsync(schema);
        }
    }
}
