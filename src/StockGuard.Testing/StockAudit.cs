using System.Data.Common;
using System.Globalization;

namespace StockGuard.Testing;

/// <summary>
/// How <see cref="StockAudit"/> reads one server store's tables: the per-server hook. The audit writes plain
/// <c>SELECT</c>s over the store's five tables and asks the hook only for what differs between servers.
/// </summary>
public sealed class StockTables
{
    /// <summary>Opens a connection of the audit's own to the store's database.</summary>
    public required Func<Task<DbConnection>> Open { get; init; }

    /// <summary>A table's qualified, quoted name, e.g. <c>stock_items</c> → <c>"schema"."stock_items"</c>.</summary>
    public required Func<string, string> Table { get; init; }

    /// <summary>Reads a SKU, location or state column as text (MySQL stores SKUs as bytes: <c>CONVERT(c USING utf8mb4)</c>). Default: the column itself.</summary>
    public Func<string, string> Text { get; init; } = static column => column;

    /// <summary>Reads a hold id column as text (PostgreSQL: <c>CAST(c AS text)</c>). Default: the column itself.</summary>
    public Func<string, string> IdText { get; init; } = static column => column;
}

/// <summary>What <see cref="StockAudit.RunAsync"/> found: every broken invariant, one line each, and what it looked at.</summary>
/// <param name="Violations">Each broken invariant, naming the item or hold; empty when the store is consistent.</param>
/// <param name="Items">Items audited.</param>
/// <param name="HoldsByState">Holds audited, by stored state.</param>
/// <param name="Lines">Hold lines audited.</param>
/// <param name="Movements">Ledger rows summed.</param>
public sealed record StockAuditReport(IReadOnlyList<string> Violations, int Items, IReadOnlyDictionary<string, int> HoldsByState, int Lines, long Movements)
{
    /// <inheritdoc/>
    public override string ToString() =>
        $"{Items} items, {(HoldsByState.Count == 0 ? "0" : string.Join(", ", HoldsByState.OrderBy(p => p.Key, StringComparer.Ordinal).Select(p => $"{p.Value} {p.Key}")))} holds, {Lines} hold lines, {Movements} movements; " +
        (Violations.Count == 0 ? "consistent" : $"{Violations.Count} violations:\n  " + string.Join("\n  ", Violations.Take(50)));
}

/// <summary>
/// Audits a SQL store's tables against the invariants every store keeps, after its users have stopped: for each item,
/// nothing negative or oversold, <c>reserved</c> equal to the units of its unreleased hold lines, and the movement
/// ledger rebuilding <c>on_hand</c> and <c>reserved</c>; for each hold, a state that agrees with its lines (a finished
/// hold has every line released; an active hold not yet expired has none released) and one movement that placed each
/// line and one that finished each released line.
/// </summary>
/// <remarks>
/// Read through a <see cref="StockTables"/> hook, so that the same audit serves every server and, later, a store
/// written outside this repository. The check that nothing is oversold assumes no policy was raised after units were
/// taken (a raised safety stock may legitimately leave an item below it).
/// </remarks>
public static class StockAudit
{
    private static readonly HashSet<string> States = ["active", "confirmed", "released", "expired"];

    private static readonly HashSet<string> Finishing = ["hold_confirmed", "hold_released", "hold_expired"];

