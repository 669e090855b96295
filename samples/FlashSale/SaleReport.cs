namespace FlashSale;

/// <summary>The sale's outcome, and the invariants it must keep.</summary>
internal sealed class SaleReport(long received, SaleTally tally, long left, long reserved, int expiredHolds, TimeSpan elapsed)
{
    public IReadOnlyList<string> Violations { get; } = Check(received, tally, left, reserved);

    public void Print(TextWriter output)
    {
        var oversold = Math.Max(0, tally.UnitsSold - received);
        var rows = new (string Name, string Value)[]
        {
            ("units received", $"{received:N0}"),
            ("units sold", $"{tally.UnitsSold:N0}"),
            ("orders completed", $"{tally.Orders:N0}"),
            ("requests refused (sold out)", $"{tally.RefusedRequests:N0}"),
            ("holds abandoned", $"{tally.AbandonedHolds:N0}"),
            ("holds expired before payment", $"{tally.ExpiredBeforePayment:N0}"),
            ("holds released by the sweep", $"{expiredHolds:N0}"),
            ("units left", $"{left:N0}"),
            ("units still reserved", $"{reserved:N0}"),
            ("oversold", $"{oversold:N0}"),
            ("store operations", $"{tally.Operations:N0}"),
            ("elapsed (selling)", $"{elapsed.TotalSeconds:N2} s"),
            ("store operations per second", $"{tally.Operations / Math.Max(elapsed.TotalSeconds, 1e-9):N0}"),
        };
        var width = rows.Max(r => r.Name.Length);
        output.WriteLine();
        output.WriteLine($"| {"".PadRight(width)} | {"",12} |");
        output.WriteLine($"|{new string('-', width + 2)}|{new string('-', 14)}|");
        foreach (var (name, value) in rows)
        {
            output.WriteLine($"| {name.PadRight(width)} | {value,12} |");
        }

        output.WriteLine();
        if (Violations.Count == 0)
        {
            output.WriteLine("Invariants held: units sold + units left = units received, nothing negative, nothing left reserved.");
        }
        else
        {
            foreach (var violation in Violations)
            {
                output.WriteLine($"INVARIANT BROKEN: {violation}");
            }
        }
    }

    private static List<string> Check(long received, SaleTally tally, long left, long reserved)
    {
        var violations = new List<string>();
        if (tally.UnitsSold + left != received)
        {
            violations.Add($"units sold ({tally.UnitsSold}) + units left ({left}) != units received ({received})");
        }

        if (left < 0)
        {
            violations.Add($"units left is negative ({left})");
        }

        if (reserved != 0)
        {
            violations.Add($"{reserved} units are still reserved after every hold expired and the sweep ran");
        }

        return violations;
    }
}
