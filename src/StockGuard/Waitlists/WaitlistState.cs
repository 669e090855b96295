namespace StockGuard;

/// <summary>The life of a waitlist place.</summary>
[System.Text.Json.Serialization.JsonConverter(typeof(System.Text.Json.Serialization.JsonStringEnumConverter<WaitlistState>))]
public enum WaitlistState
{
    /// <summary>In the queue, no unit yet.</summary>
    Waiting,

    /// <summary>A unit arrived and is held for the customer until the claim window ends.</summary>
    Claimed,

    /// <summary>The claim's hold expired or was released before it was bought; its unit went to the next in line.</summary>
    Lapsed,

    /// <summary>The claim's hold was confirmed: the customer bought the unit.</summary>
    Fulfilled,

    /// <summary>The customer left the queue before a unit arrived.</summary>
    Left,
}
