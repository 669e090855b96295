using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;

namespace StockGuard.AspNetCore;

/// <summary>
/// HTTP answers for StockGuard's results: a level with its ETag (304 when <c>If-None-Match</c> matches), a change or a hold
/// as 200/201, and a refusal for lack of stock or an expired hold as a 409 problem listing why.
/// </summary>
public static class StockResults
{
    /// <summary>
    /// 200 with the level and <c>ETag: "Version"</c>; 304 (no body) when the request's <c>If-None-Match</c> holds that tag;
    /// 404 problem when <paramref name="level"/> is <see langword="null"/>.
    /// </summary>
    /// <param name="key">The item asked for.</param>
    /// <param name="level">What <see cref="IStockStore.GetLevelAsync"/> returned.</param>
    /// <returns>The answer.</returns>
    public static IResult Level(StockKey key, StockLevel? level) => new LevelResult(key, level);

    /// <summary>200 with <paramref name="result"/> when it succeeded; else the 409 <see cref="StockProblems.InsufficientStock"/> problem.
    /// A replayed result (same Idempotency-Key, same body) carries <c>Idempotent-Replayed: true</c>.</summary>
    /// <param name="result">What a deduct, receipt or correction did.</param>
    /// <returns>The answer.</returns>
    public static IResult Change(StockChangeResult result)
    {
        ArgumentNullException.ThrowIfNull(result);
        IResult answer = result.Succeeded ? TypedResults.Ok(result) : Refused(result.ShortLines);
        return Replayed(answer, result.IsReplay);
    }

    /// <summary>201 with the hold (and <c>Location</c> when <paramref name="location"/> is given) when it was made; else the 409
    /// <see cref="StockProblems.InsufficientStock"/> problem.</summary>
    /// <param name="result">What a reservation did.</param>
    /// <param name="location">The URL of the new hold, from its id; optional.</param>
    /// <returns>The answer.</returns>
    public static IResult Reserved(ReserveResult result, Func<Guid, string>? location = null)
    {
        ArgumentNullException.ThrowIfNull(result);
        IResult answer = result.Hold is { } hold ? TypedResults.Created(location?.Invoke(hold.Id), result) : Refused(result.ShortLines);
        return Replayed(answer, result.IsReplay);
    }

    /// <summary>200 with <paramref name="result"/>; for a confirm or an extend, a hold that had expired (nothing sold or
    /// extended) is the 409 <see cref="StockProblemTypes.HoldExpired"/> problem with the hold's id and state. (A release that
    /// finds its hold expired succeeded: answer it <c>TypedResults.Ok(result)</c>.)</summary>
    /// <param name="result">What a confirm or extend did.</param>
    /// <returns>The answer.</returns>
    public static IResult Hold(HoldResult result)
    {
        ArgumentNullException.ThrowIfNull(result);
        if (result.Outcome != HoldOutcome.Expired)
        {
            return TypedResults.Ok(result);
        }

        return TypedResults.Problem(StockProblems.Problem(
            StatusCodes.Status409Conflict,
            StockProblemTypes.HoldExpired,
            "The hold expired",
            $"The hold {result.Hold.Id} expired at {result.Hold.ExpiresAt:O}; its units were given back and nothing was sold or extended. Make a new hold.",
            ("holdId", result.Hold.Id),
            ("state", result.Hold.State.ToString())));
    }

    /// <summary>200 with the hold, or the 404 <see cref="StockProblemTypes.HoldNotFound"/> problem.</summary>
    /// <param name="holdId">The hold asked for.</param>
    /// <param name="hold">What <see cref="IStockStore.GetHoldAsync"/> returned.</param>
    /// <returns>The answer.</returns>
    public static IResult Hold(Guid holdId, StockHold? hold) =>
        hold is not null ? TypedResults.Ok(hold) : TypedResults.Problem(StockProblems.FromException(new HoldNotFoundException(holdId))!);

    /// <summary>The 409 <see cref="StockProblems.InsufficientStock"/> problem for <paramref name="shortLines"/>.</summary>
    /// <param name="shortLines">The lines that lacked stock.</param>
    /// <returns>The answer.</returns>
    public static ProblemHttpResult Refused(IReadOnlyList<ShortLine> shortLines) => TypedResults.Problem(StockProblems.InsufficientStock(shortLines));

    private static IResult Replayed(IResult answer, bool isReplay) => isReplay ? new ReplayedResult(answer) : answer;

    private sealed class ReplayedResult(IResult inner) : IResult
    {
        public Task ExecuteAsync(HttpContext httpContext)
        {
            httpContext.Response.Headers[StockHttp.ReplayedHeader] = "true";
            return inner.ExecuteAsync(httpContext);
        }
    }

    private sealed class LevelResult(StockKey key, StockLevel? level) : IResult
    {
        public Task ExecuteAsync(HttpContext httpContext)
        {
            if (level is null)
            {
                return TypedResults.Problem(StockProblems.FromException(new StockItemNotFoundException(key))!).ExecuteAsync(httpContext);
            }

            var etag = StockHttp.ETag(level);
            httpContext.Response.Headers.ETag = etag;
            return StockHttp.IfNoneMatch(httpContext.Request.Headers.IfNoneMatch, etag)
                ? TypedResults.StatusCode(StatusCodes.Status304NotModified).ExecuteAsync(httpContext)
                : TypedResults.Ok(level).ExecuteAsync(httpContext);
        }
    }
}
