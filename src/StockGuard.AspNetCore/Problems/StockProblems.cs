using System.Diagnostics;
using System.Globalization;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;

namespace StockGuard.AspNetCore;

/// <summary>
/// Turns StockGuard's exceptions and refused results into RFC 9457 problem details with the status a client can act on.
/// The exception handler that <c>AddStockGuardHttp</c> registers uses it; an MVC filter or a handler of your own can too.
/// </summary>
public static class StockProblems
{
    /// <summary>The problem for <paramref name="exception"/>, or <see langword="null"/> when it is not StockGuard's to answer.</summary>
    /// <param name="exception">What a StockGuard call threw.</param>
    /// <param name="options">The settings; defaults when <see langword="null"/>.</param>
    /// <returns>
    /// The problem, its status set; <see langword="null"/> for an exception that is neither a <see cref="StockGuardException"/>
    /// nor an <see cref="ArgumentException"/> thrown by StockGuard's own code (a bug of the app stays a 500 of the app).
    /// </returns>
    public static ProblemDetails? FromException(Exception exception, StockGuardHttpOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(exception);
        options ??= new StockGuardHttpOptions();
        return exception switch
        {
            StockItemNotFoundException e => Problem(StatusCodes.Status404NotFound, StockProblemTypes.ItemNotFound, "Unknown stock item", e.Message, ("key", e.Key.ToString())),
            HoldNotFoundException e => Problem(StatusCodes.Status404NotFound, StockProblemTypes.HoldNotFound, "Unknown hold", e.Message, ("holdId", e.HoldId)),
            HoldStateException e => Problem(StatusCodes.Status409Conflict, StockProblemTypes.HoldState, "The hold's state forbids this", e.Message, ("holdId", e.HoldId), ("state", e.State.ToString())),
            IdempotencyConflictException e => Problem(
                StatusCodes.Status422UnprocessableEntity, StockProblemTypes.IdempotencyKeyReused, "Idempotency key reused for a different request", e.Message, ("idempotencyKey", e.IdempotencyKey)),
            ConcurrencyConflictException e => Problem(StatusCodes.Status409Conflict, StockProblemTypes.ConcurrencyConflict, "Concurrent changes won every attempt", e.Message, ("attempts", e.Attempts)),
            StockVersionConflictException e => Problem(
                StatusCodes.Status409Conflict, StockProblemTypes.VersionConflict, "The item changed since it was read", e.Message,
                ("key", e.Key.ToString()), ("expectedVersion", e.ExpectedVersion), ("actualVersion", e.ActualVersion)),
            StockGuard.Changes.StockChangePositionExpiredException e => Problem(
                StatusCodes.Status410Gone, StockProblemTypes.ChangesExpired, "Those changes are no longer kept", e.Message,
                ("position", e.Position.ToString()), ("oldestRetained", e.OldestRetained.ToString())),
            AllocationPolicyException e => Problem(
                StatusCodes.Status500InternalServerError, StockProblemTypes.AllocationPolicyFailed, "The allocation policy failed", e.Message, ("policy", e.Policy)),
            StockStoreBusyException e => Problem(StatusCodes.Status503ServiceUnavailable, StockProblemTypes.Busy, "Busy: too many buyers for one item", e.Message, ("key", e.Key.ToString())),
            StockStoreTimeoutException e => Problem(StatusCodes.Status503ServiceUnavailable, StockProblemTypes.Timeout, "The stock store timed out", e.Message),
            StockStoreException { OutcomeUnknown: true } => Problem(
                StatusCodes.Status503ServiceUnavailable,
                StockProblemTypes.OutcomeUnknown,
                "Outcome unknown",
                "The stock store failed after the change was sent: it may or may not have been applied. Send the same request again with the same Idempotency-Key to learn which; without a key, read the stock or the hold before you retry.",
                ("outcomeUnknown", true)),
            StockStoreException { IsTransient: true } e => Problem(StatusCodes.Status503ServiceUnavailable, StockProblemTypes.Unavailable, "The stock store is unavailable", e.Message),
            StockStoreException e => Problem(
                StatusCodes.Status500InternalServerError,
                StockProblemTypes.StoreFailed,
                "The stock store failed",
                options.IncludeStoreFailureDetail ? e.Message : "The stock store failed and a retry will fail the same way. Nothing was changed."),
            ArgumentException { ParamName: IdempotencyKeyHeader.Name } e when ThrownByStockGuard(e) => Problem(
                StatusCodes.Status400BadRequest, StockProblemTypes.IdempotencyKeyInvalid, "Invalid Idempotency-Key header", e.Message.Split(" (Parameter", 2)[0]),
            ArgumentException e when ThrownByStockGuard(e) => Invalid(e),
            _ => null,
        };
    }

