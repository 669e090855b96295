using FluentAssertions;
using NUnit.Framework;

namespace StockGuard.Testing;

/// <summary>
/// The commonest sale, one line under the atomic strategy, which a server store sends as one command with its own
/// commit (with an idempotency key, the key's claim and its stored result in the same command): what it records, and
/// when it hands over to the transactional path (an item with units on hold, short or unknown, a key already taken). Its failures are in <see cref="OneLineDeductFaultTests{TProvider}"/>. A provider
/// closes this class in one line with a provider whose strategy is atomic.
/// </summary>
/// <typeparam name="TProvider">Makes the stores under test.</typeparam>
public abstract class OneLineDeductTests<TProvider> : SqlProviderFixture<TProvider>
    where TProvider : ISqlStoreTestProvider, new()
{
    [Test]
    public async Task A_one_line_sale_writes_its_movement_and_returns_the_new_level()
    {
        var store = CreateStore();
        var key = await StockedAsync(store, 10);

        var result = await store.DeductAsync(new DeductRequest(new StockLine(key, 3)) { Reference = "order-7" });

        result.Succeeded.Should().BeTrue();
        result.Levels.Should().ContainSingle().Which.Should().BeEquivalentTo(new { Key = key, OnHand = 7L, Reserved = 0L, Version = 2L });
        (await store.GetLevelAsync(key)).Should().BeEquivalentTo(new { OnHand = 7L, Reserved = 0L, Version = 2L });
        (await Server.LedgerAsync(key)).Should().Be((7L, 0L));
        (await Server.SalesAsync(key)).Should().Equal((-3L, 0L, "order-7"));
    }

    [Test]
    public async Task The_level_it_returns_leaves_out_expired_holds_not_yet_given_back()
    {
        var store = CreateStore();
        var key = await StockedAsync(store, 10);
        (await store.ReserveAsync(new ReserveRequest(TimeSpan.FromMinutes(1), new StockLine(key, 3)))).Succeeded.Should().BeTrue();
        Time.Advance(TimeSpan.FromMinutes(2));

        // The item has units on hold, so the transactional path sells; the stored counts still cover the sale
        // (7 sellable), so it sells without releasing the hold.
        var result = await store.DeductAsync(new DeductRequest(new StockLine(key, 1)));

        result.Succeeded.Should().BeTrue();
        result.Levels[0].Should().BeEquivalentTo(new { OnHand = 9L, Reserved = 0L, Available = 9L });
        (await Server.LedgerAsync(key)).Should().Be((9L, 3L), "the expired hold is still stored until a sweep or a buyer needs its units");
    }

    [Test]
    public async Task An_item_with_units_on_hold_sells_with_its_hold_still_counted()
    {
        var store = CreateStore();
        var key = await StockedAsync(store, 10);
        (await store.ReserveAsync(new ReserveRequest(TimeSpan.FromMinutes(10), new StockLine(key, 3)))).Succeeded.Should().BeTrue();

        var sold = await store.DeductAsync(new DeductRequest(new StockLine(key, 7)) { Reference = "order-8" });
        var refused = await store.DeductAsync(new DeductRequest(new StockLine(key, 1)));

        sold.Succeeded.Should().BeTrue();
        sold.Levels[0].Should().BeEquivalentTo(new { OnHand = 3L, Reserved = 3L, Available = 0L, Version = 3L });
        refused.ShortLines.Should().ContainSingle().Which.Should().Be(new ShortLine(key, 1, 0));
        (await Server.LedgerAsync(key)).Should().Be((3L, 3L));
        (await Server.SalesAsync(key)).Should().Equal((-7L, 0L, "order-8"));
    }

    [Test]
    public async Task An_item_whose_expired_holds_must_be_given_back_first_still_sells()
    {
        var store = CreateStore();
        var key = await StockedAsync(store, 5);
        var hold = (await store.ReserveAsync(new ReserveRequest(TimeSpan.FromMinutes(1), new StockLine(key, 5)))).Hold!;
        Time.Advance(TimeSpan.FromMinutes(2));

        var result = await store.DeductAsync(new DeductRequest(new StockLine(key, 4)));

        result.Succeeded.Should().BeTrue("the transactional path gives the expired hold back and sells");
        result.Levels[0].Should().BeEquivalentTo(new { OnHand = 1L, Reserved = 0L });
        (await Server.LedgerAsync(key)).Should().Be((1L, 0L));
        (await store.GetHoldAsync(hold.Id))!.State.Should().Be(HoldState.Expired);
    }

    [Test]
    public async Task A_short_deduct_is_refused_with_what_was_available_and_writes_nothing()
    {
        var store = CreateStore();
        var key = await StockedAsync(store, 2);

        var result = await store.DeductAsync(new DeductRequest(new StockLine(key, 3)));

        result.Succeeded.Should().BeFalse();
        result.ShortLines.Should().ContainSingle().Which.Should().Be(new ShortLine(key, 3, 2));
        (await store.GetLevelAsync(key)).Should().BeEquivalentTo(new { OnHand = 2L, Version = 1L });
        (await Server.LedgerAsync(key)).Should().Be((2L, 0L));
        (await Server.SalesAsync(key)).Should().BeEmpty();
    }

    [Test]
    public async Task An_unknown_item_is_a_typed_error()
    {
        var store = CreateStore();

        await FluentActions.Awaiting(() => store.DeductAsync(new DeductRequest(new StockLine(new StockKey(NewSku()), 1))))
            .Should().ThrowAsync<StockItemNotFoundException>();
    }

    [Test]
    public async Task A_keyed_sale_writes_its_movement_once_and_a_retry_from_another_store_replays_its_result()
    {
        var store = CreateStore();
        var other = CreateStore(new() { OwnPool = true });
        var key = await StockedAsync(store, 10);
        var idempotencyKey = NewIdempotencyKey();
        DeductRequest Request() => new(new StockLine(key, 3)) { IdempotencyKey = idempotencyKey, Reference = "order-9" };

        var first = await store.DeductAsync(Request());
        var retry = await other.DeductAsync(Request());
        var again = await store.DeductAsync(Request());

        first.Should().BeEquivalentTo(new { Succeeded = true, IsReplay = false });
        first.Levels.Should().ContainSingle().Which.Should().Be(new StockLevel(key, 7, 0, 0, 0, 0, 2));
        retry.Should().BeEquivalentTo(new { Succeeded = true, IsReplay = true });
        retry.Levels.Should().Equal(first.Levels);
        retry.ShortLines.Should().BeEmpty();
        again.Levels.Should().Equal(first.Levels);
        (await Server.StoredAsync(key)).Should().Be((7L, 0L, 2L));
        (await Server.LedgerAsync(key)).Should().Be((7L, 0L));
        (await Server.SalesAsync(key)).Should().Equal((-3L, 0L, "order-9"));
    }

    [Test]
    public async Task A_keyed_sale_of_an_item_with_its_own_policy_stores_the_level_it_left()
    {
        var store = CreateStore();
        var key = await StockedAsync(store, 10);
        await store.SetPolicyAsync(key, new StockPolicy(SafetyStock: 2, BackorderLimit: 4, LowStockThreshold: 3));
        var idempotencyKey = NewIdempotencyKey();

        var first = await store.DeductAsync(new DeductRequest(new StockLine(key, 11)) { IdempotencyKey = idempotencyKey });
        var retry = await store.DeductAsync(new DeductRequest(new StockLine(key, 11)) { IdempotencyKey = idempotencyKey });

        first.Levels.Should().ContainSingle().Which.Should().Be(new StockLevel(key, -1, 0, 2, 4, 3, 3));
        retry.IsReplay.Should().BeTrue();
        retry.Levels.Should().Equal(first.Levels);
        (await Server.LedgerAsync(key)).Should().Be((-1L, 0L));
    }

    [Test]
    public async Task A_keyed_sale_below_zero_records_its_backorder_and_a_retry_replays_it()
    {
        var store = CreateStore();
        var key = await StockedAsync(store, 2);
        await store.SetPolicyAsync(key, new StockPolicy(BackorderLimit: 5));
        var idempotencyKey = NewIdempotencyKey();
        var order = "order-" + idempotencyKey;
        DeductRequest Request() => new(new StockLine(key, 5)) { IdempotencyKey = idempotencyKey, Reference = order };

        var sold = await store.DeductAsync(Request());
        var retry = await store.DeductAsync(Request());

        sold.Should().BeEquivalentTo(new { Succeeded = true, IsReplay = false });
        sold.Levels.Should().ContainSingle().Which.Should().Be(new StockLevel(key, -3, 0, 0, 5, 0, 3));
        sold.Backordered.Should().Equal(new BackorderedLine(key, 3, BackorderKind.Backorder));
        retry.IsReplay.Should().BeTrue();
        retry.Levels.Should().Equal(sold.Levels);
        retry.Backordered.Should().Equal(sold.Backordered);
        (await ((IStockBackorders)store).GetBackordersAsync(order)).Backorders.Should().ContainSingle()
            .Which.Should().BeEquivalentTo(new { Key = key, Kind = BackorderKind.Backorder, Quantity = 3, Filled = 0, State = BackorderState.Waiting });
        (await Server.LedgerAsync(key)).Should().Be((-3L, 0L));
        (await Server.SalesAsync(key)).Should().Equal((-5L, 0L, order));
    }

    [Test]
    public async Task The_same_key_with_another_request_is_a_typed_error_and_changes_nothing()
    {
        var store = CreateStore();
        var key = await StockedAsync(store, 10);
        var idempotencyKey = NewIdempotencyKey();
        await store.DeductAsync(new DeductRequest(new StockLine(key, 3)) { IdempotencyKey = idempotencyKey });

        (await FluentActions.Awaiting(() => store.DeductAsync(new DeductRequest(new StockLine(key, 2)) { IdempotencyKey = idempotencyKey }))
            .Should().ThrowAsync<IdempotencyConflictException>()).Which.IdempotencyKey.Should().Be(idempotencyKey);
        (await Server.StoredAsync(key)).Should().Be((7L, 0L, 2L));
        (await Server.SalesAsync(key)).Should().Equal((-3L, 0L, (string?)null));
    }

    [Test]
    public async Task A_key_taken_by_a_sale_of_another_item_is_a_typed_error_and_changes_neither_item()
    {
        var store = CreateStore();
        var sold = await StockedAsync(store, 10);
        var other = await StockedAsync(store, 10);
        var idempotencyKey = NewIdempotencyKey();
        await store.DeductAsync(new DeductRequest(new StockLine(sold, 3)) { IdempotencyKey = idempotencyKey, Reference = "order-11" });

        // The other item can serve the sale: whatever the command changed before it met the key is undone with it.
        (await FluentActions.Awaiting(() => store.DeductAsync(new DeductRequest(new StockLine(other, 3)) { IdempotencyKey = idempotencyKey, Reference = "order-11" }))
            .Should().ThrowAsync<IdempotencyConflictException>()).Which.IdempotencyKey.Should().Be(idempotencyKey);
        (await Server.StoredAsync(sold)).Should().Be((7L, 0L, 2L));
        (await Server.StoredAsync(other)).Should().Be((10L, 0L, 1L));
        (await Server.LedgerAsync(other)).Should().Be((10L, 0L));
        (await Server.SalesAsync(other)).Should().BeEmpty();
    }

    [Test]
    public async Task A_short_keyed_sale_stores_its_refusal_and_a_retry_after_a_receipt_replays_it()
    {
        var store = CreateStore();
        var key = await StockedAsync(store, 2);
        var idempotencyKey = NewIdempotencyKey();

        var refused = await store.DeductAsync(new DeductRequest(new StockLine(key, 3)) { IdempotencyKey = idempotencyKey });
        await store.ReceiveAsync(new ReceiveRequest(new StockLine(key, 5)));
        var retry = await store.DeductAsync(new DeductRequest(new StockLine(key, 3)) { IdempotencyKey = idempotencyKey });

        refused.Should().BeEquivalentTo(new { Succeeded = false, IsReplay = false });
        retry.Should().BeEquivalentTo(new { Succeeded = false, IsReplay = true });
        retry.ShortLines.Should().Equal(new ShortLine(key, 3, 2));
        (await Server.StoredAsync(key)).Should().Be((7L, 0L, 2L));
        (await Server.SalesAsync(key)).Should().BeEmpty();
    }

    [Test]
    public async Task A_keyed_sale_waits_for_another_transaction_holding_its_key_and_sells_once_when_that_one_rolls_back()
    {
        var store = CreateStore();
        var key = await StockedAsync(store, 10);
        var idempotencyKey = NewIdempotencyKey();
        await using var holder = await Server.HoldIdempotencyKeyAsync(idempotencyKey);

        var deduct = store.DeductAsync(new DeductRequest(new StockLine(key, 4)) { IdempotencyKey = idempotencyKey, Reference = "order-10" });
        await Server.WaitForLockWaiterAsync(holder);
        await holder.ReleaseAsync();
        var result = await deduct;
        var retry = await store.DeductAsync(new DeductRequest(new StockLine(key, 4)) { IdempotencyKey = idempotencyKey, Reference = "order-10" });

        result.Should().BeEquivalentTo(new { Succeeded = true, IsReplay = false });
        result.Levels.Should().ContainSingle().Which.Should().Be(new StockLevel(key, 6, 0, 0, 0, 0, 2));
        retry.IsReplay.Should().BeTrue();
        retry.Levels.Should().Equal(result.Levels);
        (await Server.LedgerAsync(key)).Should().Be((6L, 0L));
        (await Server.SalesAsync(key)).Should().Equal((-4L, 0L, "order-10"));
    }

    [Test]
    public async Task Keyed_sales_of_one_item_from_two_stores_in_parallel_each_apply_once()
    {
        var stores = new[] { CreateStore(), CreateStore(new() { OwnPool = true }) };
        var key = await StockedAsync(stores[0], 1000);
        var keys = Enumerable.Range(0, 8).Select(_ => NewIdempotencyKey()).ToArray();

        // Every key is sent four times, twice through each store, all at once.
        var sends = Enumerable.Range(0, 32).Select(i => Task.Run(() =>
            stores[i % 2].DeductAsync(new DeductRequest(new StockLine(key, 1 + (i / 4))) { IdempotencyKey = keys[i / 4] }))).ToArray();
        var results = await Task.WhenAll(sends);

        for (var k = 0; k < keys.Length; k++)
        {
            var ofKey = results.Skip(k * 4).Take(4).ToArray();
            ofKey.Should().OnlyContain(r => r.Succeeded);
            ofKey.Count(r => !r.IsReplay).Should().Be(1, "key {0} applies once", k);
            ofKey.Should().AllSatisfy(r => r.Levels.Should().Equal(ofKey.Single(f => !f.IsReplay).Levels));
        }

        var sold = Enumerable.Range(1, 8).Sum();
        (await Server.StoredAsync(key)).Should().Be((1000L - sold, 0L, 9L));
        (await Server.LedgerAsync(key)).Should().Be((1000L - sold, 0L));
        (await Server.SalesAsync(key)).Select(s => s.OnHand).Should().BeEquivalentTo(Enumerable.Range(1, 8).Select(q => -(long)q));
    }

    [TestCase(false)]
    [TestCase(true)]
    public async Task A_one_line_sale_from_stock_tells_the_buyer_the_item_s_pre_order_settings_and_a_retry_replays_them(bool keyed)
    {
        var store = CreateStore();
        var key = new StockKey(NewSku("pre"));
        var expected = new DateTimeOffset(2030, 1, 2, 3, 4, 5, TimeSpan.Zero).AddTicks(1_234_560);
        await store.SetPolicyAsync(key, new StockPolicy { PreOrderLimit = 5, ExpectedRestock = expected });
        (await store.AdjustAsync(new AdjustRequest(key, 6, "counted"))).Succeeded.Should().BeTrue();
        var request = new DeductRequest(new StockLine(key, 6)) { IdempotencyKey = keyed ? NewIdempotencyKey() : null };

        var sold = await store.DeductAsync(request);

        sold.Succeeded.Should().BeTrue();
        sold.Backordered.Should().BeEmpty("the sale came from stock: the one command sold it");
        var read = (await store.GetLevelAsync(key))!;
        var told = sold.Levels.Single();
        (told.PreOrderLimit, told.ExpectedRestock, told.IsPreOrder, told.Status).Should().Be((5L, (DateTimeOffset?)expected, true, StockStatus.PreOrder));
        told.Should().BeEquivalentTo(read, "the buyer is told the level a read gives");
        if (keyed)
        {
            var replay = await CreateStore(new() { OwnPool = true }).DeductAsync(request);
            replay.IsReplay.Should().BeTrue();
            replay.Levels.Single().Should().BeEquivalentTo(told, "a retry is told what the sale told");
        }
    }

    [Test]
    public async Task A_one_line_sale_of_a_received_item_tells_the_buyer_it_is_released()
    {
        var store = CreateStore();
        var key = new StockKey(NewSku("pre"));
        await store.SetPolicyAsync(key, new StockPolicy { PreOrderLimit = 5 });
        (await store.ReceiveAsync(new ReceiveRequest(new StockLine(key, 10)))).Succeeded.Should().BeTrue();
        var request = new DeductRequest(new StockLine(key, 2)) { IdempotencyKey = NewIdempotencyKey() };

        var told = (await store.DeductAsync(request)).Levels.Single();

        (told.IsReleased, told.IsPreOrder, told.PreOrderLimit, told.OnHand).Should().Be((true, false, 5L, 8L));
        told.Should().BeEquivalentTo((await store.GetLevelAsync(key))!);
        (await store.DeductAsync(request)).Levels.Single().Should().BeEquivalentTo(told, "a retry replays the release flag too");
    }

    private static string NewIdempotencyKey() => "idem-" + Guid.NewGuid().ToString("N");
}
