namespace StockGuard;

/// <summary>
/// Chooses the locations an order's units come from. The built-in policies are <see cref="Priority"/>,
/// <see cref="ShipComplete"/>, <see cref="ShipCompleteElsePriority"/> and <see cref="FewestShipments"/>.
/// </summary>
/// <remarks>
/// A custom policy derives from this class and implements <see cref="Choose"/>. It is called with the candidate items
/// locked, inside the transaction that applies its choice, so it decides from current data and nothing it reads can
/// change before the write; it must be quick, must not call the store, and must give the same answer for the same
/// snapshot (a retried transaction calls it again). The store checks its choice: every part at a candidate location,
/// each SKU's parts adding up to its line, no item given more than its <see cref="AllocationSnapshot.Sellable"/>;
/// otherwise <see cref="AllocationPolicyException"/> is thrown and nothing is changed. <see cref="Name"/> is part of an
/// idempotent request's fingerprint.
/// </remarks>
public abstract class AllocationPolicy
{
    /// <summary>Creates a policy called <paramref name="name"/>.</summary>
    /// <param name="name">A stable name, e.g. <c>"nearest-first"</c>: it identifies the policy in idempotency fingerprints.</param>
    /// <exception cref="ArgumentException">The name is empty or white space.</exception>
    protected AllocationPolicy(string name)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        Name = name;
    }

    /// <summary>
    /// Take each line from the first location that has units, then the next, in priority order: the fewest units from
    /// lower-priority locations, splitting a line when one location cannot serve it.
    /// </summary>
    public static AllocationPolicy Priority { get; } = new PriorityPolicy();

    /// <summary>The whole order from one location, the first in priority order that can serve every line; refused when none can.</summary>
    public static AllocationPolicy ShipComplete { get; } = new ShipCompletePolicy(fallBack: false);

    /// <summary>The whole order from one location when any can (as <see cref="ShipComplete"/>), else as <see cref="Priority"/>.</summary>
    public static AllocationPolicy ShipCompleteElsePriority { get; } = new ShipCompletePolicy(fallBack: true);

    /// <summary>
    /// The fewest locations that together serve the order; among sets of that size, the one whose locations come first in
    /// priority order; within it, each line as <see cref="Priority"/> takes it.
    /// </summary>
    public static AllocationPolicy FewestShipments { get; } = new FewestShipmentsPolicy();

    /// <summary>The policy's stable name.</summary>
    public string Name { get; }

    /// <summary>
    /// Chooses the units: one <see cref="StockLine"/> per SKU and location used, or <see langword="null"/> to refuse the order.
    /// </summary>
    /// <param name="snapshot">The lines, candidates and their levels, locked.</param>
    /// <returns>The parts, or <see langword="null"/> to refuse.</returns>
    public abstract IReadOnlyList<StockLine>? Choose(AllocationSnapshot snapshot);

    /// <summary>Takes every line from <paramref name="locations"/> in their order; <see langword="null"/> when a line cannot be served there.</summary>
    /// <param name="snapshot">The snapshot.</param>
    /// <param name="locations">The locations to take from, in the order to take.</param>
    /// <returns>The parts, or <see langword="null"/>.</returns>
    protected static IReadOnlyList<StockLine>? TakeInOrder(AllocationSnapshot snapshot, IEnumerable<string> locations)
    {
        ArgumentNullException.ThrowIfNull(snapshot);
        ArgumentNullException.ThrowIfNull(locations);
        var order = locations as IReadOnlyList<string> ?? [.. locations];
        var parts = new List<StockLine>();
        foreach (var line in snapshot.Lines)
        {
            long left = line.Quantity;
            foreach (var location in order)
            {
                var take = Math.Min(left, snapshot.Sellable(line.Sku, location));
                if (take > 0)
                {
                    parts.Add(new StockLine(line.Sku, (int)take, location));
                    left -= take;
                }

                if (left == 0)
                {
                    break;
                }
            }

            if (left > 0)
            {
                return null;
            }
        }

        return parts;
    }

    /// <inheritdoc/>
    public override string ToString() => Name;

    private sealed class PriorityPolicy() : AllocationPolicy("priority")
    {
        public override IReadOnlyList<StockLine>? Choose(AllocationSnapshot snapshot) => TakeInOrder(snapshot, snapshot.Locations);
    }

    private sealed class ShipCompletePolicy(bool fallBack) : AllocationPolicy(fallBack ? "ship-complete-else-priority" : "ship-complete")
    {
        public override IReadOnlyList<StockLine>? Choose(AllocationSnapshot snapshot)
        {
            foreach (var location in snapshot.Locations)
            {
                if (snapshot.Lines.All(l => snapshot.Sellable(l.Sku, location) >= l.Quantity))
                {
                    return [.. snapshot.Lines.Select(l => new StockLine(l.Sku, l.Quantity, location))];
                }
            }

            return fallBack ? TakeInOrder(snapshot, snapshot.Locations) : null;
        }
    }

    private sealed class FewestShipmentsPolicy() : AllocationPolicy("fewest-shipments")
    {
        public override IReadOnlyList<StockLine>? Choose(AllocationSnapshot snapshot)
        {
            var locations = snapshot.Locations;
            if (snapshot.Lines.Any(l => snapshot.TotalSellable(l.Sku) < l.Quantity))
            {
                return null;
            }

            // At most AllocateRequest.MaxLocations candidates: every subset can be tried, smallest first, and the subsets of
            // one size in lexicographic order of their priority positions, so the first that serves is the preferred one.
            var chosen = new int[locations.Count];
            for (var size = 1; size <= locations.Count; size++)
            {
                if (Search(0, 0, size))
                {
                    return TakeInOrder(snapshot, chosen.Take(size).Select(i => locations[i]));
                }
            }

            return null;

            bool Search(int from, int depth, int size)
            {
                if (depth == size)
                {
                    return snapshot.Lines.All(l => chosen.Take(size).Sum(i => snapshot.Sellable(l.Sku, locations[i])) >= l.Quantity);
                }

                for (var i = from; i <= locations.Count - (size - depth); i++)
                {
                    chosen[depth] = i;
                    if (Search(i + 1, depth + 1, size))
                    {
                        return true;
                    }
                }

                return false;
            }
        }
    }
}
