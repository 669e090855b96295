namespace StockGuard;

/// <summary>What a join did.</summary>
/// <param name="Outcome">Joined, kept an earlier place, or refused because the item can be bought now.</param>
/// <param name="Place">The customer's place; <see langword="null"/> when <see cref="WaitlistJoinOutcome.InStock"/>.</param>
/// <param name="Level">The item's level when the join was decided.</param>
public sealed record WaitlistJoinResult(WaitlistJoinOutcome Outcome, WaitlistPlace? Place, StockLevel Level)
{
    /// <summary>Whether the customer has a place (new or kept).</summary>
    public bool Succeeded => Place is not null;
}

/// <summary>How a join ended.</summary>
[System.Text.Json.Serialization.JsonConverter(typeof(System.Text.Json.Serialization.JsonStringEnumConverter<WaitlistJoinOutcome>))]
public enum WaitlistJoinOutcome
{
    /// <summary>The customer took the last place in the queue.</summary>
    Joined,

    /// <summary>The customer already had a place on this item's waitlist, which is kept as it is (idempotent join).</summary>
    AlreadyJoined,

    /// <summary>Nothing changed: the item has a unit to sell now (<see cref="StockLevel.Sellable"/> is at least 1), so buy it instead.</summary>
    InStock,
}
