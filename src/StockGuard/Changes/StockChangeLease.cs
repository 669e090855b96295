namespace StockGuard.Changes;

/// <summary>A consumer's lease, held by one dispatcher, and the checkpoint it reads on from.</summary>
/// <param name="Consumer">The consumer's name.</param>
/// <param name="Owner">The token of the dispatcher that holds the lease.</param>
/// <param name="Checkpoint">The last position the consumer handled; <see cref="StockChangePosition.Start"/> for a new consumer.</param>
/// <param name="ExpiresAt">When the lease ends unless renewed, by the store's clock.</param>
public sealed record StockChangeLease(string Consumer, string Owner, StockChangePosition Checkpoint, DateTimeOffset ExpiresAt);
