using FluentAssertions;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;
using Npgsql;
using NUnit.Framework;
using StockGuard.Testing;

namespace StockGuard.PostgreSql.Tests;

/// <summary>The coalescing suite on PostgreSQL, and what only PostgreSQL shows: which transaction wrote each row.</summary>
[TestFixture]
public sealed class PostgreSqlCoalescingTests : PostgreSqlCoalescingSuite<CoalescingPostgreSqlTestProvider>;

/// <summary>The coalescing suite on PostgreSQL through PgBouncer in transaction pooling mode.</summary>
[TestFixture]
public sealed class PgBouncerCoalescingTests : PostgreSqlCoalescingSuite<CoalescingPgBouncerTestProvider>;

/// <summary>
/// The coalescing suite closed for a PostgreSQL provider, with what only PostgreSQL shows: the transaction id (xmin)
/// of each row, and the options' validation.
/// </summary>
/// <typeparam name="TProvider">Makes the stores under test.</typeparam>
public abstract class PostgreSqlCoalescingSuite<TProvider> : CoalescingTests<TProvider>
    where TProvider : PostgreSqlTestProvider, new()
{
    [Test]
    public async Task The_buyers_queued_behind_one_flight_are_applied_by_one_transaction_with_their_movements_in_arrival_order()
    {
        var store = CreateCoalescingStore();
        var key = await StockedAsync(store, 100);
        var (first, queued) = await QueueBehindLockAsync(store, key, [1, 2, 3, 4, 5], (i, line) => new DeductRequest(line) { Reference = $"order-{i}", IdempotencyKey = NewSku("order") });

        await first;
        await Task.WhenAll(queued);

        (await SaleColumnAsync(key, "count(DISTINCT xmin::text)")).Should().Equal(["2"], "the first buyer ran alone; the five queued behind it were applied in one transaction");
        (await SaleColumnAsync(key, "reference")).Should().Equal("order-first", "order-0", "order-1", "order-2", "order-3", "order-4");
    }

    [Test]
    public async Task With_a_max_wait_the_batch_waits_for_buyers_who_arrive_meanwhile_and_takes_them_along()
    {
        var clock = new TimerWatchingClock(Time);
        var options = Provider.Options();
        options.Coalescing.MaxWait = TimeSpan.FromMilliseconds(50);
        var store = DisposedAfterTest(new PostgreSqlStockStore(Provider.DataSource, options, clock));
        var key = await StockedAsync(store, 100);
        Task<StockChangeResult> first, early;
        await using (var blocker = await Server.LockItemAsync(key))
        {
            first = store.DeductAsync(new DeductRequest(new StockLine(key, 1)) { Reference = "order-first" });
            early = store.DeductAsync(new DeductRequest(new StockLine(key, 2)) { Reference = "order-early" });
            await Server.WaitForLockWaiterAsync(blocker);
            await blocker.ReleaseAsync();
        }

        await first;
        await clock.FirstTimer.WaitAsync(TimeSpan.FromSeconds(30));
        early.IsCompleted.Should().BeFalse("its batch waits for the max wait, which the fake clock has not reached");
        var late = store.DeductAsync(new DeductRequest(new StockLine(key, 3)) { Reference = "order-late" });
        Time.Advance(TimeSpan.FromMilliseconds(50));
        await Task.WhenAll(early, late);

        (await SaleColumnAsync(key, "count(DISTINCT xmin::text)")).Should().Equal(["2"], "the buyer who came during the wait joined the batch");
        (await SaleColumnAsync(key, "reference")).Should().Equal("order-first", "order-early", "order-late");
    }

    [Test]
    public async Task A_hot_item_cools_a_second_after_its_last_batch_and_its_lone_buyer_runs_alone_again()
    {
        // The store reads its timestamps from the fake clock here, so the hot window passes when the test says.
        var store = DisposedAfterTest(new PostgreSqlStockStore(Provider.DataSource, Provider.Options(), new TimerWatchingClock(Time)));
        var key = await StockedAsync(store, 100);
        using var batches = RecordBatchSizes();
        var (first, queued) = await QueueBehindLockAsync(store, key, [2, 3], (i, line) => new DeductRequest(line));
        await first;
        await Task.WhenAll(queued);
        Time.Advance(TimeSpan.FromMilliseconds(999));
        (await store.DeductAsync(new DeductRequest(new StockLine(key, 4)))).Levels[0].OnHand.Should().Be(90);
        batches.Sizes.Should().Equal([2, 1], "within the second after its batch the item is hot");

        Time.Advance(TimeSpan.FromSeconds(1));
        (await store.DeductAsync(new DeductRequest(new StockLine(key, 5)))).Levels[0].OnHand.Should().Be(85);

        batches.Sizes.Should().Equal([2, 1], "a second after its last batch of two or more the item is no longer hot: its buyer runs alone");
        (await SaleColumnAsync(key, "count(DISTINCT xmin::text)")).Should().Equal(["4"], "alone, the batch of two, the hot buyer's batch, alone");
    }

    [Test]
    public void Coalescing_limits_out_of_range_are_refused_with_the_setting_named()
    {
        var options = Provider.Options();
        options.Coalescing.MaxBatchSize = 0;
        options.Coalescing.MaxWait = TimeSpan.FromSeconds(2);

        FluentActions.Invoking(() => new PostgreSqlStockStore(Provider.DataSource, options))
            .Should().Throw<OptionsValidationException>()
            .WithMessage("*Coalescing.MaxBatchSize is 0*")
            .WithMessage("*Coalescing.MaxWait is 00:00:02*");
    }

    /// <summary>One column of the item's sale movements in ledger order, as text.</summary>
    private async Task<string[]> SaleColumnAsync(StockKey key, string column)
    {
        await using var connection = await PostgreSqlServer.OpenAsync();
        await using var command = new NpgsqlCommand(
            $"SELECT ({column})::text FROM \"{Provider.Schema}\".stock_movements WHERE sku = @s AND location = @l AND kind = 'sale'" + (column.StartsWith("count", StringComparison.Ordinal) ? "" : " ORDER BY id"),
            connection);
        command.Parameters.AddWithValue("s", key.Sku);
        command.Parameters.AddWithValue("l", key.Location);
        var values = new List<string>();
        await using var reader = await command.ExecuteReaderAsync();
        while (await reader.ReadAsync())
        {
            values.Add(reader.GetString(0));
        }

        return [.. values];
    }
}
