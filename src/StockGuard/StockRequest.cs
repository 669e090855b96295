using System.Buffers;
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
        // The text is built in a builder kept per thread and hashed from stack or pooled buffers: a keyed sale computes
        // this once, and the hex string is its only allocation. The text and so the hash are what they always were:
        // stored fingerprints outlive versions.
        var text = t_fingerprintText ?? new StringBuilder(FingerprintStackChars);
        t_fingerprintText = null;
        try
        {
            text.Append(Operation).Append('\n').Append(Reference).Append('\n');
            AppendFingerprint(text);
            return HashText(text);
        }
        finally
        {
            if (text.Capacity <= KeptFingerprintCapacity)
            {
                text.Clear();
                t_fingerprintText = text;
            }
        }
    }

    private const int FingerprintStackChars = 256;

    /// <summary>The largest builder kept for the thread's next fingerprint; a request of many lines builds its own.</summary>
    private const int KeptFingerprintCapacity = 4096;

    [ThreadStatic]
    private static StringBuilder? t_fingerprintText;

    /// <summary>The upper-case hex SHA-256 of <paramref name="text"/>'s UTF-8 bytes.</summary>
    private static string HashText(StringBuilder text)
    {
        var length = text.Length;
        char[]? pooledChars = null;
        byte[]? pooledBytes = null;
        try
        {
            var chars = length <= FingerprintStackChars
                ? stackalloc char[FingerprintStackChars]
                : pooledChars = ArrayPool<char>.Shared.Rent(length);
            chars = chars[..length];
            text.CopyTo(0, chars, length);
            var maxBytes = Encoding.UTF8.GetMaxByteCount(length);
            var bytes = maxBytes <= 3 * FingerprintStackChars + 3
                ? stackalloc byte[3 * FingerprintStackChars + 3]
                : pooledBytes = ArrayPool<byte>.Shared.Rent(maxBytes);
            var count = Encoding.UTF8.GetBytes(chars, bytes);
            Span<byte> hash = stackalloc byte[SHA256.HashSizeInBytes];
            SHA256.HashData(bytes[..count], hash);
            return Convert.ToHexString(hash);
        }
        finally
        {
            if (pooledChars is not null)
            {
                ArrayPool<char>.Shared.Return(pooledChars);
            }

            if (pooledBytes is not null)
            {
                ArrayPool<byte>.Shared.Return(pooledBytes);
            }
        }
    }

    private protected abstract void AppendFingerprint(StringBuilder text);

    private protected static void AppendLines(StringBuilder text, IReadOnlyList<StockLine> lines)
    {
        // Length-prefixed so that no SKU can forge another request's text.
        if (lines.Count == 1)
        {
            AppendLine(text, lines[0]);
            return;
        }

        foreach (var line in lines.OrderBy(l => l.Key))
        {
            AppendLine(text, line);
        }
    }

    private static void AppendLine(StringBuilder text, StockLine line) =>
        text.Append(line.Key.Sku.Length).Append(':').Append(line.Key.Sku)
            .Append(line.Key.Location.Length).Append(':').Append(line.Key.Location)
            .Append('=').Append(line.Quantity).Append('\n');
}
