using FluentAssertions;
using MySqlConnector;
using NUnit.Framework;

namespace StockGuard.MySql.Tests;

/// <summary>
/// The coalescing strategy's batches on MariaDB. A row lock held from a second connection keeps the first buyer (who
/// runs alone) waiting, so the buyers after it queue; an idempotency key inserted by an open transaction holds their
/// batch where the test wants it. Deducts are queued by the time <see cref="IStockStore.DeductAsync"/> returns.
/// </summary>
[TestFixture]
public sealed class MySqlCoalescingTests : MySqlFixture
{
    [Test]
    public async Task Queued_buyers_are_granted_in_arrival_order_while_stock_lasts()
    {
        await using var store = CreateStore(ConcurrencyStrategy.Coalescing);
        var key = await StockedAsync(store, 10);
        Task<StockChangeResult> first;
        Task<StockChangeResult>[] queued;
        await using (var blocker = await LockRowAsync(key))
        {
            first = store.DeductAsync(new DeductRequest(new StockLine(key, 1)));
            queued = [.. new[] { 2, 2, 2, 2, 2, 1 }.Select(q => store.DeductAsync(new DeductRequest(new StockLine(key, q)) { IdempotencyKey = NewSku("order") }))];
            await WaitForLockWaiterAsync(blocker);
            await Exec(blocker, "ROLLBACK");
        }

        (await first).Levels[0].OnHand.Should().Be(9);
        var results = await Task.WhenAll(queued);

        results.Select(r => r.Succeeded).Should().Equal(true, true, true, true, false, true);
        results.Select(r => r.Levels[0].OnHand).Should().Equal(7, 5, 3, 1, 1, 0);
        (await store.GetLevelAsync(key))!.OnHand.Should().Be(0);
        (await LedgerAsync(key)).OnHand.Should().Be(0, "one sale movement per granted buyer");
    }

    [Test]
    public async Task The_same_idempotency_key_twice_in_one_batch_is_applied_once()
    {
        await using var store = CreateStore(ConcurrencyStrategy.Coalescing);
        var key = await StockedAsync(store, 10);
        var order = NewSku("order");
        Task<StockChangeResult> first;
        Task<StockChangeResult>[] queued;
        await using (var blocker = await LockRowAsync(key))
        {
            first = store.DeductAsync(new DeductRequest(new StockLine(key, 1)));
            queued = [.. new[] { 3, 3, 1 }.Select(q => store.DeductAsync(new DeductRequest(new StockLine(key, q)) { IdempotencyKey = q == 3 ? order : null }))];
            await WaitForLockWaiterAsync(blocker);
            await Exec(blocker, "ROLLBACK");
        }

        await first;
        var results = await Task.WhenAll(queued);

        results[0].IsReplay.Should().BeFalse();
        results[1].IsReplay.Should().BeTrue();
        results[1].Should().BeEquivalentTo(results[0], o => o.Excluding(r => r.IsReplay));
        (await store.GetLevelAsync(key))!.OnHand.Should().Be(5, "1 alone, 3 once for the key, 1 in the batch");
        (await LedgerAsync(key)).OnHand.Should().Be(5);
    }

    [Test]
    public async Task A_connection_killed_mid_batch_fails_every_buyer_in_it_and_moves_no_stock()
    {
        await using var store = CreateStore(ConcurrencyStrategy.Coalescing, configure: o => o.MaxTransientRetries = 0);
        var key = await StockedAsync(store, 10);
        var blockedKey = NewSku("order");
        Task<StockChangeResult> first;
        Task<StockChangeResult>[] batch;
        await using var keyBlocker = await OpenAsync();
        await using (var rowBlocker = await LockRowAsync(key))
        {
            first = store.DeductAsync(new DeductRequest(new StockLine(key, 1)));
            batch =
            [
                store.DeductAsync(new DeductRequest(new StockLine(key, 2))),
                store.DeductAsync(new DeductRequest(new StockLine(key, 1)) { IdempotencyKey = blockedKey }),
            ];
            await HoldKeyAsync(keyBlocker, blockedKey);
            await WaitForLockWaiterAsync(rowBlocker);
            await Exec(rowBlocker, "ROLLBACK");
        }

        (await first).Succeeded.Should().BeTrue();
        var waiter = await WaitForLockWaiterAsync(keyBlocker);
        await using (var killer = await OpenAsync())
        {
            await Exec(killer, $"KILL {waiter}");
        }

        foreach (var buyer in batch)
        {
            var error = (await FluentActions.Awaiting(() => buyer).Should().ThrowAsync<StockStoreException>()).Which;
            error.IsTransient.Should().BeTrue();
            error.OutcomeUnknown.Should().BeFalse("the connection died before the commit was sent");
        }

        await Exec(keyBlocker, "ROLLBACK");
        (await store.GetLevelAsync(key))!.OnHand.Should().Be(9, "only the buyer who ran alone was served");
        (await LedgerAsync(key)).OnHand.Should().Be(9);
    }

    [Test]
    public async Task A_buyer_cancelled_after_its_batch_started_gets_its_truthful_result()
    {
        await using var store = CreateStore(ConcurrencyStrategy.Coalescing);
        var key = await StockedAsync(store, 10);
        using var cancel = new CancellationTokenSource();
        var blockedKey = NewSku("order");
        Task<StockChangeResult> first, other, cancelled;
        await using var keyBlocker = await OpenAsync();
        await using (var rowBlocker = await LockRowAsync(key))
        {
            first = store.DeductAsync(new DeductRequest(new StockLine(key, 1)));
            other = store.DeductAsync(new DeductRequest(new StockLine(key, 2)));
            cancelled = store.DeductAsync(new DeductRequest(new StockLine(key, 3)) { IdempotencyKey = blockedKey }, cancel.Token);
            await HoldKeyAsync(keyBlocker, blockedKey);
            await WaitForLockWaiterAsync(rowBlocker);
            await Exec(rowBlocker, "ROLLBACK");
        }

        await first;
        await WaitForLockWaiterAsync(keyBlocker);
        await cancel.CancelAsync();
        await Exec(keyBlocker, "ROLLBACK");

        (await cancelled).Succeeded.Should().BeTrue("the batch had taken it; it completed and says so");
        (await other).Succeeded.Should().BeTrue();
        (await store.GetLevelAsync(key))!.OnHand.Should().Be(4);
    }

    /// <summary>Inserts an idempotency key in an open transaction, so that a batch inserting the same key waits for it.</summary>
    private async Task HoldKeyAsync(MySqlConnection connection, string idempotencyKey)
    {
        await Exec(connection, "START TRANSACTION");
        await Exec(
            connection,
            $"INSERT INTO `{Database}`.stock_idempotency_keys (idempotency_key, fingerprint, result, created_at) VALUES (@k, 'held by the test', NULL, UTC_TIMESTAMP(6))",
            ("k", idempotencyKey));
    }
}
