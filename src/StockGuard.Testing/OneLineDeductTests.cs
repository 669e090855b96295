using FluentAssertions;
using NUnit.Framework;

namespace StockGuard.Testing;

/// <summary>
/// The commonest sale, one line without an idempotency key under the atomic strategy, which a server store sends as
/// one command with its own commit: what it records, and when it hands over to the transactional path (an item with
/// units on hold, short or unknown). Its failures are in <see cref="OneLineDeductFaultTests{TProvider}"/>. A provider
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
}
