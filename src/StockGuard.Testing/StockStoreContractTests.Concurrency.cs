using FluentAssertions;
using Microsoft.Extensions.Time.Testing;
using NUnit.Framework;

namespace StockGuard.Testing;

public abstract partial class StockStoreContractTests<TProvider>
{
    /// <summary>Buys one unit of <paramref name="key"/> after another until a deduct is refused; returns how many it bought.</summary>
    private async Task<int> BuyOneAtATimeUntilShortAsync(StockKey key)
    {
        var bought = 0;
        while ((await Store.DeductAsync(new DeductRequest(new StockLine(key, 1)))).Succeeded)
        {
            bought++;
        }

        return bought;
    }

    [Test]
    public async Task Many_buyers_of_one_item_sell_exactly_the_stock_and_never_more()
    {
        const int stock = 500;
        var key = await StockedAsync(stock);

        var sold = await RaceAsync(64, _ => BuyOneAtATimeUntilShortAsync(key));

        sold.Sum().Should().Be(stock, "every unit is sold once and no unit more");
        (await LevelAsync(key)).Should().BeEquivalentTo(new { OnHand = 0L, Reserved = 0L, Version = 1L + stock });
    }

    [Test]
    public async Task Owners_confirming_holds_while_buyers_who_see_them_expired_buy_the_same_units_never_oversell()
    {
        // The owners' clock says their holds are live; the buyers' clock, minutes ahead, says they expired. Confirms and
        // the buyers' release of the same hold lines race for the item, whichever commits first wins the units, and each
        // buyer asks for every unit at once: one confirm that lands first leaves a buyer short.
        const int rounds = 8, holds = 12, buyerCount = 4;
        var buyersClock = new FakeTimeProvider(Start + TimeSpan.FromMinutes(11));
        var buyers = DisposedAfterTest(Provider.CreateStore(buyersClock));
        for (var round = 0; round < rounds; round++)
        {
            var key = await StockedAsync(holds);
            if (await buyers.GetLevelAsync(key) is null)
            {
                Assert.Ignore($"{Provider.Name}: two stores of this provider share no stock (one process, one clock), so no host can see another's hold expired.");
            }

            var placed = new List<Guid>();
            for (var i = 0; i < holds; i++)
            {
                placed.Add((await Store.ReserveAsync(new ReserveRequest(TimeSpan.FromMinutes(10), new StockLine(key, 1)))).Hold!.Id);
            }

            var sold = await RaceAsync(holds + buyerCount, async i => i < holds
                ? (await Store.ConfirmAsync(placed[i])).Outcome == HoldOutcome.Confirmed ? 1 : 0
                : (await buyers.DeductAsync(new DeductRequest(new StockLine(key, holds)))).Succeeded ? holds : 0);

            var level = await LevelAsync(key);
            level.OnHand.Should().BeGreaterThanOrEqualTo(0, "round {0}: no unit is sold twice", round);
            (sold.Sum() + level.OnHand).Should().Be(holds, "round {0}: units sold + units left = units received", round);
        }
    }

    [Test]
    public async Task Buyers_of_mixed_quantities_conserve_stock_exactly()
    {
        const int stock = 300, buyers = 32;
        var key = await StockedAsync(stock);

        var sold = await RaceAsync(buyers, async buyer =>
        {
            var mine = 0;
            for (var attempt = 0; attempt < 40; attempt++)
            {
                var quantity = 1 + ((buyer + attempt) % 5);
                var result = await Store.DeductAsync(new DeductRequest(new StockLine(key, quantity)));
                if (result.Succeeded)
                {
                    mine += quantity;
                }
                else
                {
                    result.ShortLines.Single().Sellable.Should().BeLessThan(quantity).And.BeGreaterThanOrEqualTo(0);
                }
            }

            return mine;
        });

        var level = await LevelAsync(key);
        level.OnHand.Should().BeGreaterThanOrEqualTo(0);
        (sold.Sum() + level.OnHand).Should().Be(stock, "units sold + units left = units received");
        level.OnHand.Should().BeLessThan(5, "buyers asked for more than the stock, so at most a few units too few for any quantity remain");
    }

    [Test]
    public async Task Orders_over_the_same_items_in_opposite_orders_never_deadlock()
    {
        const int stock = 400, buyers = 32, ordersEach = 10;
        var a = await StockedAsync(stock);
        var b = await StockedAsync(stock);
        var c = await StockedAsync(stock);

        var succeeded = await RaceAsync(buyers, async buyer =>
        {
            var lines = (buyer % 3) switch
            {
                0 => new[] { new StockLine(a, 1), new StockLine(b, 1), new StockLine(c, 1) },
                1 => [new StockLine(c, 1), new StockLine(b, 1), new StockLine(a, 1)],
                _ => [new StockLine(b, 1), new StockLine(c, 1), new StockLine(a, 1)],
            };
            var mine = 0;
            for (var i = 0; i < ordersEach; i++)
            {
                if ((await Store.DeductAsync(new DeductRequest(lines))).Succeeded)
                {
                    mine++;
                }
            }

            return mine;
        });

        succeeded.Sum().Should().Be(buyers * ordersEach);
        foreach (var key in new[] { a, b, c })
        {
            (await LevelAsync(key)).OnHand.Should().Be(stock - (buyers * ordersEach));
        }
    }

