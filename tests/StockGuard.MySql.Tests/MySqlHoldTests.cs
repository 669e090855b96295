using FluentAssertions;
using MySqlConnector;
using NUnit.Framework;
using StockGuard.Testing;

namespace StockGuard.MySql.Tests;

/// <summary>
/// The sweep against buyers of other connections on InnoDB: the lock order, and a hold's state changing with its lines.
/// Provider-specific because the engines differ here: InnoDB's sweep waits for an item a buyer has locked, so the order
/// in which both take items, holds and lines decides whether they deadlock; PostgreSQL's sweep skips a locked hold
/// (SKIP LOCKED, in <c>PostgreSqlFaultTests</c>) and SQLite has one writer at a time.
/// </summary>
[TestFixture]
public sealed class MySqlHoldTests : MySqlFixture
{
    private static readonly TimeSpan Ttl = TimeSpan.FromMinutes(10);

    [Test]
    public async Task The_sweep_marks_a_hold_expired_only_with_all_its_lines_even_when_a_buyer_is_giving_one_back()
    {
        await using var store = CreateStore();
        var (a, b) = await TwoItemsAsync(store);
        var hold = (await store.ReserveAsync(new ReserveRequest(Ttl, new StockLine(a, 2), new StockLine(b, 3)))).Hold!;
        Time.Advance(Ttl);

        // A buyer of b has locked b's row and is giving back b's expired lines, as a buyer short of b does.
        await using var buyer = await LockRowAsync(b);
        await Exec(buyer.Connection, $"SELECT quantity FROM `{Database}`.stock_hold_lines WHERE hold_id = @h AND sku = @s FOR UPDATE", ("h", hold.Id.ToString()), ("s", b.Sku));
        var sweep = store.SweepAsync();
        await WaitUntilWaitingOrDoneAsync(sweep, buyer);
        await buyer.ReleaseAsync();
        await sweep.WaitAsync(TimeSpan.FromSeconds(30));

        (await HoldStateAsync(hold.Id)).Should().Be(("expired", 0L), "a hold leaves active only with every line released");
        (await LevelAsync(store, b)).Should().BeEquivalentTo(new { OnHand = 5L, Reserved = 0L });
        (await Server.LedgerAsync(b)).Should().Be((5L, 0L));
        (await Server.LedgerAsync(a)).Should().Be((5L, 0L));
    }

    [Test]
    public async Task A_buyer_that_locked_an_item_gives_back_its_expired_lines_while_the_sweep_waits_for_that_item()
    {
        await using var store = CreateStore();
        var (a, b) = await TwoItemsAsync(store);
        var hold = (await store.ReserveAsync(new ReserveRequest(Ttl, new StockLine(a, 2), new StockLine(b, 3)))).Hold!;
        Time.Advance(Ttl);

        // The buyer locks b first (items before holds and lines), so the sweep waits for b ...
        await using var buyer = await LockRowAsync(b);
        var sweep = store.SweepAsync();
        await WaitUntilWaitingOrDoneAsync(sweep, buyer);

        // ... and the buyer, going on in the same order, reaches b's hold line without a deadlock.
        await FluentActions.Awaiting(() => Exec(buyer.Connection, $"UPDATE `{Database}`.stock_hold_lines SET released = released WHERE hold_id = @h AND sku = @s", ("h", hold.Id.ToString()), ("s", b.Sku)))
            .Should().NotThrowAsync("a transaction that holds the item may always go on to its hold lines");
        await buyer.ReleaseAsync();
        (await sweep.WaitAsync(TimeSpan.FromSeconds(30))).ExpiredHolds.Should().Be(1);
        (await HoldStateAsync(hold.Id)).Should().Be(("expired", 0L));
    }

    [Test]
    public async Task The_purge_keeps_a_finished_hold_whose_line_still_counts_until_a_buyer_gives_the_line_back()
    {
        await using var store = CreateStore();
        var key = await StockedAsync(store, 5);
        var hold = (await store.ReserveAsync(new ReserveRequest(Ttl, new StockLine(key, 2)))).Hold!;
        Time.Advance(Ttl);

        // A finished hold whose line still counts in reserved: the purge must not take the line, and its units, away.
        await using (var connection = await OpenAsync())
        {
            await Exec(connection, $"UPDATE `{Database}`.stock_holds SET state = 'expired', finished_at = @t WHERE id = @h", ("t", Time.GetUtcNow().UtcDateTime), ("h", hold.Id.ToString()));
        }

        Time.Advance(TimeSpan.FromHours(25));
        await store.SweepAsync();
        (await HoldStateAsync(hold.Id)).Should().Be(("expired", 1L), "a hold whose line still counts is never purged");

        (await store.DeductAsync(new DeductRequest(new StockLine(key, 5)))).Succeeded.Should().BeTrue("the buyer gives the expired line back");
        (await store.SweepAsync()).PurgedHolds.Should().BeGreaterThanOrEqualTo(1, "with its line given back, the hold may go");
        (await store.GetHoldAsync(hold.Id)).Should().BeNull();
        (await LevelAsync(store, key)).Should().BeEquivalentTo(new { OnHand = 0L, Reserved = 0L });
        (await Server.LedgerAsync(key)).Should().Be((0L, 0L));
    }

    private async Task<(StockKey A, StockKey B)> TwoItemsAsync(MySqlStockStore store)
    {
        var sku = NewSku();
        var a = await StockedAsync(store, 5, sku + "-a");
        var b = await StockedAsync(store, 5, sku + "-b");
        return (a, b);
    }

    private static async Task<StockLevel> LevelAsync(MySqlStockStore store, StockKey key) =>
        await store.GetLevelAsync(key) ?? throw new AssertionException($"{key} does not exist.");

    /// <summary>The stored state of a hold and how many of its lines still count in reserved.</summary>
    private async Task<(string State, long Unreleased)> HoldStateAsync(Guid id)
    {
        await using var connection = await OpenAsync();
        var state = (string)(await Exec(connection, $"SELECT state FROM `{Database}`.stock_holds WHERE id = @h", ("h", id.ToString())))!;
        var open = Convert.ToInt64(await Exec(connection, $"SELECT COUNT(*) FROM `{Database}`.stock_hold_lines WHERE hold_id = @h AND released = FALSE", ("h", id.ToString())), System.Globalization.CultureInfo.InvariantCulture);
        return (state, open);
    }

    /// <summary>Waits (bounded, by watching the server) until the sweep waits for a lock or has finished.</summary>
    private async Task WaitUntilWaitingOrDoneAsync(Task sweep, MySqlLockHolder except)
    {
        if (await MySqlServer.WaitForLockWaiterAsync(Database, except.Connection, until: sweep) is null)
        {
            sweep.IsCompleted.Should().BeTrue("the sweep either waits for the buyer's lock or has finished within 10 seconds");
        }
    }
}
