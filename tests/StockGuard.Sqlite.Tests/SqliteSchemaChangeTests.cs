using FluentAssertions;
using Microsoft.Extensions.Time.Testing;
using NUnit.Framework;
using StockGuard.Testing;
using StockGuard.Tests.Shared;

namespace StockGuard.Sqlite.Tests;

/// <summary>
/// Another process changes the schema of the store's database file (a shop's own migration: a column and an index on a
/// StockGuard table, a table of its own, then a VACUUM) while the store keeps its connection open with every statement
/// it ran prepared. SQLite prepares a statement again when the schema it was prepared on changed; the store's next
/// operations run on the new schema and give exactly what they gave before.
/// </summary>
[TestFixture]
public sealed class SqliteSchemaChangeTests : ProviderFixture<AtomicSqliteTestProvider>
{
    /// <summary>A shop's own migration of the store's database, then a VACUUM, run by another process.</summary>
    internal const string ShopMigration =
        "ALTER TABLE stock_items ADD COLUMN shop_note TEXT NOT NULL DEFAULT 'shop'; " +
        "CREATE INDEX shop_movements_by_reference ON stock_movements (reference); " +
        "CREATE TABLE shop_orders (id INTEGER PRIMARY KEY, reference TEXT NOT NULL); " +
        "INSERT INTO shop_orders (reference) VALUES ('order-1'); " +
        "VACUUM;";

    [Test]
    public async Task A_store_with_prepared_statements_runs_every_operation_the_same_after_another_process_migrates_and_vacuums_its_file()
    {
        var time = new FakeTimeProvider(new DateTimeOffset(2026, 3, 1, 9, 0, 0, TimeSpan.Zero));
        await using var store = new SqliteStockStore(Provider.ConnectionString, Provider.Options(), time);
        var before = await RoundAsync(store, time);

        await RunInOtherProcessAsync(Provider.ConnectionString, ShopMigration);

        var after = await RoundAsync(store, time);
        after.Should().Equal(before);
        before.Should().Equal(
            "policy: on hand 0, reserved 0, available 0",
            "receipt: on hand 5, reserved 0, available 5",
            "hold: Active, available 2",
            "sale: True, on hand 3, available 0",
            "backorder sale: True, on hand 2, available -1",
            "join: Joined",
            "confirm: Confirmed, on hand -1, reserved 0, available -1",
            "receipt: on hand 2, reserved 1, available 1",
            "backorders: Filled 1 of 1",
            "place: Claimed",
            "swept after the claim window: 1",
            "place after the sweep: Lapsed",
            "level: on hand 2, reserved 0, available 2, version 10");
        (await Provider.Server.LedgerAsync(new StockKey("round-1"))).Should().Be((2L, 0L));
        (await Provider.Server.LedgerAsync(new StockKey("round-2"))).Should().Be((2L, 0L));
    }

    /// <summary>Runs <paramref name="sql"/> once in another process, on its own connection to the database file.</summary>
    internal static async Task RunInOtherProcessAsync(string connectionString, string sql)
    {
        var (exitCode, output, errors) = await MultiProcessSoak.RunProcessAsync(
            ["--mode", "sql", "--engine", "sqlite", "--connection", connectionString, "--sql", sql], TimeSpan.FromMinutes(2));
        exitCode.Should().Be(0, "the other process failed: {0}", errors);
        output.Should().Contain("sql: done");
    }

    /// <summary>Every kind of statement the store runs, on an item of its own; returns what each step saw.</summary>
    private static async Task<List<string>> RoundAsync(IStockStore store, FakeTimeProvider time)
    {
        var round = (await CountRoundsAsync(store)) + 1;
        var key = new StockKey($"round-{round}");
        var order = $"order-{round}";
        var seen = new List<string>();
        string Level(StockLevel l) => $"on hand {l.OnHand}, reserved {l.Reserved}, available {l.Available}";

        seen.Add("policy: " + Level(await store.SetPolicyAsync(key, new StockPolicy(BackorderLimit: 1))));
        seen.Add("receipt: " + Level((await store.ReceiveAsync(new ReceiveRequest(new StockLine(key, 5)))).Levels[0]));
        var hold = await store.ReserveAsync(new ReserveRequest(TimeSpan.FromMinutes(10), new StockLine(key, 3)));
        seen.Add($"hold: {hold.Hold!.State}, available {hold.Levels[0].Available}");
        var sale = await store.DeductAsync(new DeductRequest(new StockLine(key, 2)));
        seen.Add($"sale: {sale.Succeeded}, on hand {sale.Levels[0].OnHand}, available {sale.Levels[0].Available}");
        var backordered = await store.DeductAsync(new DeductRequest(new StockLine(key, 1)) { Reference = order });
        seen.Add($"backorder sale: {backordered.Succeeded}, on hand {backordered.Levels[0].OnHand}, available {backordered.Levels[0].Available}");
        seen.Add($"join: {(await ((IStockWaitlist)store).JoinWaitlistAsync(new JoinWaitlistRequest(key, "customer-1"))).Outcome}");
        var confirmed = await store.ConfirmAsync(hold.Hold.Id);
        seen.Add($"confirm: {confirmed.Outcome}, " + Level((await store.GetLevelAsync(key))!));
        seen.Add("receipt: " + Level((await store.ReceiveAsync(new ReceiveRequest(new StockLine(key, 3)))).Levels[0]));
        var backorders = await ((IStockBackorders)store).GetBackordersAsync(order);
        seen.Add($"backorders: {backorders.State} {backorders.Filled} of {backorders.Quantity}");
        seen.Add($"place: {(await ((IStockWaitlist)store).GetWaitlistPlaceAsync(key, "customer-1"))?.State.ToString() ?? "none"}");
        time.Advance(TimeSpan.FromMinutes(16));
        seen.Add($"swept after the claim window: {(await store.SweepAsync()).ExpiredHolds}");
        seen.Add($"place after the sweep: {(await ((IStockWaitlist)store).GetWaitlistPlaceAsync(key, "customer-1"))?.State.ToString() ?? "none"}");
        var level = (await store.GetLevelAsync(key))!;
        seen.Add("level: " + Level(level) + $", version {level.Version}");
        return seen;
    }

    private static async Task<int> CountRoundsAsync(IStockStore store) =>
        (await store.GetLevelAsync(new StockKey("round-1"))) is null ? 0 : 1;
}
