namespace StockGuard.Sql.Operations;

/// <summary>What a movement row records, one value per word the ledger's <c>kind</c> column holds.</summary>
internal enum MovementKind
{
    /// <summary><c>receipt</c>: units received (on hand up).</summary>
    Receipt,

    /// <summary><c>return</c>: units a customer sent back (on hand up).</summary>
    Return,

    /// <summary><c>sale</c>: units sold by a deduct (on hand down).</summary>
    Sale,

    /// <summary><c>adjustment</c>: a counted correction, with its reason (on hand up or down).</summary>
    Adjustment,

    /// <summary><c>hold_placed</c>: units put on hold (reserved up).</summary>
    HoldPlaced,

    /// <summary><c>hold_confirmed</c>: a hold's units sold (reserved and on hand down).</summary>
    HoldConfirmed,

    /// <summary><c>hold_released</c>: a hold's units given back by its owner (reserved down).</summary>
    HoldReleased,

    /// <summary><c>hold_expired</c>: an expired hold's units given back (reserved down).</summary>
    HoldExpired,

    /// <summary><c>transfer_out</c>: units leaving a location for another (on hand down); the note names the transfer.</summary>
    TransferOut,

    /// <summary><c>transfer_in</c>: units arriving from another location or from transit (on hand up); the note names the transfer.</summary>
    TransferIn,

    /// <summary><c>backorder_filled</c>: units a receipt gave a waiting backorder (no delta); the note names the backorder and the units.</summary>
    BackorderFilled,

    /// <summary><c>backorder_cancelled</c>: a backorder's unfilled units given back (on hand up); the note names the backorder.</summary>
    BackorderCancelled,
}

/// <summary>The movement rows of a change: one per line, written in the change's transaction.</summary>
internal static class Movements
{
    /// <summary>The word the ledger stores for <paramref name="kind"/>; statements that write movements themselves use the same words.</summary>
    public static string LedgerName(MovementKind kind) => kind switch
    {
        MovementKind.Receipt => "receipt",
        MovementKind.Return => "return",
        MovementKind.Sale => "sale",
        MovementKind.Adjustment => "adjustment",
        MovementKind.HoldPlaced => "hold_placed",
        MovementKind.HoldConfirmed => "hold_confirmed",
        MovementKind.HoldReleased => "hold_released",
        MovementKind.HoldExpired => "hold_expired",
        MovementKind.TransferOut => "transfer_out",
        MovementKind.TransferIn => "transfer_in",
        MovementKind.BackorderFilled => "backorder_filled",
        MovementKind.BackorderCancelled => "backorder_cancelled",
        _ => throw new ArgumentOutOfRangeException(nameof(kind), kind, "Unknown movement kind."),
    };

    /// <summary>The public kind of a movement whose ledger word is <paramref name="ledgerName"/>.</summary>
    /// <exception cref="StockStoreException">The ledger holds a word this library does not know (a newer library wrote it).</exception>
    public static StockMovementKind PublicKind(string ledgerName) => ledgerName switch
    {
        "receipt" => StockMovementKind.Receipt,
        "return" => StockMovementKind.Return,
        "sale" => StockMovementKind.Sale,
        "adjustment" => StockMovementKind.Adjustment,
        "hold_placed" => StockMovementKind.HoldPlaced,
        "hold_confirmed" => StockMovementKind.HoldConfirmed,
        "hold_released" => StockMovementKind.HoldReleased,
        "hold_expired" => StockMovementKind.HoldExpired,
        "transfer_out" => StockMovementKind.TransferOut,
        "transfer_in" => StockMovementKind.TransferIn,
        "backorder_filled" => StockMovementKind.BackorderFilled,
        "backorder_cancelled" => StockMovementKind.BackorderCancelled,
        _ => throw new StockStoreException($"The movement ledger holds a movement of kind '{ledgerName}', which this version of StockGuard does not know.", null, isTransient: false),
    };

    /// <summary>One movement per line, its deltas from <paramref name="deltas"/>.</summary>
    public static List<SqlCall> For(
        SqlDialect dialect,
        IEnumerable<StockLine> lines,
        MovementKind kind,
        Func<StockLine, (long OnHand, long Reserved)> deltas,
        string? reference,
        Guid? holdId,
        string? note,
        DateTimeOffset now)
    {
        var calls = new List<SqlCall>();
        foreach (var line in lines)
        {
            var (onHand, reserved) = deltas(line);
            calls.Add(new SqlCall(dialect.InsertMovement, new
            {
                at = dialect.TimeParameter(now),
                sku = line.Key.Sku,
                location = line.Key.Location,
                kind = LedgerName(kind),
                onHandDelta = onHand,
                reservedDelta = reserved,
                holdId = holdId is { } id ? dialect.HoldIdParameter(id) : null,
                reference,
                note,
            }));
        }

        return calls;
    }
}
