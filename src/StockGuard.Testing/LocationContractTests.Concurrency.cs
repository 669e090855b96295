using FluentAssertions;
using NUnit.Framework;

namespace StockGuard.Testing;

public abstract partial class LocationContractTests<TProvider>
{
    [Test]
    public async Task Allocators_over_three_locations_in_opposite_priority_orders_never_deadlock_or_oversell()
    {
        const int Allocators = 64;
        const int UnitsPerItem = 20;
        string[] skus = [NewSku("x"), NewSku("y"), NewSku("z")];
        var loc = NewLocations();
        foreach (var sku in skus)
        {
            foreach (var location in loc)
            {
                await PutAsync(sku, location, UnitsPerItem);
            }
        }

        // Half prefer A, B, C and half C, B, A; every order wants 2 of x and 1 each of y and z: 128 units of x for 60.
        var results = await RaceAsync(Allocators, i => Allocator.AllocateAsync(new AllocateRequest(
            [new(skus[0], 2), new(skus[1], 1), new(skus[2], 1)],
            i % 2 == 0 ? loc : [.. loc.Reverse()],
            i % 4 < 2 ? AllocationPolicy.Priority : AllocationPolicy.ShipCompleteElsePriority)));

        var won = results.Where(r => r.Succeeded).ToList();
        won.Should().HaveCount(30, "x runs out after 60 units, two an order, and every order that came before could be served");
        results.Where(r => !r.Succeeded).Should().OnlyContain(r => r.ShortLines.Count == 1 && r.ShortLines[0].Sku == skus[0]);
        foreach (var r in won)
        {
            foreach (var (sku, quantity) in new[] { (skus[0], 2), (skus[1], 1), (skus[2], 1) })
            {
                r.PartsOf(sku).Sum(p => p.Quantity).Should().Be(quantity);
            }
        }

        foreach (var sku in skus)
        {
            foreach (var location in loc)
            {
                var taken = won.SelectMany(r => r.Parts).Where(p => p.Key == new StockKey(sku, location)).Sum(p => (long)p.Quantity);
                (await OnHandAsync(sku, location)).Should().Be(UnitsPerItem - taken, $"conservation at {sku}@{location}");
            }
        }

        (await OnHandAsync(skus[0], loc[0]) + await OnHandAsync(skus[0], loc[1]) + await OnHandAsync(skus[0], loc[2])).Should().Be(0);
        await ShouldReconcileAsync(skus.SelectMany(s => loc.Select(l => new StockKey(s, l))));
    }

    [Test]
    public async Task Transfers_racing_sales_at_both_ends_create_and_lose_no_unit()
    {
        const int Transfers = 20;
        const int SalesPerEnd = 30;
        var sku = NewSku();
        var loc = NewLocations();
        var (a, b) = (new StockKey(sku, loc[0]), new StockKey(sku, loc[1]));
        await PutAsync(sku, loc[0], 50);
        await PutAsync(sku, loc[1], 0);

        var outcomes = await RaceAsync(Transfers + (2 * SalesPerEnd), async i =>
        {
            if (i < Transfers)
            {
                var moved = await Allocator.TransferAsync(new TransferRequest(sku, i % 2 == 0 ? loc[0] : loc[1], i % 2 == 0 ? loc[1] : loc[0], 2));
                return (Kind: i % 2 == 0 ? "ab" : "ba", Ok: moved.Succeeded);
            }

            var at = i < Transfers + SalesPerEnd ? a : b;
            var sold = await Store.DeductAsync(new DeductRequest(new StockLine(at, 1)));
            return (Kind: at == a ? "sale-a" : "sale-b", Ok: sold.Succeeded);
        });

        long Count(string kind) => outcomes.Count(o => o.Kind == kind && o.Ok);
        var onHandA = await OnHandAsync(sku, loc[0]);
        var onHandB = await OnHandAsync(sku, loc[1]);
        onHandA.Should().Be(50 - (2 * Count("ab")) + (2 * Count("ba")) - Count("sale-a"));
        onHandB.Should().Be((2 * Count("ab")) - (2 * Count("ba")) - Count("sale-b"));
        onHandA.Should().BeGreaterThanOrEqualTo(0);
        onHandB.Should().BeGreaterThanOrEqualTo(0);
        (await Allocator.GetTotalAsync(sku)).OnHand.Should().Be(50 - Count("sale-a") - Count("sale-b"));
        await ShouldReconcileAsync([a, b]);
    }

    [Test]
    public async Task In_transit_transfers_racing_allocations_keep_every_unit_counted()
    {
        const int Transfers = 16;
        const int Allocations = 32;
        var sku = NewSku();
        var loc = NewLocations();
        await PutAsync(sku, loc[0], 40);
        await PutAsync(sku, loc[1], 10);

        var outcomes = await RaceAsync(Transfers + Allocations, async i =>
        {
            if (i < Transfers)
            {
                var sent = await Allocator.TransferAsync(new TransferRequest(sku, loc[0], loc[1], 2) { InTransit = true });
                if (sent.Succeeded && i % 2 == 0)
                {
                    (await Allocator.ReceiveTransferAsync(new ReceiveTransferRequest(sent.TransferId, sku, loc[1]))).Quantity.Should().Be(2);
                    return (Sold: 0L, Transit: 0L);
                }

                return (Sold: 0L, Transit: sent.Succeeded ? 2L : 0L);
            }

            var result = await Allocator.AllocateAsync(new AllocateRequest([new(sku, 1)], i % 2 == 0 ? [loc[0], loc[1]] : [loc[1], loc[0]]));
            return (Sold: result.Succeeded ? 1L : 0L, Transit: 0L);
        });

        var total = await Allocator.GetTotalAsync(sku);
        total.InTransit.Should().Be(outcomes.Sum(o => o.Transit));
        (total.OnHand + total.InTransit).Should().Be(50 - outcomes.Sum(o => o.Sold), "a transfer moves units, it never creates or loses one");
        total.Locations.Should().OnlyContain(l => l.OnHand >= 0);
    }
}
