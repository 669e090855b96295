namespace StockGuard;

/// <summary>The base of every exception StockGuard throws for misuse or infrastructure failure.
/// A lack of stock is never an exception: it is a refused result.</summary>
public abstract class StockGuardException : Exception
{
    /// <summary>Creates the exception.</summary>
    /// <param name="message">What happened and why.</param>
    /// <param name="innerException">The underlying failure, if any.</param>
    protected StockGuardException(string message, Exception? innerException = null)
        : base(message, innerException)
    {
    }
}

/// <summary>A request named a stock item the store does not hold. Nothing was changed.</summary>
public sealed class StockItemNotFoundException : StockGuardException
{
    /// <summary>Creates the exception for <paramref name="key"/>.</summary>
    /// <param name="key">The unknown item.</param>
    public StockItemNotFoundException(StockKey key)
        : base($"The stock item '{key}' does not exist. Receive stock for it first. Nothing was changed.") => Key = key;

    /// <summary>The unknown item.</summary>
    public StockKey Key { get; }
}

/// <summary>A request named a hold the store does not know (never made, or purged after its retention period).</summary>
public sealed class HoldNotFoundException : StockGuardException
{
    /// <summary>Creates the exception for <paramref name="holdId"/>.</summary>
    /// <param name="holdId">The unknown hold.</param>
    public HoldNotFoundException(Guid holdId)
        : base($"The hold {holdId} does not exist (never made, or purged after its retention period). Nothing was changed.") => HoldId = holdId;

    /// <summary>The unknown hold.</summary>
    public Guid HoldId { get; }
}

/// <summary>A hold was asked to do what its state forbids, such as confirming a released hold. Nothing was changed.</summary>
public sealed class HoldStateException : StockGuardException
{
    /// <summary>Creates the exception.</summary>
    /// <param name="holdId">The hold.</param>
    /// <param name="state">The hold's state.</param>
    /// <param name="attempted">What was asked.</param>
    public HoldStateException(Guid holdId, HoldState state, string attempted)
        : base($"Cannot {attempted} the hold {holdId}: it is {state}. Nothing was changed.")
    {
        HoldId = holdId;
        State = state;
    }

    /// <summary>The hold.</summary>
    public Guid HoldId { get; }

    /// <summary>The hold's state when the request arrived.</summary>
    public HoldState State { get; }
}

/// <summary>An idempotency key was reused for a different request. Nothing was changed.</summary>
public sealed class IdempotencyConflictException : StockGuardException
{
    /// <summary>Creates the exception for <paramref name="idempotencyKey"/>.</summary>
    /// <param name="idempotencyKey">The reused key.</param>
    public IdempotencyConflictException(string idempotencyKey)
        : base($"The idempotency key '{idempotencyKey}' was already used for a different request. Use a new key for a new request. Nothing was changed.")
        => IdempotencyKey = idempotencyKey;

    /// <summary>The reused key.</summary>
    public string IdempotencyKey { get; }
}

/// <summary>The optimistic strategy lost the race for an item on every attempt. Nothing was changed; the request may be retried.</summary>
public sealed class ConcurrencyConflictException : StockGuardException
{
    /// <summary>Creates the exception.</summary>
    /// <param name="attempts">How many attempts were made.</param>
    public ConcurrencyConflictException(int attempts)
        : base($"Other writers changed the stock items on each of {attempts} attempts. Nothing was changed; retry later or use the atomic or pessimistic strategy for contended items.")
        => Attempts = attempts;

    /// <summary>How many attempts were made.</summary>
    public int Attempts { get; }
}

/// <summary>
/// The store could not complete the operation: the database was unreachable, the connection broke, a lock or
/// statement timed out, or a deadlock was detected. The operation took effect entirely or not at all; when
/// <see cref="OutcomeUnknown"/> is set, retry with the same idempotency key to learn which.
/// </summary>
public class StockStoreException : StockGuardException
{
    /// <summary>Creates the exception.</summary>
    /// <param name="message">What failed.</param>
    /// <param name="innerException">The driver's exception.</param>
    /// <param name="isTransient">Whether a retry may succeed.</param>
    /// <param name="outcomeUnknown">Whether the failure came after the commit was sent, so the change may have been applied.</param>
    public StockStoreException(string message, Exception? innerException, bool isTransient, bool outcomeUnknown = false)
        : base(message, innerException)
    {
        IsTransient = isTransient;
        OutcomeUnknown = outcomeUnknown;
    }

    /// <summary>Whether a retry may succeed.</summary>
    public bool IsTransient { get; }

    /// <summary>
    /// Whether the commit was sent before the failure (for a command that carries its own commit, the command), so the
    /// change may have been applied.
    /// </summary>
    public bool OutcomeUnknown { get; }
}

/// <summary>A lock wait or statement exceeded its time limit. Nothing was changed; the request may be retried.</summary>
public sealed class StockStoreTimeoutException : StockStoreException
{
    /// <summary>Creates the exception.</summary>
    /// <param name="message">What timed out.</param>
    /// <param name="innerException">The driver's exception.</param>
    public StockStoreTimeoutException(string message, Exception? innerException)
        : base(message, innerException, isTransient: true)
    {
    }
}

/// <summary>
/// Too many requests were already queued for one stock item (see the coalescing strategy's queue limit). Nothing
/// was changed; the request may be retried after a short pause, or refused to the buyer as "busy, try again".
/// </summary>
public sealed class StockStoreBusyException : StockStoreException
{
    /// <summary>Creates the exception.</summary>
    /// <param name="key">The item whose queue was full.</param>
    /// <param name="queueLength">The queue limit that was reached.</param>
    public StockStoreBusyException(StockKey key, int queueLength)
        : base($"{queueLength} requests are already waiting for {key}; this one was turned away. Nothing was changed; retry shortly.", null, isTransient: true)
    {
        Key = key;
        QueueLength = queueLength;
    }

    /// <summary>The item whose queue was full.</summary>
    public StockKey Key { get; }

    /// <summary>The queue limit that was reached.</summary>
    public int QueueLength { get; }
}

/// <summary>An item's version was not the one a request was made against: someone changed it meanwhile. Nothing was changed.</summary>
public sealed class StockVersionConflictException : StockGuardException
{
    /// <summary>Creates the exception.</summary>
    /// <param name="key">The item.</param>
    /// <param name="expectedVersion">The version the request was made against.</param>
    /// <param name="actualVersion">The item's version now.</param>
    public StockVersionConflictException(StockKey key, long expectedVersion, long actualVersion)
        : base($"The stock item '{key}' is at version {actualVersion}, not {expectedVersion}: it changed since it was read. Nothing was changed; read it again and retry.")
    {
        Key = key;
        ExpectedVersion = expectedVersion;
        ActualVersion = actualVersion;
    }

    /// <summary>The item.</summary>
    public StockKey Key { get; }

    /// <summary>The version the request was made against.</summary>
    public long ExpectedVersion { get; }

    /// <summary>The item's version when the request arrived.</summary>
    public long ActualVersion { get; }
}

/// <summary>An order reference names no backorder: the order never waited for a unit, or the reference is mistyped. Nothing was changed.</summary>
public sealed class BackorderNotFoundException : StockGuardException
{
    /// <summary>Creates the exception for <paramref name="orderReference"/>.</summary>
    /// <param name="orderReference">The order's reference.</param>
    public BackorderNotFoundException(string orderReference)
        : base($"The order '{orderReference}' has no backorders. Nothing was changed.") => OrderReference = orderReference;

    /// <summary>The order's reference.</summary>
    public string OrderReference { get; }
}
