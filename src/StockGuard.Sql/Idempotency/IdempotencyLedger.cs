using StockGuard.Sql.Execution;

namespace StockGuard.Sql.Idempotency;

/// <summary>
/// Makes a keyed request take effect at most once, in the same transaction as its change. The key row is inserted
/// first: a concurrent duplicate waits on the unique key until the first transaction ends, then finds the stored
/// first result (or, if the first rolled back, inserts the key itself and applies the request). Refusals are stored
/// too, so the first result always wins. Wraps every strategy; costs one insert before and one update at the commit.
/// </summary>
internal static class IdempotencyLedger
{
    /// <summary>Runs <paramref name="apply"/> once per key; a repeated key with the same fingerprint returns the stored result.</summary>
    public static async Task<T> RunOnceAsync<T>(
        SqlSession session,
        StockRequest request,
        DateTimeOffset now,
        Func<Task<T>> apply,
        Func<T, string> write,
        Func<string, T> replay)
    {
        if (request.IdempotencyKey is not { } key)
        {
            return await apply().ConfigureAwait(false);
        }

        var dialect = session.Dialect;
        var fingerprint = request.GetFingerprint();
        var inserted = await session.ExecuteAsync(dialect.TryInsertIdempotencyKey, new { key, fingerprint, createdAt = dialect.TimeParameter(now) }).ConfigureAwait(false);
        if (inserted == 0)
        {
            var row = await session.QueryRowAsync<IdempotencyRow>(dialect.SelectIdempotencyKey, new { key }).ConfigureAwait(false);
            if (row is null)
            {
                // Purged between the insert and the read: a sweep raced a retry older than the retention period.
                throw new StockStoreException($"The idempotency key '{key}' was purged while it was read. Nothing was changed; retry.", null, isTransient: true);
            }

            if (!string.Equals(row.Fingerprint, fingerprint, StringComparison.Ordinal))
            {
                throw new IdempotencyConflictException(key);
            }

            return replay(row.Result ?? throw new InvalidOperationException($"The idempotency key '{key}' has no stored result."));
        }

        // A refusal undoes the change but keeps the key row, so that its result is stored as the first one.
        await session.SavepointAsync().ConfigureAwait(false);
        var result = await apply().ConfigureAwait(false);
        session.Defer(new SqlCall(dialect.SetIdempotencyResult, new { key, result = write(result) }));
        return result;
    }
}
