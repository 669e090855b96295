namespace StockGuard.AspNetCore;

/// <summary>
/// The <c>type</c> of every problem StockGuard answers with (RFC 9457): stable URNs a client can switch on, each listed with
/// its status in docs/aspnetcore.md.
/// </summary>
public static class StockProblemTypes
{
    /// <summary>404: a request named a stock item the store does not hold (<see cref="StockItemNotFoundException"/>).</summary>
    public const string ItemNotFound = "urn:stockguard:problem:item-not-found";

    /// <summary>404: a request named a hold the store does not know (<see cref="HoldNotFoundException"/>).</summary>
    public const string HoldNotFound = "urn:stockguard:problem:hold-not-found";

    /// <summary>409: the hold's state forbids what was asked, e.g. confirming a released hold (<see cref="HoldStateException"/>).</summary>
    public const string HoldState = "urn:stockguard:problem:hold-state";

    /// <summary>409: the hold expired before it was confirmed or extended; nothing was sold (<see cref="HoldOutcome.Expired"/>).</summary>
    public const string HoldExpired = "urn:stockguard:problem:hold-expired";

    /// <summary>409: not enough stock for one or more lines; the problem lists them (a refused result an endpoint chose to answer so).</summary>
    public const string InsufficientStock = "urn:stockguard:problem:insufficient-stock";

    /// <summary>422: the idempotency key was used before for a different request (<see cref="IdempotencyConflictException"/>).</summary>
    public const string IdempotencyKeyReused = "urn:stockguard:problem:idempotency-key-reused";

    /// <summary>409: a request with the same Idempotency-Key is still being processed; retry after it ends.</summary>
    public const string IdempotencyKeyInFlight = "urn:stockguard:problem:idempotency-key-in-flight";

    /// <summary>400: the Idempotency-Key header is missing where required, or malformed.</summary>
    public const string IdempotencyKeyInvalid = "urn:stockguard:problem:idempotency-key-invalid";

    /// <summary>400: the request broke a rule of StockGuard's types (a quantity of 0, a SKU of 200 characters, …).</summary>
    public const string InvalidRequest = "urn:stockguard:problem:invalid-request";

    /// <summary>409: other writers changed the items on every attempt of the optimistic strategy; retry (<see cref="ConcurrencyConflictException"/>).</summary>
    public const string ConcurrencyConflict = "urn:stockguard:problem:concurrency-conflict";

    /// <summary>503: too many requests already wait for one item; retry after Retry-After (<see cref="StockStoreBusyException"/>).</summary>
    public const string Busy = "urn:stockguard:problem:busy";

    /// <summary>503: a lock wait or statement timed out; nothing changed; retry after Retry-After (<see cref="StockStoreTimeoutException"/>).</summary>
    public const string Timeout = "urn:stockguard:problem:timeout";

    /// <summary>503: the store failed in a way a retry may cure; nothing changed (<see cref="StockStoreException.IsTransient"/>).</summary>
    public const string Unavailable = "urn:stockguard:problem:unavailable";

    /// <summary>503: the store failed after the commit was sent, so the change may or may not have been applied (<see cref="StockStoreException.OutcomeUnknown"/>).</summary>
    public const string OutcomeUnknown = "urn:stockguard:problem:outcome-unknown";

    /// <summary>500: the store failed in a way a retry will not cure (configuration, a missing schema); nothing changed.</summary>
    public const string StoreFailed = "urn:stockguard:problem:store-failed";

    /// <summary>409: the request named a version of the item (a physical count's expected version) and the item has changed since; nothing changed.</summary>
    public const string VersionConflict = "urn:stockguard:problem:version-conflict";

    /// <summary>410: the change feed no longer holds the changes after the position asked for (the in-memory store's retention).</summary>
    public const string ChangesExpired = "urn:stockguard:problem:changes-expired";

    /// <summary>500: the app's own allocation policy chose something the store cannot apply; nothing changed.</summary>
    public const string AllocationPolicyFailed = "urn:stockguard:problem:allocation-policy-failed";
}
