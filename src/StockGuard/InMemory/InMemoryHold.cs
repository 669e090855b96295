namespace StockGuard.InMemory;

/// <summary>One hold. Every mutable member is used under <c>lock (hold)</c>.</summary>
internal sealed class InMemoryHold(Guid id, StockLine[] lines, DateTimeOffset createdAt, DateTimeOffset expiresAt, string? reference)
{
    public Guid Id { get; } = id;

    public StockLine[] Lines { get; } = lines;

    public string? Reference { get; } = reference;

    public DateTimeOffset ExpiresAt { get; set; } = expiresAt;

    public HoldState State { get; set; } = HoldState.Active;

    public DateTimeOffset FinishedAt { get; set; }

    /// <summary>The units a confirm sold, in line order, items that sold none left out; empty until confirmed.</summary>
    public StockLine[] Sold { get; set; } = [];

    /// <summary>Units returned against the sale, per item.</summary>
    public Dictionary<StockKey, long> Returned { get; } = [];

    public StockHold Snapshot(DateTimeOffset now) => new(
        Id,
        Lines,
        createdAt,
        ExpiresAt,
        State == HoldState.Active && now >= ExpiresAt ? HoldState.Expired : State,
        Reference);
}
