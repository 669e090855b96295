using System.Text;

namespace StockGuard;

/// <summary>
/// An order whose lines name no location, the locations that may serve it in priority order, and the policy that
/// chooses among them. Fulfilled all or nothing. Lines of one SKU are merged.
/// </summary>
public sealed class AllocateRequest : StockRequest
{
    /// <summary>The most candidate locations one request may name: 16.</summary>
    public const int MaxLocations = 16;

    /// <summary>Creates a request.</summary>
    /// <param name="lines">At least one line; lines of one SKU are merged.</param>
    /// <param name="locations">1 to <see cref="MaxLocations"/> distinct locations, the preferred first; none may be a transit location.</param>
    /// <param name="policy">How to choose; <see langword="null"/> for <see cref="AllocationPolicy.Priority"/>.</param>
    /// <exception cref="ArgumentException">No lines, a <c>default</c> line, no locations, a duplicate, invalid or transit location.</exception>
    /// <exception cref="ArgumentOutOfRangeException">Too many locations, or merged lines of one SKU add up to more than <see cref="int.MaxValue"/>.</exception>
    public AllocateRequest(IEnumerable<AllocationLine> lines, IEnumerable<string> locations, AllocationPolicy? policy = null)
    {
        ArgumentNullException.ThrowIfNull(lines);
        ArgumentNullException.ThrowIfNull(locations);
        var merged = new List<AllocationLine>();
        var index = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (var line in lines)
        {
            if (line.Sku is null)
            {
                throw new ArgumentException("A line is default(AllocationLine), which names no SKU.", nameof(lines));
            }

            if (index.TryGetValue(line.Sku, out var i))
            {
                var sum = (long)merged[i].Quantity + line.Quantity;
                if (sum > int.MaxValue)
                {
                    throw new ArgumentOutOfRangeException(nameof(lines), sum, $"The lines of {line.Sku} add up to more than int.MaxValue units.");
                }

                merged[i] = new AllocationLine(line.Sku, (int)sum);
            }
            else
            {
                index[line.Sku] = merged.Count;
                merged.Add(line);
            }
        }

        if (merged.Count == 0)
        {
            throw new ArgumentException("An allocation needs at least one line.", nameof(lines));
        }

        var seen = new HashSet<string>(StringComparer.Ordinal);
        var candidates = new List<string>();
        foreach (var location in locations)
        {
            var valid = new StockKey("x", location ?? throw new ArgumentException("A candidate location is null.", nameof(locations))).Location;
            if (TransferRequest.IsTransitLocation(valid))
            {
                throw new ArgumentException($"'{valid}' is a transit location: units in transit are not offered.", nameof(locations));
            }

            if (!seen.Add(valid))
            {
                throw new ArgumentException($"The location '{valid}' is named twice.", nameof(locations));
            }

            candidates.Add(valid);
        }

        if (candidates.Count == 0)
        {
            throw new ArgumentException("An allocation needs at least one candidate location.", nameof(locations));
        }

        if (candidates.Count > MaxLocations)
        {
            throw new ArgumentOutOfRangeException(nameof(locations), candidates.Count, $"An allocation names at most {MaxLocations} candidate locations.");
        }

        Lines = merged;
        Locations = candidates;
        Policy = policy ?? AllocationPolicy.Priority;
    }

    /// <summary>The lines, SKUs merged, in the order first seen.</summary>
    public IReadOnlyList<AllocationLine> Lines { get; }

    /// <summary>The candidate locations, the preferred first.</summary>
    public IReadOnlyList<string> Locations { get; }

    /// <summary>The policy that chooses the locations.</summary>
    public AllocationPolicy Policy { get; }

    /// <summary>
    /// When set, the allocation places a hold of this time-to-live (its lines at the chosen locations) instead of a sale;
    /// confirm, release or extend it like any hold. Positive.
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException">The value is zero or negative.</exception>
    public TimeSpan? HoldFor
    {
        get;
        init
        {
            if (value is { } ttl)
            {
                ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(ttl, TimeSpan.Zero, nameof(HoldFor));
            }

            field = value;
        }
    }

    /// <summary>Every candidate item (each line's SKU at each candidate location), in <see cref="StockKey"/> order: the items a store locks, in the order it locks them.</summary>
    public IReadOnlyList<StockKey> CandidateKeys => field ??= [.. Lines.SelectMany(l => Locations.Select(loc => new StockKey(l.Sku, loc))).Order()];

    /// <inheritdoc/>
    public override StockOperation Operation => StockOperation.Allocate;

    /// <summary>
    /// Lets <see cref="Policy"/> choose from <paramref name="snapshot"/> and checks its choice: what a store applies. The
    /// result has the parts in line and priority order, or the refusal, and no levels (the store adds them after writing).
    /// </summary>
    /// <param name="snapshot">The candidate items' levels, read under their locks.</param>
    /// <returns>The decision.</returns>
    /// <exception cref="AllocationPolicyException">The policy's choice is invalid.</exception>
    public AllocationResult Decide(AllocationSnapshot snapshot)
    {
        ArgumentNullException.ThrowIfNull(snapshot);
        var (parts, shortLines) = Allocation.Decide(this, snapshot);
        return new AllocationResult(parts ?? [], [], shortLines, null);
    }

    private protected override void AppendFingerprint(StringBuilder text)
    {
        text.Append(Policy.Name.Length).Append(':').Append(Policy.Name).Append('\n').Append(HoldFor?.Ticks).Append('\n');
        foreach (var location in Locations)
        {
            text.Append(location.Length).Append(':').Append(location).Append('\n');
        }

        foreach (var line in Lines.OrderBy(l => l.Sku, StringComparer.Ordinal))
        {
            text.Append(line.Sku.Length).Append(':').Append(line.Sku).Append('=').Append(line.Quantity).Append('\n');
        }
    }
}
