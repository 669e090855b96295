namespace StockGuard;

/// <summary>A customer's place on an item's waitlist.</summary>
/// <param name="Key">The item.</param>
/// <param name="CustomerReference">Who waits.</param>
/// <param name="State">Where the place stands.</param>
/// <param name="Position">While <see cref="WaitlistState.Waiting"/>: 1 for the head of the queue, 2 for the next, …; otherwise <see langword="null"/>.</param>
/// <param name="HoldId">Once claimed: the claim's hold, which the customer confirms to buy.</param>
/// <param name="ClaimExpiresAt">Once claimed: when the claim's hold expires (as the hold says, extensions included).</param>
/// <param name="JoinedAt">When the customer joined.</param>
public sealed record WaitlistPlace(
    StockKey Key,
    string CustomerReference,
    WaitlistState State,
    long? Position,
    Guid? HoldId,
    DateTimeOffset? ClaimExpiresAt,
    DateTimeOffset JoinedAt);
