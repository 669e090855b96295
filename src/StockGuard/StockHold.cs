namespace StockGuard;

/// <summary>A hold on stock: units kept from other buyers until confirmed, released or expired.</summary>
/// <param name="Id">The hold's identifier.</param>
/// <param name="Lines">The held lines.</param>
/// <param name="CreatedAt">When the hold was made.</param>
/// <param name="ExpiresAt">When the hold expires unless confirmed, released or extended.</param>
/// <param name="State">The hold's state.</param>
/// <param name="Reference">The reference given when the hold was made.</param>
public sealed record StockHold(
    Guid Id,
    IReadOnlyList<StockLine> Lines,
    DateTimeOffset CreatedAt,
    DateTimeOffset ExpiresAt,
    HoldState State,
    string? Reference)
{
    /// <summary>Whether the hold still keeps its units at <paramref name="now"/>.</summary>
    /// <param name="now">The moment to judge at.</param>
    public bool IsLiveAt(DateTimeOffset now) => State == HoldState.Active && now < ExpiresAt;
}

/// <summary>The life of a hold.</summary>
[System.Text.Json.Serialization.JsonConverter(typeof(System.Text.Json.Serialization.JsonStringEnumConverter<HoldState>))]
public enum HoldState
{
    /// <summary>Holding its units until it expires.</summary>
    Active,

    /// <summary>Turned into a sale.</summary>
    Confirmed,

    /// <summary>Given back by its owner.</summary>
    Released,

    /// <summary>Given back because it outlived its time-to-live.</summary>
    Expired,
}
