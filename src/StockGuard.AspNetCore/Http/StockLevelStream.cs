using System.Globalization;
using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using StockGuard.Changes;

namespace StockGuard.AspNetCore;

/// <summary>
/// One client's Server-Sent Events stream of the levels of one or more items: the levels now, then the level after every
/// change of one of them, each with its feed position as the event id, and a comment line as heartbeat while nothing happens.
/// </summary>
internal static class StockLevelStream
{
    /// <summary>The most changes one read of the feed holds in memory for a stream.</summary>
    internal const int PageSize = 256;

    private const string LastEventIdHeader = "Last-Event-ID";

    /// <summary>The most items one stream follows.</summary>
    internal const int MaxKeys = 100;

    /// <summary>
    /// Streams the levels of <paramref name="keys"/>; <see langword="null"/> once the stream has ended, or the answer
    /// to send instead (a bad <c>Last-Event-ID</c>, too many keys, an unknown item when <paramref name="single"/>).
    /// </summary>
    public static async Task<IResult?> StartAsync(HttpContext http, IReadOnlyList<string> keys, bool single, CancellationToken cancellationToken)
    {
        if (keys.Count is 0 or > MaxKeys)
        {
            return TypedResults.Problem(StockProblems.Problem(
                StatusCodes.Status400BadRequest,
                StockProblemTypes.InvalidRequest,
                "The request breaks a stock rule",
                string.Create(CultureInfo.InvariantCulture, $"A level stream follows 1 to {MaxKeys} items (key=…); {keys.Count} were asked for.")));
        }

        var stockKeys = keys.Select(StockHttp.ParseKey).Distinct().ToList();
        var services = http.RequestServices;
        var store = services.GetRequiredService<IStockStore>();
        var feed = services.GetRequiredService<IStockChangeFeed>();
        var wake = services.GetService<IStockChangeConsumerStore>() ?? store as IStockChangeConsumerStore;
        var options = services.GetService<IOptions<StockGuardHttpOptions>>()?.Value ?? new StockGuardHttpOptions();
        var time = services.GetService<TimeProvider>() ?? TimeProvider.System;

        StockChangePosition position;
        IReadOnlyList<StockLevel> first = [];
        var lastEventId = http.Request.Headers[LastEventIdHeader].ToString();
        if (lastEventId.Length > 0)
        {
            if (!StockChangePosition.TryParse(lastEventId, out position))
            {
                return TypedResults.Problem(StockProblems.Problem(
                    StatusCodes.Status400BadRequest,
                    StockProblemTypes.InvalidRequest,
                    "The request breaks a stock rule",
                    $"The {LastEventIdHeader} header is not a stock change position; expected \"transaction:sequence\", e.g. \"0:42\"."));
            }
        }
        else
        {
            // The position first, then the level: every change after the position not already in the level has a
            // higher Version, so none is lost between the two reads.
            position = await feed.GetLastPositionAsync(cancellationToken).ConfigureAwait(false);
            first = await store.GetLevelsAsync(stockKeys, cancellationToken).ConfigureAwait(false);
            if (single && first.Count == 0)
            {
                return StockResults.Level(stockKeys[0], null);
            }
        }

        var response = http.Response;
        response.ContentType = "text/event-stream";
        response.Headers.CacheControl = "no-cache";
        response.Headers["X-Accel-Buffering"] = "no";
        http.Features.Get<IHttpResponseBodyFeature>()?.DisableBuffering();
        await response.StartAsync(cancellationToken).ConfigureAwait(false);

        await FollowAsync(response, stockKeys, position, first, feed, store, wake, options, time, cancellationToken).ConfigureAwait(false);
        return null;
    }

    private static async Task FollowAsync(
        HttpResponse response,
        IReadOnlyList<StockKey> keys,
        StockChangePosition position,
        IReadOnlyList<StockLevel> first,
        IStockChangeFeed feed,
        IStockStore store,
        IStockChangeConsumerStore? wake,
        StockGuardHttpOptions options,
        TimeProvider time,
        CancellationToken cancellationToken)
    {
        try
        {
            // Each item's Version in the first levels sent; -1 for items followed from a Last-Event-ID.
            var known = keys.ToDictionary(k => k, _ => -1L);
            foreach (var level in first)
            {
                known[level.Key] = level.Version;
                await WriteEventAsync(response, position, level, cancellationToken).ConfigureAwait(false);
            }

            var lastWrite = time.GetTimestamp();
            while (!cancellationToken.IsCancellationRequested)
            {
                // Taken before the read: a change committed while this page is read ends the wait after it at once.
                var signals = wake?.ChangeSignals ?? 0;
                StockChangePage page;
                try
                {
                    page = await feed.ReadChangesAsync(position, PageSize, cancellationToken).ConfigureAwait(false);
                }
                catch (StockChangePositionExpiredException expired)
                {
                    // The store no longer keeps what came after the position (the in-memory store's bounded
                    // retention): go on from the oldest change kept, as a dispatcher does.
                    var oldest = expired.OldestRetained;
                    position = new StockChangePosition(oldest.Transaction, Math.Max(0, oldest.Sequence - 1));
                    continue;
                }

                var wrote = false;
                foreach (var change in page.Changes)
                {
                    // A change already in the first level sent (its Version not above it) is not sent again.
                    if (known.TryGetValue(change.Key, out var version) && (change.LevelAfter?.Version ?? long.MaxValue) > version)
                    {
                        var level = change.LevelAfter ?? await store.GetLevelAsync(change.Key, cancellationToken).ConfigureAwait(false);
                        if (level is not null)
                        {
                            await WriteEventAsync(response, change.Position, level, cancellationToken).ConfigureAwait(false);
                            wrote = true;
                        }
                    }
                }

                position = page.Next > position ? page.Next : position;
                if (wrote)
                {
                    lastWrite = time.GetTimestamp();
                }

                if (page.HasMore)
                {
                    continue;
                }

                var untilHeartbeat = options.StreamHeartbeat - time.GetElapsedTime(lastWrite);
                if (untilHeartbeat <= TimeSpan.Zero)
                {
                    await WriteAsync(response, ":\n\n", cancellationToken).ConfigureAwait(false);
                    lastWrite = time.GetTimestamp();
                    continue;
                }

                var wait = untilHeartbeat < options.StreamPollInterval ? untilHeartbeat : options.StreamPollInterval;
                await (wake?.WaitForChangesAsync(signals, wait, cancellationToken) ?? Task.Delay(wait, time, cancellationToken)).ConfigureAwait(false);
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            // The client went away.
        }
    }

    private static Task WriteEventAsync(HttpResponse response, StockChangePosition id, StockLevel level, CancellationToken cancellationToken) =>
        WriteAsync(
            response,
            string.Create(CultureInfo.InvariantCulture, $"id: {id}\ndata: {JsonSerializer.Serialize(level, StockGuardJsonContext.Default.StockLevel)}\n\n"),
            cancellationToken);

    private static async Task WriteAsync(HttpResponse response, string text, CancellationToken cancellationToken)
    {
        await response.Body.WriteAsync(Encoding.UTF8.GetBytes(text), cancellationToken).ConfigureAwait(false);
        await response.Body.FlushAsync(cancellationToken).ConfigureAwait(false);
    }
}
