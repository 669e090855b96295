using StockGuard.Diagnostics;
using StockGuard.Sql.Execution;

namespace StockGuard.Sql.Strategies.Optimistic;

/// <summary>
/// Reads the rows and their versions without locks, checks in memory, then <c>UPDATE … WHERE version = @version</c>
/// per line. A line that matches no row lost a race: the attempt is undone and retried after a full-jitter back-off
/// (a random wait up to <c>base × 2^(attempt−1)</c>, capped at one second, timed by the store's
/// <see cref="TimeProvider"/>), up to the configured attempts, then <see cref="ConcurrencyConflictException"/>.
/// Round trips per attempt: one read, one batch of updates and movements; plus the commit.
/// </summary>
internal sealed class OptimisticStrategy(int maxAttempts, TimeSpan backoff, TimeProvider time, string storeName) : ITakeStrategy
{
    private static readonly TimeSpan MaxBackoff = TimeSpan.FromSeconds(1);

    public async Task<TakeOutcome> TakeAsync(SqlSession session, IReadOnlyList<TakeLine> lines, IReadOnlyList<SqlCall> trailing, DateTimeOffset now, IReadOnlyList<LevelRow?>? lockedLevels)
    {
        for (var attempt = 1; ; attempt++)
        {
            // The caller's locked rows serve the first attempt only: an undo gives back its locks with everything else.
            var rows = attempt == 1 && lockedLevels is not null ? lockedLevels : await ItemCalls.ReadAsync(session, lines, now, lockRows: false).ConfigureAwait(false);
            var shortKeys = ItemCalls.ShortKeys(lines, rows);
            if (shortKeys.Count > 0)
            {
                return TakeOutcome.Short(shortKeys);
            }

            var changes = lines.Select((l, i) => ItemCalls.ChangeIfVersion(session.Dialect, l, rows[i]!.Version, now)).ToArray();
            var outcome = await ItemCalls.ApplyAsync(session, lines, changes, trailing).ConfigureAwait(false);
            if (outcome.Applied is not null)
            {
                return outcome;
            }

            StockGuardTelemetry.RecordConflict(storeName);
            if (attempt >= maxAttempts)
            {
                throw new ConcurrencyConflictException(attempt);
            }

            await session.UndoAsync().ConfigureAwait(false);
            StockGuardTelemetry.RecordRetry(storeName);
            var ceiling = Math.Min(MaxBackoff.Ticks, backoff.Ticks * (1L << Math.Min(attempt - 1, 20)));
            var delay = TimeSpan.FromTicks((long)(Random.Shared.NextDouble() * ceiling));
            if (delay > TimeSpan.Zero)
            {
                await Task.Delay(delay, time, session.CancellationToken).ConfigureAwait(false);
            }
        }
    }
}
