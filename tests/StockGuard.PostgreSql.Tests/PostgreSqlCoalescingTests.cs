using FluentAssertions;
using Npgsql;
using NUnit.Framework;

namespace StockGuard.PostgreSql.Tests;

/// <summary>
/// The coalescing strategy's batches. A row lock held from a second connection keeps the first buyer (who runs
/// alone) waiting, so the buyers after it queue; releasing the lock lets their batch run. Deducts are queued by the
/// time <see cref="IStockStore.DeductAsync"/> returns its task, so no test waits for them to arrive.
/// </summary>
[TestFixture]
public sealed class PostgreSqlCoalescingTests : PostgreSqlFixture
{
    [Test]
    public async Task Queued_buyers_are_granted_in_arrival_order_while_stock_lasts_in_one_transaction()
    {
        await using var store = CreateStore(ConcurrencyStrategy.Coalescing);
        var key = await StockedAsync(store, 10);
        var (first, queued) = await QueueBehindLockAsync(store, key, [2, 2, 2, 2, 2, 1], (i, line) => new DeductRequest(line) { Reference = $"order-{i}", IdempotencyKey = i % 2 == 0 ? NewSku("order") : null });

        (await first).Levels[0].OnHand.Should().Be(9);
        var results = await Task.WhenAll(queued);

        results.Select(r => r.Succeeded).Should().Equal(true, true, true, true, false, true);
        results.Select(r => r.Levels[0].OnHand).Should().Equal(7, 5, 3, 1, 1, 0);
        results[4].ShortLines.Should().ContainSingle().Which.Should().Be(new ShortLine(key, 2, 1), "the fifth asked for 2 when 1 was left");
        results.Where(r => r.Succeeded).Select(r => r.Levels[0].Version).Should().BeInAscendingOrder().And.OnlyHaveUniqueItems(
            "each sale bumps the version, so every granted buyer sees its own version");
        (await StoredAsync(key)).OnHand.Should().Be(0);
        (await LedgerAsync(key)).OnHand.Should().Be(0, "one sale movement per granted buyer");
        (await SaleTransactionsAsync(key)).Should().Be(2, "the first buyer ran alone; the six queued behind it were applied in one transaction");
        (await MovementReferencesAsync(key)).Should().Equal("order-first", "order-0", "order-1", "order-2", "order-3", "order-5");
    }

    [Test]
    public async Task The_same_idempotency_key_twice_in_one_batch_is_applied_once_and_replayed_to_the_second()
    {
        await using var store = CreateStore(ConcurrencyStrategy.Coalescing);
        var key = await StockedAsync(store, 10);
        var order = NewSku("order");
        var (first, queued) = await QueueBehindLockAsync(store, key, [3, 3, 4], (i, line) => new DeductRequest(line) { IdempotencyKey = order });

        await first;
        var outcomes = await Task.WhenAll(queued.Select(Outcome));

        outcomes[0].Result!.Succeeded.Should().BeTrue();
        outcomes[0].Result!.IsReplay.Should().BeFalse();
        outcomes[1].Result!.IsReplay.Should().BeTrue("the repeat of the key got the first result");
        outcomes[1].Result.Should().BeEquivalentTo(outcomes[0].Result, o => o.Excluding(r => r!.IsReplay));
        outcomes[2].Error.Should().BeOfType<IdempotencyConflictException>("the same key with another request is a conflict");
        (await StoredAsync(key)).OnHand.Should().Be(6, "1 sold alone, 3 once for the key");
        (await LedgerAsync(key)).OnHand.Should().Be(6);
    }

    [Test]
    public async Task A_key_stored_before_the_batch_is_replayed_not_applied_again()
    {
        await using var store = CreateStore(ConcurrencyStrategy.Coalescing);
        var key = await StockedAsync(store, 10);
        var order = NewSku("order");
        var earlier = await store.DeductAsync(new DeductRequest(new StockLine(key, 2)) { IdempotencyKey = order });
        var (first, queued) = await QueueBehindLockAsync(store, key, [2, 1], (i, line) => new DeductRequest(line) { IdempotencyKey = i == 0 ? order : null });

        await first;
        var results = await Task.WhenAll(queued);

        results[0].IsReplay.Should().BeTrue();
        results[0].Should().BeEquivalentTo(earlier, o => o.Excluding(r => r.IsReplay));
        results[1].Succeeded.Should().BeTrue();
        (await StoredAsync(key)).OnHand.Should().Be(6, "2 for the key once, 1 alone, 1 in the batch");
    }

