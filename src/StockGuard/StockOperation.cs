namespace StockGuard;

/// <summary>The kinds of operation a store performs, as telemetry names them (<see cref="Diagnostics.StockGuardTelemetry.OperationName"/>).</summary>
[System.Text.Json.Serialization.JsonConverter(typeof(System.Text.Json.Serialization.JsonStringEnumConverter<StockOperation>))]
public enum StockOperation
{
    /// <summary>A deduct: units sold directly (<see cref="DeductRequest"/>).</summary>
    Deduct,

    /// <summary>A receipt of new stock (<see cref="ReceiveRequest"/>).</summary>
    Receive,

    /// <summary>Units a customer sent back (<see cref="ReceiveRequest"/> of kind <see cref="StockMovementKind.Return"/>).</summary>
    Return,

    /// <summary>A counted correction (<see cref="AdjustRequest"/>).</summary>
    Adjust,

    /// <summary>A hold placed (<see cref="ReserveRequest"/>).</summary>
    Reserve,

    /// <summary>A hold turned into a sale.</summary>
    Confirm,

    /// <summary>A hold given back by its owner.</summary>
    Release,

    /// <summary>Expired holds given back by a sweep.</summary>
    Expire,

    /// <summary>A live hold's expiry moved.</summary>
    Extend,

    /// <summary>An item's safety stock, backorder limit or low-stock threshold set.</summary>
    SetPolicy,

    /// <summary>A physical count set an item's on-hand units (<see cref="PhysicalCountRequest"/>).</summary>
    Count,

    /// <summary>Counters compared with the ledger and the live holds (<see cref="IStockReconciler.VerifyAsync"/>).</summary>
    Verify,

    /// <summary>Drifted counters put right by reconciliation movements (<see cref="IStockReconciler.RepairAsync"/>).</summary>
    Repair,

    /// <summary>An order allocated over locations (<see cref="AllocateRequest"/>).</summary>
    Allocate,

    /// <summary>Units moved between locations (<see cref="TransferRequest"/>).</summary>
    Transfer,

    /// <summary>Units of a transfer in transit landed (<see cref="ReceiveTransferRequest"/>).</summary>
    ReceiveTransfer,

    /// <summary>An order's waiting backorders cancelled, their units given back (<see cref="IStockBackorders.CancelBackordersAsync"/>).</summary>
    CancelBackorders,
}
