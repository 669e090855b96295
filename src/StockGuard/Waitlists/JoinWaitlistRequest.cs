namespace StockGuard;

/// <summary>Join a sold-out item's waitlist for one unit.</summary>
public sealed record JoinWaitlistRequest
{
    /// <summary>Creates a request.</summary>
    /// <param name="key">The item.</param>
    /// <param name="customerReference">Who waits: one place per reference and item; the claim's hold carries it as its reference.</param>
    /// <exception cref="ArgumentException">The key is <c>default</c>, or the reference is empty, longer than 200 characters or not text.</exception>
    public JoinWaitlistRequest(StockKey key, string customerReference)
    {
        Key = CheckKey(key, nameof(key));
        CustomerReference = CheckReference(customerReference, nameof(customerReference));
    }

    /// <summary>The item.</summary>
    public StockKey Key { get; }

    /// <summary>Who waits.</summary>
    public string CustomerReference { get; }

    internal static StockKey CheckKey(StockKey key, string paramName) =>
        key.IsValid ? key : throw new ArgumentException("default(StockKey) names no stock item.", paramName);

    internal static string CheckReference(string? reference, string paramName) =>
        Guard.Identifier(reference, Guard.MaxReferenceLength, paramName, "customer reference");
}
