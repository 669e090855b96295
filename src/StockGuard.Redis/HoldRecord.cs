using System.Globalization;
using System.Text.Json;

namespace StockGuard.Redis;

/// <summary>
/// A hold's record, on the slot written into its id. State: <c>a</c> active, <c>c</c> confirmed, <c>r</c> released, <c>x</c>
/// expired. A hold over several items also keeps what it sold and got back per line, and a to-do mark between its decision
/// and the settling of every line.
/// </summary>
internal sealed record HoldRecord(Guid Id, StockLine[] Lines, DateTimeOffset CreatedAt, DateTimeOffset ExpiresAt, char State, string? Reference, bool IsOrder)
{
    public long[] Sold { get; init; } = [];

    public long[] Returned { get; init; } = [];

    public bool Todo { get; init; }

    public DateTimeOffset? FinishedAt { get; init; }

    /// <summary>Set when the record is a receipt of several items under way, not a hold: what the sweep needs to finish it.</summary>
    public ReceiptInfo? Receipt { get; init; }

    public static HoldRecord From(StockHold hold) =>
        new(hold.Id, [.. hold.Lines], hold.CreatedAt, hold.ExpiresAt, hold.State switch { HoldState.Confirmed => 'c', HoldState.Released => 'r', HoldState.Expired => 'x', _ => 'a' }, hold.Reference, false);

    /// <summary>The record's fields as name, value pairs (the state included).</summary>
    public string[] Fields()
    {
        var exp = new Instant(ExpiresAt);
        var fields = new List<string>
        {
            "id", Id.ToString("N"), "st", State.ToString(), "n", Lines.Length.ToString(CultureInfo.InvariantCulture),
            "lines", JsonSerializer.Serialize(Lines.Select(l => new[] { l.Key.Sku, l.Key.Location, l.Quantity.ToString(CultureInfo.InvariantCulture) })),
            "created", CreatedAt.UtcTicks.ToString(CultureInfo.InvariantCulture), "exp", exp.TickText, "eh", exp.Hi, "el", exp.Lo,
            "q", Lines[0].Quantity.ToString(CultureInfo.InvariantCulture), "ref", Reference ?? string.Empty, "order", IsOrder ? "1" : "0",
        };
        if (Receipt is { } receipt)
        {
            fields.AddRange(["recv", receipt.Kind, "tok", receipt.Token, "mk", receipt.Creates ? "1" : "0"]);
        }

        return [.. fields];
    }

    public static HoldRecord? Parse(Guid id, IReadOnlyDictionary<string, string> f)
    {
        if (!f.TryGetValue("st", out var st) || !f.TryGetValue("lines", out var linesJson))
        {
            return null;
        }

        if (f.TryGetValue("id", out var stored) && Guid.TryParseExact(stored, "N", out var storedId))
        {
            id = storedId;
        }

        var lines = JsonSerializer.Deserialize<string[][]>(linesJson)!.Select(l => new StockLine(new StockKey(l[0], l[1]), int.Parse(l[2], CultureInfo.InvariantCulture))).ToArray();
        var single = lines.Length == 1;
        long[] sold = [];
        long[] returned = new long[lines.Length];
        if (f.TryGetValue("sold", out var soldText) && soldText.Length > 0)
        {
            sold = single ? [long.Parse(soldText, CultureInfo.InvariantCulture)] : JsonSerializer.Deserialize<long[]>(soldText)!;
        }

        if (f.TryGetValue("ret", out var retText) && retText.Length > 0)
        {
            if (single)
            {
                returned[0] = long.Parse(retText, CultureInfo.InvariantCulture);
            }
            else
            {
                foreach (var (index, units) in JsonSerializer.Deserialize<Dictionary<string, long>>(retText)!)
                {
                    returned[int.Parse(index, CultureInfo.InvariantCulture) - 1] = units;
                }
            }
        }

        return new HoldRecord(
            id,
            lines,
            Ticks(f["created"]),
            Ticks(f["exp"]),
            st[0],
            f.TryGetValue("ref", out var reference) && reference.Length > 0 ? reference : null,
            f.TryGetValue("order", out var order) && order == "1")
        {
            Sold = sold,
            Returned = returned,
            Todo = f.ContainsKey("todo"),
            FinishedAt = f.TryGetValue("fin", out var fin) ? Ticks(fin) : null,
            Receipt = f.TryGetValue("recv", out var kind) && f.TryGetValue("tok", out var token) ? new ReceiptInfo(kind, token, f.TryGetValue("mk", out var creates) && creates == "1") : null,
        };
    }

    /// <summary>The lines the hold sold, in line order, lines that sold none left out.</summary>
    public StockLine[] SoldLines() =>
        [.. Lines.Select((l, i) => (l.Key, Units: Sold.Length > i ? Sold[i] : 0)).Where(l => l.Units > 0).Select(l => new StockLine(l.Key, (int)l.Units))];

    /// <summary>The hold as a caller sees it at <paramref name="now"/> (an active hold past its expiry is expired).</summary>
    public StockHold Snapshot(DateTimeOffset? now) => new(Id, Lines, CreatedAt, ExpiresAt, StateAt(now), Reference);

    public HoldState StateAt(DateTimeOffset? now) => State switch
    {
        'c' => HoldState.Confirmed,
        'r' => HoldState.Released,
        'x' => HoldState.Expired,
        _ => now is { } at && at >= ExpiresAt ? HoldState.Expired : HoldState.Active,
    };

    private static DateTimeOffset Ticks(string text) => new(long.Parse(text, CultureInfo.InvariantCulture), TimeSpan.Zero);
}

/// <summary>A receipt of several items under way: the movement kind, the token each line is added under, and whether a missing item is created.</summary>
internal sealed record ReceiptInfo(string Kind, string Token, bool Creates);
