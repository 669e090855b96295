using StockGuard;

namespace FlashSale;

/// <summary>The sale's outcome, and the invariants it must keep on every item: one oversold item cannot hide behind the others.</summary>
internal sealed class SaleReport
{
    private readonly long _stockPerItem;
    private readonly SaleTally _tally;
    private readonly IReadOnlyList<Item> _items;
    private readonly int _expiredHolds;
    private readonly TimeSpan _elapsed;
    private readonly FeedAudit _feed;

    public SaleReport(long stockPerItem, IReadOnlyList<StockKey> skus, SaleTally tally, IReadOnlyList<StockLevel> levels, int expiredHolds, TimeSpan elapsed, FeedAudit feed)
    {
        _feed = feed;
        _stockPerItem = stockPerItem;
        _tally = tally;
        _expiredHolds = expiredHolds;
        _elapsed = elapsed;
        var byKey = levels.ToDictionary(l => l.Key);
        _items = [.. skus.Select(k => new Item(k, tally.SoldOf(k), byKey.GetValueOrDefault(k)))];
        Violations = [.. _items.SelectMany(i => i.Check(stockPerItem)), .. feed.Check(levels)];
    }

    public IReadOnlyList<string> Violations { get; }

    public void Print(TextWriter output)
    {
        var received = _stockPerItem * _items.Count;
        var rows = new (string Name, string Value)[]
        {
            ("units received", $"{received:N0}"),
            ("units sold", $"{_tally.UnitsSold:N0}"),
            ("orders completed", $"{_tally.Orders:N0}"),
            ("requests refused (sold out)", $"{_tally.RefusedRequests:N0}"),
            ("requests given up (contention)", $"{_tally.GivenUp:N0}"),
            ("holds abandoned", $"{_tally.AbandonedHolds:N0}"),
            ("holds expired before payment", $"{_tally.ExpiredBeforePayment:N0}"),
            ("holds released by the sweep", $"{_expiredHolds:N0}"),
            ("units left", $"{_items.Sum(i => i.Level?.OnHand ?? 0):N0}"),
            ("units still reserved", $"{_items.Sum(i => i.Level?.Reserved ?? 0):N0}"),
            ("units oversold (all items)", $"{_items.Sum(i => i.Oversold(_stockPerItem)):N0}"),
            ("changes the feed reader saw", $"{_feed.Changes:N0}"),
            ("  of them sales", $"{_feed.Sales:N0}"),
            ("  sold-out status changes", $"{_feed.SoldOutEvents:N0}"),
            ("store operations", $"{_tally.Operations:N0}"),
            ("elapsed (selling)", $"{_elapsed.TotalSeconds:N2} s"),
            ("store operations per second", $"{_tally.Operations / Math.Max(_elapsed.TotalSeconds, 1e-9):N0}"),
        };
        var width = rows.Max(r => r.Name.Length);
        output.WriteLine();
        output.WriteLine($"| {"".PadRight(width)} | {"",12} |");
        output.WriteLine($"|{new string('-', width + 2)}|{new string('-', 14)}|");
        foreach (var (name, value) in rows)
        {
            output.WriteLine($"| {name.PadRight(width)} | {value,12} |");
        }

        var skuWidth = Math.Max("item".Length, _items.Max(i => i.Key.Sku.Length));
        output.WriteLine();
        output.WriteLine($"| {"item".PadRight(skuWidth)} | {"received",9} | {"sold",9} | {"left",9} | {"reserved",9} | {"oversold",9} |");
        output.WriteLine($"|{new string('-', skuWidth + 2)}|{string.Concat(Enumerable.Repeat(new string('-', 11) + "|", 5))}");
        foreach (var item in _items)
        {
            output.WriteLine(
                $"| {item.Key.Sku.PadRight(skuWidth)} | {_stockPerItem,9:N0} | {item.Sold,9:N0} | {Show(item.Level?.OnHand),9} | {Show(item.Level?.Reserved),9} | {item.Oversold(_stockPerItem),9:N0} |");
        }

        output.WriteLine();
        if (Violations.Count == 0)
        {
            output.WriteLine("Invariants held on every item: units sold + units left = units received, nothing negative, nothing left reserved;");
            output.WriteLine("the change feed's movements rebuild every item's level, and its last change carries it.");
        }
        else
        {
            foreach (var violation in Violations)
            {
                output.WriteLine($"INVARIANT BROKEN: {violation}");
            }
        }
    }

    private static string Show(long? value) => value is { } v ? v.ToString("N0", System.Globalization.CultureInfo.CurrentCulture) : "missing";

    private sealed record Item(StockKey Key, long Sold, StockLevel? Level)
    {
        /// <summary>Units sold beyond what the item received (or beyond what it still has, if its level went below zero).</summary>
        public long Oversold(long received) => Math.Max(Math.Max(0, Sold - received), Math.Max(0, -(Level?.Available ?? 0)));

        public IEnumerable<string> Check(long received)
        {
            if (Level is null)
            {
                yield return $"{Key}: the item is gone from the store";
                yield break;
            }

            if (Sold + Level.OnHand != received)
            {
                yield return $"{Key}: units sold ({Sold:N0}) + units left ({Level.OnHand:N0}) != units received ({received:N0})";
            }

            if (Level.OnHand < 0 || Level.Available < 0)
            {
                yield return $"{Key}: oversold, {Level.OnHand:N0} on hand and {Level.Available:N0} available";
            }

            if (Level.Reserved != 0)
            {
                yield return $"{Key}: {Level.Reserved:N0} units are still reserved after every hold expired and the sweep ran";
            }
        }
    }
}