    /// <summary>Reads every table once and returns what is inconsistent.</summary>
    /// <param name="tables">The server's hook.</param>
    /// <param name="now">The time by which an active hold counts as expired (the stores' clock, after they stopped).</param>
    public static async Task<StockAuditReport> RunAsync(StockTables tables, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(tables);
        string T(string name) => tables.Table(name);
        string Text(string column) => tables.Text(column);
        string Id(string column) => tables.IdText(column);

        await using var connection = await tables.Open();
        var items = await ReadAsync(
            connection,
            $"SELECT {Text("sku")}, {Text("location")}, on_hand, reserved, safety_stock, backorder_limit FROM {T("stock_items")}",
            r => (Key: (r.GetString(0), r.GetString(1)), OnHand: Long(r, 2), Reserved: Long(r, 3), Safety: Long(r, 4), Backorder: Long(r, 5)));
        var holds = await ReadAsync(
            connection,
            $"SELECT {Id("id")}, {Text("state")}, expires_at FROM {T("stock_holds")}",
            r => (Id: IdOf(r.GetValue(0)), State: r.GetString(1), ExpiresAt: Time(r.GetValue(2))));
        var lines = await ReadAsync(
            connection,
            $"SELECT {Id("hold_id")}, {Text("sku")}, {Text("location")}, quantity, released FROM {T("stock_hold_lines")}",
            r => (Hold: IdOf(r.GetValue(0)), Key: (r.GetString(1), r.GetString(2)), Quantity: Long(r, 3), Released: Convert.ToBoolean(r.GetValue(4), CultureInfo.InvariantCulture)));
        var ledger = await ReadAsync(
            connection,
            $"SELECT {Text("sku")}, {Text("location")}, SUM(on_hand_delta), SUM(reserved_delta), COUNT(*) FROM {T("stock_movements")} GROUP BY sku, location",
            r => (Key: (r.GetString(0), r.GetString(1)), OnHand: Long(r, 2), Reserved: Long(r, 3), Count: Long(r, 4)));
        var lineMovements = await ReadAsync(
            connection,
            $"SELECT {Id("hold_id")}, {Text("sku")}, {Text("location")}, {Text("kind")}, COUNT(*) FROM {T("stock_movements")} WHERE hold_id IS NOT NULL GROUP BY hold_id, sku, location, kind",
            r => (Line: (IdOf(r.GetValue(0)), r.GetString(1), r.GetString(2)), Kind: r.GetString(3), Count: Long(r, 4)));

        var violations = new List<string>();
        var sums = ledger.ToDictionary(l => l.Key);
        var unreleased = lines.Where(l => !l.Released).GroupBy(l => l.Key).ToDictionary(g => g.Key, g => g.Sum(l => l.Quantity));
        foreach (var item in items)
        {
            var name = $"item {item.Key.Item1}@{item.Key.Item2}";
            if (item.Reserved < 0 || item.OnHand < -item.Backorder || item.OnHand - item.Reserved - item.Safety < -item.Backorder)
            {
                violations.Add($"{name}: on_hand {item.OnHand}, reserved {item.Reserved}, safety {item.Safety}, backorder {item.Backorder}: negative or oversold");
            }

            var held = unreleased.GetValueOrDefault(item.Key);
            if (item.Reserved != held)
            {
                violations.Add($"{name}: reserved {item.Reserved}, but its unreleased hold lines hold {held}");
            }

            var sum = sums.GetValueOrDefault(item.Key);
            if (item.OnHand != sum.OnHand || item.Reserved != sum.Reserved)
            {
                violations.Add($"{name}: on_hand {item.OnHand} and reserved {item.Reserved}, but the ledger rebuilds {sum.OnHand} and {sum.Reserved}");
            }
        }

        foreach (var key in sums.Keys.Except(items.Select(i => i.Key)))
        {
            violations.Add($"item {key.Item1}@{key.Item2}: movements of an item that does not exist");
        }

        var linesOf = lines.ToLookup(l => l.Hold);
        foreach (var hold in holds)
        {
            var own = linesOf[hold.Id].ToArray();
            if (!States.Contains(hold.State))
            {
                violations.Add($"hold {hold.Id}: unknown state '{hold.State}'");
            }
            else if (own.Length == 0)
            {
                violations.Add($"hold {hold.Id} ({hold.State}): no lines");
            }
            else if (hold.State != "active" && own.Any(l => !l.Released))
            {
                violations.Add($"hold {hold.Id} is {hold.State} but {own.Count(l => !l.Released)} of its {own.Length} lines still count in reserved");
            }
            else if (hold.State == "active" && hold.ExpiresAt > now && own.Any(l => l.Released))
            {
                violations.Add($"hold {hold.Id} is active until {hold.ExpiresAt:O} but {own.Count(l => l.Released)} of its {own.Length} lines were released");
            }
        }

        foreach (var orphan in lines.Select(l => l.Hold).Distinct().Except(holds.Select(h => h.Id)))
        {
            violations.Add($"hold {orphan}: lines without a hold");
        }

        var movementsOf = lineMovements.ToLookup(m => m.Line);
        foreach (var line in lines)
        {
            var moves = movementsOf[(line.Hold, line.Key.Item1, line.Key.Item2)].ToArray();
            var placed = moves.Where(m => m.Kind == "hold_placed").Sum(m => m.Count);
            var finished = moves.Where(m => Finishing.Contains(m.Kind)).Sum(m => m.Count);
            if (placed != 1 || finished != (line.Released ? 1 : 0))
            {
                violations.Add($"hold {line.Hold} line {line.Key.Item1}@{line.Key.Item2} (released: {line.Released}): {placed} placing and {finished} finishing movements");
            }
        }

        var byState = holds.GroupBy(h => h.State).ToDictionary(g => g.Key, g => g.Count());
        return new StockAuditReport(violations, items.Count, byState, lines.Count, ledger.Sum(l => l.Count));
    }

    private static async Task<List<T>> ReadAsync<T>(DbConnection connection, string sql, Func<DbDataReader, T> map)
    {
        await using var command = connection.CreateCommand();
        command.CommandText = sql;
        await using var reader = await command.ExecuteReaderAsync();
        var rows = new List<T>();
        while (await reader.ReadAsync())
        {
            rows.Add(map(reader));
        }

        return rows;
    }

    private static Guid IdOf(object value) => value as Guid? ?? Guid.Parse((string)value);

    private static long Long(DbDataReader reader, int ordinal) =>
        reader.IsDBNull(ordinal) ? 0 : Convert.ToInt64(reader.GetValue(ordinal), CultureInfo.InvariantCulture);

    /// <summary>A stored time: a UTC <see cref="DateTime"/>, or (SQLite) fixed-width UTC text.</summary>
    private static DateTimeOffset Time(object value) => value switch
    {
        DateTime time => new DateTimeOffset(DateTime.SpecifyKind(time, DateTimeKind.Utc)),
        DateTimeOffset time => time,
        string text => DateTimeOffset.Parse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal),
        _ => throw new InvalidOperationException($"A stored time of type {value.GetType().Name} is not understood."),
    };
}
