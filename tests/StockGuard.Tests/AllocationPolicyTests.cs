using FluentAssertions;
using NUnit.Framework;

namespace StockGuard.Tests;

/// <summary>The policies and the store's checks of a choice, on snapshots built by hand: no store needed.</summary>
public sealed class AllocationPolicyTests
{
    private static readonly DateTimeOffset Now = new(2026, 3, 1, 9, 0, 0, TimeSpan.Zero);

    private static AllocationSnapshot Snapshot(AllocateRequest request, params (string Sku, string Location, long OnHand)[] stock) =>
        new(request.Lines, request.Locations, stock.Select(s => new StockLevel(new StockKey(s.Sku, s.Location), s.OnHand, 0, 0, 0, 0, 1)), Now);

    [Test]
    public void Fewest_shipments_prefers_the_earliest_set_of_the_smallest_size()
    {
        var request = new AllocateRequest([new("x", 4)], ["a", "b", "c", "d"], AllocationPolicy.FewestShipments);

        // No single location has 4; the pairs that serve are {a, c}, {a, d}, {b, c} and {c, d}: {a, c} comes first in priority order.
        var decision = request.Decide(Snapshot(request, ("x", "a", 2), ("x", "b", 1), ("x", "c", 3), ("x", "d", 2)));

        decision.Parts.Should().Equal(new StockLine("x", 2, "a"), new StockLine("x", 2, "c"));
    }

    [Test]
    public void Fewest_shipments_over_sixteen_locations_refuses_quickly_when_the_stock_is_not_there()
    {
        var locations = Enumerable.Range(0, AllocateRequest.MaxLocations).Select(i => $"l{i:D2}").ToArray();
        var request = new AllocateRequest([new("x", 17)], locations, AllocationPolicy.FewestShipments);

        var decision = request.Decide(Snapshot(request, [.. locations.Select(l => ("x", l, 1L))]));

        decision.Succeeded.Should().BeFalse();
        decision.ShortLines.Should().Equal(new AllocationShortLine("x", 17, 16));
    }

    [Test]
    public void Fewest_shipments_over_sixteen_locations_finds_the_only_full_set()
    {
        var locations = Enumerable.Range(0, AllocateRequest.MaxLocations).Select(i => $"l{i:D2}").ToArray();
        var request = new AllocateRequest([new("x", 16)], locations, AllocationPolicy.FewestShipments);

        var decision = request.Decide(Snapshot(request, [.. locations.Select(l => ("x", l, 1L))]));

        decision.Parts.Should().HaveCount(16).And.OnlyContain(p => p.Quantity == 1);
    }

    [TestCase("elsewhere", "x", 2, "not a candidate")]
    [TestCase("a", "y", 2, "no line of y")]
    [TestCase("a", "x", 1, "1 units of x for a line of 2")]
    public void A_choice_that_does_not_fit_the_order_is_refused_with_a_typed_error(string location, string sku, int quantity, string problem)
    {
        var request = new AllocateRequest([new("x", 2)], ["a", "b"], new FixedPolicy(new StockLine(sku, quantity, location)));

        FluentActions.Invoking(() => request.Decide(Snapshot(request, ("x", "a", 5))))
            .Should().Throw<AllocationPolicyException>().WithMessage($"*{problem}*");
    }

    [Test]
    public void Parts_are_merged_and_put_in_line_then_priority_order()
    {
        var request = new AllocateRequest([new("x", 3), new("y", 1)], ["a", "b"], new FixedPolicy(
            new StockLine("y", 1, "a"), new StockLine("x", 1, "b"), new StockLine("x", 1, "a"), new StockLine("x", 1, "b")));

        var decision = request.Decide(Snapshot(request, ("x", "a", 5), ("x", "b", 5), ("y", "a", 5)));

        decision.Parts.Should().Equal(new StockLine("x", 1, "a"), new StockLine("x", 2, "b"), new StockLine("y", 1, "a"));
    }

    [Test]
    public void The_fingerprint_tells_policies_locations_holds_and_lines_apart()
    {
        var lines = new AllocationLine[] { new("x", 2), new("y", 1) };
        string Print(AllocateRequest r) => r.GetFingerprint();
        var basic = Print(new AllocateRequest(lines, ["a", "b"]));

        Print(new AllocateRequest([new("y", 1), new("x", 1), new("x", 1)], ["a", "b"])).Should().Be(basic, "merged lines in any order are the same order");
        Print(new AllocateRequest(lines, ["b", "a"])).Should().NotBe(basic);
        Print(new AllocateRequest(lines, ["a", "b"], AllocationPolicy.ShipComplete)).Should().NotBe(basic);
        Print(new AllocateRequest(lines, ["a", "b"]) { HoldFor = TimeSpan.FromMinutes(1) }).Should().NotBe(basic);
        Print(new AllocateRequest([new("x", 2), new("y", 2)], ["a", "b"])).Should().NotBe(basic);
    }

    private sealed class FixedPolicy(params StockLine[] parts) : AllocationPolicy("fixed")
    {
        public override IReadOnlyList<StockLine>? Choose(AllocationSnapshot snapshot) => parts;
    }
}