    [Test]
    public async Task A_buyer_cancelled_while_queued_leaves_the_queue_and_the_others_are_served()
    {
        await using var store = CreateStore(ConcurrencyStrategy.Coalescing);
        var key = await StockedAsync(store, 10);
        using var cancel = new CancellationTokenSource();
        await using var blocker = await LockRowAsync(key);
        var first = store.DeductAsync(new DeductRequest(new StockLine(key, 1)));
        var before = store.DeductAsync(new DeductRequest(new StockLine(key, 2)));
        var cancelled = store.DeductAsync(new DeductRequest(new StockLine(key, 3)), cancel.Token);
        var after = store.DeductAsync(new DeductRequest(new StockLine(key, 4)));

        await cancel.CancelAsync();
        await FluentActions.Awaiting(() => cancelled).Should().ThrowAsync<OperationCanceledException>();
        await Exec(blocker, "ROLLBACK");

        (await first).Succeeded.Should().BeTrue();
        (await before).Levels[0].OnHand.Should().Be(7);
        (await after).Levels[0].OnHand.Should().Be(3);
        (await StoredAsync(key)).OnHand.Should().Be(3, "the cancelled buyer's 3 units were never taken");
    }

    [Test]
    public async Task A_buyer_cancelled_after_its_batch_started_gets_its_truthful_result_and_the_batch_is_unharmed()
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
            await Exec(rowBlocker, "ROLLBACK");
        }

        await first;
        await WaitForLockWaiterAsync(keyBlocker);
        await cancel.CancelAsync();
        await Exec(keyBlocker, "ROLLBACK");

        (await cancelled).Succeeded.Should().BeTrue("the batch had taken it; it completed and says so");
        (await other).Succeeded.Should().BeTrue();
        (await StoredAsync(key)).OnHand.Should().Be(4);
    }

    [Test]
    public async Task A_connection_killed_mid_batch_fails_every_buyer_in_it_and_moves_no_stock()
    {
        await using var store = CreateStore(ConcurrencyStrategy.Coalescing, configure: o => o.MaxTransientRetries = 0);
        var key = await StockedAsync(store, 10);
        var blockedKey = NewSku("order");
        var freeKey = NewSku("order");
        Task<StockChangeResult> first;
        Task<StockChangeResult>[] batch;
        await using var keyBlocker = await OpenAsync();
        await using (var rowBlocker = await LockRowAsync(key))
        {
            first = store.DeductAsync(new DeductRequest(new StockLine(key, 1)));
            batch =
            [
                store.DeductAsync(new DeductRequest(new StockLine(key, 2))),
                store.DeductAsync(new DeductRequest(new StockLine(key, 3)) { IdempotencyKey = freeKey }),
                store.DeductAsync(new DeductRequest(new StockLine(key, 1)) { IdempotencyKey = blockedKey }),
            ];
            await HoldKeyAsync(keyBlocker, blockedKey);
            await Exec(rowBlocker, "ROLLBACK");
        }

        (await first).Succeeded.Should().BeTrue();
        var pid = await WaitForLockWaiterAsync(keyBlocker);
        await using (var killer = await OpenAsync())
        {
            (await Exec(killer, $"SELECT pg_terminate_backend({pid})")).Should().Be(true);
        }

        foreach (var buyer in batch)
        {
            var error = (await FluentActions.Awaiting(() => buyer).Should().ThrowAsync<StockStoreException>()).Which;
            error.IsTransient.Should().BeTrue();
            error.OutcomeUnknown.Should().BeFalse("the connection died before the commit was sent");
        }

        await Exec(keyBlocker, "ROLLBACK");
        (await StoredAsync(key)).OnHand.Should().Be(9, "only the buyer who ran alone was served");
        (await LedgerAsync(key)).OnHand.Should().Be(9);
        (await store.DeductAsync(new DeductRequest(new StockLine(key, 3)) { IdempotencyKey = freeKey })).IsReplay.Should().BeFalse("the failed batch stored no key");
    }

    [Test]
    public async Task A_full_queue_turns_the_next_buyer_away_with_a_typed_busy_error()
    {
        await using var store = CreateStore(ConcurrencyStrategy.Coalescing, configure: o => o.Coalescing.MaxQueueLength = 2);
        var key = await StockedAsync(store, 10);
        await using var blocker = await LockRowAsync(key);
        var first = store.DeductAsync(new DeductRequest(new StockLine(key, 1)));
        var queued = new[] { store.DeductAsync(new DeductRequest(new StockLine(key, 1))), store.DeductAsync(new DeductRequest(new StockLine(key, 1))) };

        var busy = (await FluentActions.Awaiting(() => store.DeductAsync(new DeductRequest(new StockLine(key, 1)))).Should().ThrowAsync<StockStoreBusyException>()).Which;

        busy.Key.Should().Be(key);
        busy.QueueLength.Should().Be(2);
        busy.IsTransient.Should().BeTrue();
        await Exec(blocker, "ROLLBACK");
        await first;
        await Task.WhenAll(queued);
        (await StoredAsync(key)).OnHand.Should().Be(7, "the buyer turned away took nothing");
    }

    [Test]
    public async Task Multi_item_orders_and_holds_under_coalescing_stay_all_or_nothing()
    {
        await using var store = CreateStore(ConcurrencyStrategy.Coalescing);
        var a = await StockedAsync(store, 5);
        var b = await StockedAsync(store, 1);

        var refused = await store.DeductAsync(new DeductRequest(new StockLine(a, 1), new StockLine(b, 2)));
        var hold = await store.ReserveAsync(new ReserveRequest(TimeSpan.FromMinutes(5), new StockLine(a, 2), new StockLine(b, 1)));

        refused.Succeeded.Should().BeFalse();
        hold.Succeeded.Should().BeTrue();
        (await store.GetLevelAsync(a))!.Available.Should().Be(3);
        (await store.GetLevelAsync(b))!.Available.Should().Be(0);
    }

    [Test]
    public void Coalescing_limits_out_of_range_are_refused_with_the_setting_named()
    {
        var options = Provider.Options();
        options.Coalescing.MaxBatchSize = 0;
        options.Coalescing.MaxWait = TimeSpan.FromSeconds(2);

        FluentActions.Invoking(() => new PostgreSqlStockStore(Provider.DataSource, options))
            .Should().Throw<Microsoft.Extensions.Options.OptionsValidationException>()
            .WithMessage("*Coalescing.MaxBatchSize is 0*")
            .WithMessage("*Coalescing.MaxWait is 00:00:02*");
    }

    private async Task<(Task<StockChangeResult> First, Task<StockChangeResult>[] Queued)> QueueBehindLockAsync(
        IStockStore store, StockKey key, int[] quantities, Func<int, StockLine, DeductRequest> shape)
    {
        await using var blocker = await LockRowAsync(key);
        var first = store.DeductAsync(new DeductRequest(new StockLine(key, 1)) { Reference = "order-first" });
        var queued = quantities.Select((q, i) => store.DeductAsync(shape(i, new StockLine(key, q)))).ToArray();
        await WaitForLockWaiterAsync(blocker);
        await Exec(blocker, "ROLLBACK");
        return (first, queued);
    }

    private static async Task<(StockChangeResult? Result, Exception? Error)> Outcome(Task<StockChangeResult> task)
    {
        try
        {
            return (await task, null);
        }
        catch (StockGuardException ex)
        {
            return (null, ex);
        }
    }

    /// <summary>Inserts an idempotency key in an open transaction, so that a batch inserting the same key waits for it.</summary>
    private async Task HoldKeyAsync(NpgsqlConnection connection, string idempotencyKey)
    {
        await Exec(connection, "BEGIN");
        await using var command = new NpgsqlCommand(
            $"INSERT INTO \"{Schema}\".stock_idempotency_keys (idempotency_key, fingerprint, result, created_at) VALUES (@k, 'held by the test', NULL, now())",
            connection);
        command.Parameters.AddWithValue("k", idempotencyKey);
        await command.ExecuteNonQueryAsync();
    }

    /// <summary>How many transactions wrote the item's sale movements (their <c>xmin</c>).</summary>
    private async Task<long> SaleTransactionsAsync(StockKey key)
    {
        await using var connection = await OpenAsync();
        await using var command = new NpgsqlCommand(
            $"SELECT count(DISTINCT xmin::text) FROM \"{Schema}\".stock_movements WHERE sku = @s AND location = @l AND kind = 'sale'",
            connection);
        command.Parameters.AddWithValue("s", key.Sku);
        command.Parameters.AddWithValue("l", key.Location);
        return (long)(await command.ExecuteScalarAsync())!;
    }

    private async Task<string[]> MovementReferencesAsync(StockKey key)
    {
        await using var connection = await OpenAsync();
        await using var command = new NpgsqlCommand(
            $"SELECT reference FROM \"{Schema}\".stock_movements WHERE sku = @s AND location = @l AND kind = 'sale' ORDER BY id",
            connection);
        command.Parameters.AddWithValue("s", key.Sku);
        command.Parameters.AddWithValue("l", key.Location);
        var references = new List<string>();
        await using var reader = await command.ExecuteReaderAsync();
        while (await reader.ReadAsync())
        {
            references.Add(reader.GetString(0));
        }

        return [.. references];
    }
}