    /// <summary>
    /// A 409 <see cref="StockProblemTypes.InsufficientStock"/> problem listing the short lines, for an endpoint that answers
    /// a refused deduct or hold as an error. Lack of stock is a result in StockGuard: the endpoint chooses.
    /// </summary>
    /// <param name="shortLines">The lines that lacked stock (<see cref="StockChangeResult.ShortLines"/>, <see cref="ReserveResult.ShortLines"/>).</param>
    /// <returns>The problem, with <c>shortLines</c>: each line's key, units requested and units that could be sold.</returns>
    public static ProblemDetails InsufficientStock(IReadOnlyList<ShortLine> shortLines)
    {
        ArgumentNullException.ThrowIfNull(shortLines);
        var detail = string.Join("; ", shortLines.Select(l => string.Create(CultureInfo.InvariantCulture, $"{l.Key}: {l.Requested} requested, {Math.Max(0, l.Sellable)} available")));
        var problem = Problem(StatusCodes.Status409Conflict, StockProblemTypes.InsufficientStock, "Not enough stock", $"Nothing was taken. {detail}.");
        problem.Extensions["shortLines"] = shortLines;
        return problem;
    }

    /// <summary>Whether a retry after a pause may succeed, so the answer carries <c>Retry-After</c>.</summary>
    /// <param name="problem">A problem this class made.</param>
    /// <returns><see langword="true"/> for busy, timeout, unavailable, outcome unknown, a concurrency conflict and a key in flight.</returns>
    public static bool IsRetryable(ProblemDetails problem)
    {
        ArgumentNullException.ThrowIfNull(problem);
        return problem.Type is StockProblemTypes.Busy or StockProblemTypes.Timeout or StockProblemTypes.Unavailable or StockProblemTypes.OutcomeUnknown
            or StockProblemTypes.ConcurrencyConflict or StockProblemTypes.IdempotencyKeyInFlight;
    }

    internal static ProblemDetails Problem(int status, string type, string title, string detail, params (string Name, object Value)[] extensions)
    {
        var problem = new ProblemDetails { Status = status, Type = type, Title = title, Detail = detail };
        foreach (var (name, value) in extensions)
        {
            problem.Extensions[name] = value;
        }

        return problem;
    }

    private static ValidationProblemDetails Invalid(ArgumentException e)
    {
        // The message without the " (Parameter 'x')" suffix: the field is named in errors.
        var message = e.ParamName is null ? e.Message : e.Message.Replace($" (Parameter '{e.ParamName}')", string.Empty, StringComparison.Ordinal);
        if (e is ArgumentOutOfRangeException { ActualValue: { } actual } && !message.Contains(Convert.ToString(actual, CultureInfo.InvariantCulture)!, StringComparison.Ordinal))
        {
            message = string.Create(CultureInfo.InvariantCulture, $"{message.Split('\n')[0]} (was {actual})");
        }

        message = message.Split('\n')[0].Trim();
        return new ValidationProblemDetails(new Dictionary<string, string[]> { [e.ParamName ?? "request"] = [message] })
        {
            Status = StatusCodes.Status400BadRequest,
            Type = StockProblemTypes.InvalidRequest,
            Title = "The request breaks a stock rule",
            Detail = message,
        };
    }

    /// <summary>
    /// Whether the first frame of the throw outside the runtime's own throw helpers is StockGuard's: a quantity of 0 or a
    /// SKU too long is the client's error; an ArgumentException of the app's own code is the app's bug and stays a 500.
    /// </summary>
    private static bool ThrownByStockGuard(Exception exception)
    {
        var runtime = typeof(object).Assembly;
        foreach (var frame in new StackTrace(exception, fNeedFileInfo: false).GetFrames())
        {
            var assembly = frame.GetMethod()?.DeclaringType?.Assembly;
            if (assembly is null || assembly == runtime)
            {
                continue;
            }

            return assembly == typeof(StockKey).Assembly || assembly == typeof(StockProblems).Assembly;
        }

        return false;
    }
}
