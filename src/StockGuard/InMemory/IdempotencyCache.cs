using System.Collections.Concurrent;

namespace StockGuard.InMemory;

/// <summary>
/// Remembers the first result of each idempotency key. Concurrent callers with one key wait for the first
/// caller's result instead of applying the request again; a request that throws leaves no trace, so a retry
/// applies it afresh.
/// </summary>
internal sealed class IdempotencyCache
{
    private readonly ConcurrentDictionary<string, Entry> _entries = new(StringComparer.Ordinal);

    public async Task<T> RunOnceAsync<TState, T>(
        StockRequest request,
        DateTimeOffset now,
        TState state,
        Func<TState, StockRequest, T> apply,
        Func<T, T> asReplay,
        CancellationToken cancellationToken)
        where T : class
    {
        var key = request.IdempotencyKey!;
        var fingerprint = request.GetFingerprint();
        while (true)
        {
            var mine = new Entry(fingerprint, now);
            var entry = _entries.GetOrAdd(key, mine);
            if (entry.Fingerprint != fingerprint)
            {
                throw new IdempotencyConflictException(key);
            }

            if (ReferenceEquals(entry, mine))
            {
                try
                {
                    var result = apply(state, request);
                    mine.Result.SetResult(result);
                    return result;
                }
                catch (Exception ex)
                {
                    _entries.TryRemove(new KeyValuePair<string, Entry>(key, mine));
                    mine.Result.SetException(ex);
                    throw;
                }
            }

            try
            {
                return asReplay((T)await entry.Result.Task.WaitAsync(cancellationToken).ConfigureAwait(false));
            }
            catch (Exception) when (!cancellationToken.IsCancellationRequested)
            {
                // The first caller failed and removed its entry: this caller applies the request itself.
            }
        }
    }

    public int Purge(DateTimeOffset createdBefore)
    {
        var purged = 0;
        foreach (var (key, entry) in _entries)
        {
            if (entry.CreatedAt <= createdBefore && entry.Result.Task.IsCompleted && _entries.TryRemove(new KeyValuePair<string, Entry>(key, entry)))
            {
                purged++;
            }
        }

        return purged;
    }

    private sealed class Entry(string fingerprint, DateTimeOffset createdAt)
    {
        public string Fingerprint { get; } = fingerprint;

        public DateTimeOffset CreatedAt { get; } = createdAt;

        public TaskCompletionSource<object> Result { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
    }
}
