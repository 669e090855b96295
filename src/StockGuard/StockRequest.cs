using System.Security.Cryptography;
using System.Text;

namespace StockGuard;

/// <summary>
/// What every write to a store carries beside its own data: an optional idempotency key, a reference for
/// the movement ledger, and an optional override of the store's concurrency strategy.
/// </summary>
public abstract class StockRequest
{
    private protected StockRequest()
    {
    }

    /// <summary>
    /// A key that makes the request take effect at most once: a retry with the same key and the same request
    /// returns the first result (<see cref="StockChangeResult.IsReplay"/> is set); the same key with a different
    /// request throws <see cref="IdempotencyConflictException"/>. Up to 128 characters. Keys are kept for the
    /// store's idempotency retention period.
    /// </summary>
    /// <exception cref="ArgumentException">The key is empty, white space, too long, has control characters or a lone surrogate.</exception>
    public string? IdempotencyKey
    {
        get;
        init => field = Guard.OptionalText(value, Guard.MaxIdempotencyKeyLength, nameof(IdempotencyKey), "idempotency key");
    }

    /// <summary>What caused the change (an order number, a delivery note), written to the movement ledger. Up to 200 characters.</summary>
    public string? Reference
    {
        get;
        init => field = Guard.OptionalText(value, Guard.MaxReferenceLength, nameof(Reference), "reference");
    }

    /// <summary>The concurrency strategy for this call, or <see langword="null"/> for the store's default.</summary>
    /// <exception cref="ArgumentOutOfRangeException">The value is not one of the <see cref="ConcurrencyStrategy"/> members.</exception>
    public ConcurrencyStrategy? Strategy
    {
        get;
        init
        {
            // Checked here, not in the stores, so that every store refuses it alike and before anything is sent.
            if (value is { } strategy && !Enum.IsDefined(strategy))
            {
                throw new ArgumentOutOfRangeException(
                    nameof(Strategy), strategy, $"The concurrency strategy {strategy} is not defined; use Atomic, Pessimistic, Optimistic or Coalescing.");
            }

            field = value;
        }
    }

    /// <summary>The kind of operation this request asks for, as telemetry and the fingerprint name it.</summary>
    public abstract StockOperation Operation { get; }

    /// <summary>
    /// A stable SHA-256 of everything the request asks for (not its idempotency key or strategy): an
    /// idempotency ledger stores it with the key to tell a retry from a different request under the same key.
    /// </summary>
    public string GetFingerprint()
    {
        var text = new StringBuilder(64);
        text.Append(Operation).Append('\n').Append(Reference).Append('\n');
        AppendFingerprint(text);
        return Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(text.ToString())));
    }

    private protected abstract void AppendFingerprint(StringBuilder text);

    private protected static void AppendLines(StringBuilder text, IReadOnlyList<StockLine> lines)
    {
        // Length-prefixed so that no SKU can forge another request's text.
        foreach (var line in lines.OrderBy(l => l.Key))
        {
            text.Append(line.Key.Sku.Length).Append(':').Append(line.Key.Sku)
                .Append(line.Key.Location.Length).Append(':').Append(line.Key.Location)
                .Append('=').Append(line.Quantity).Append('\n');
        }
    }
}