    [Test]
    public async Task Holds_racing_confirms_releases_and_expiry_keep_reserved_equal_to_the_live_holds()
    {
        const int stock = 120, shoppers = 48;
        var key = await StockedAsync(stock);

        // Each shopper holds 1 or 2 units, then confirms, releases or abandons the hold.
        var outcomes = await RaceAsync(shoppers, async shopper =>
        {
            var quantity = 1 + (shopper % 2);
            var reserved = await Store.ReserveAsync(new ReserveRequest(TimeSpan.FromMinutes(10), new StockLine(key, quantity)));
            reserved.Succeeded.Should().BeTrue("there is stock for every shopper");
            return (shopper % 3) switch
            {
                0 => (Sold: (await Store.ConfirmAsync(reserved.Hold!.Id)).Outcome == HoldOutcome.Confirmed ? quantity : 0, Live: 0),
                1 => (Sold: 0, Live: (await Store.ReleaseAsync(reserved.Hold!.Id)).Outcome == HoldOutcome.Released ? 0 : quantity),
                _ => (Sold: 0, Live: quantity),
            };
        });

        var sold = outcomes.Sum(o => o.Sold);
        var live = outcomes.Sum(o => o.Live);
        (await LevelAsync(key)).Should().BeEquivalentTo(new { OnHand = (long)(stock - sold), Reserved = (long)live });

        // The abandoned holds expire while buyers and the sweep race for their units.
        Time.Advance(TimeSpan.FromMinutes(10));
        var buyers = RaceAsync(16, async _ => (await Store.DeductAsync(new DeductRequest(new StockLine(key, 1)))).Succeeded ? 1 : 0);
        var sweep = Store.SweepAsync();
        var bought = (await buyers).Sum();
        await sweep;

        (await LevelAsync(key)).Should().BeEquivalentTo(new { OnHand = (long)(stock - sold - bought), Reserved = 0L });
        bought.Should().Be(16, "expired holds never block a buyer");
    }

    [Test]
    public async Task Holds_never_oversell_under_contention()
    {
        const int stock = 50, shoppers = 64;
        var key = await StockedAsync(stock);

        var held = await RaceAsync(shoppers, async _ =>
            (await Store.ReserveAsync(new ReserveRequest(TimeSpan.FromMinutes(5), new StockLine(key, 1)))).Succeeded ? 1 : 0);

        held.Sum().Should().Be(stock);
        (await LevelAsync(key)).Should().BeEquivalentTo(new { OnHand = (long)stock, Reserved = (long)stock, Available = 0L });
    }

    [Test]
    public async Task Parallel_retries_of_many_keys_apply_each_key_exactly_once()
    {
        const int keys = 8, retriesEach = 8;
        var key = await StockedAsync(1000);
        var idempotencyKeys = Enumerable.Range(0, keys).Select(_ => NewKey()).ToArray();

        var results = await RaceAsync(keys * retriesEach, i =>
            Store.DeductAsync(new DeductRequest(new StockLine(key, 3)) { IdempotencyKey = idempotencyKeys[i % keys] }));

        results.Should().OnlyContain(r => r.Succeeded);
        results.Count(r => !r.IsReplay).Should().Be(keys, "each key is applied once");
        (await LevelAsync(key)).OnHand.Should().Be(1000 - (keys * 3));
    }

    [Test]
    public async Task Restocking_while_selling_conserves_every_unit()
    {
        const int initial = 100, deliveries = 20, deliverySize = 10, buyers = 24;
        var key = await StockedAsync(initial);

        var delivering = RaceAsync(deliveries, async _ =>
        {
            await Store.ReceiveAsync(new ReceiveRequest(new StockLine(key, deliverySize)));
            return deliverySize;
        });
        var selling = RaceAsync(buyers, async _ =>
        {
            var mine = 0;
            for (var i = 0; i < 20; i++)
            {
                if ((await Store.DeductAsync(new DeductRequest(new StockLine(key, 1)))).Succeeded)
                {
                    mine++;
                }
            }

            return mine;
        });
        var received = (await delivering).Sum();
        var sold = (await selling).Sum();

        var level = await LevelAsync(key);
        level.OnHand.Should().BeGreaterThanOrEqualTo(0);
        (sold + level.OnHand).Should().Be(initial + received);
    }
}
