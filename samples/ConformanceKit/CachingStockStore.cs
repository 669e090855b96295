using System.Collections.Concurrent;
using StockGuard;

namespace ConformanceKit;

/// <summary>
/// A shop's read cache in front of any <see cref="IStockStore"/>: storefront reads of an item are served from memory
/// for a short time, and every write through this decorator forgets the items it touched. The conformance kit proves
/// that the decorator kept the inner store's guarantees.
/// </summary>
/// <remarks>
/// A level with units on hold is not cached: a hold that expires changes the level with no write at all. The first
/// version of this class read <c>request.Lines</c> before handing the request on, so a null request failed with a
/// <see cref="NullReferenceException"/>; the kit's validation tests caught it.
/// </remarks>
public sealed class CachingStockStore(IStockStore inner, TimeProvider time, TimeSpan timeToLive) : IStockStore, IAsyncDisposable
{
    // Each entry carries the item's generation as it was before the inner read. A write through this decorator bumps
    // the generation before and after it, so a level read before the write finished never serves a later read.
    private readonly ConcurrentDictionary<StockKey, (StockLevel Level, DateTimeOffset Until, long Generation)> _levels = new();
    private readonly ConcurrentDictionary<StockKey, long> _generations = new();
    private int _hits;

    /// <summary>How many reads the cache answered.</summary>
    public int Hits => _hits;

    public async Task<StockLevel?> GetLevelAsync(StockKey key, CancellationToken cancellationToken = default)
    {
        var generation = Generation(key);
        if (_levels.TryGetValue(key, out var cached) && cached.Generation == generation && time.GetUtcNow() < cached.Until)
        {
            Interlocked.Increment(ref _hits);
            return cached.Level;
        }

        var level = await inner.GetLevelAsync(key, cancellationToken);
        Remember(level, generation);
        return level;
    }

    public async Task<IReadOnlyList<StockLevel>> GetLevelsAsync(IEnumerable<StockKey> keys, CancellationToken cancellationToken = default)
    {
        // Levels read in bulk are not cached: their generations were not taken before the read.
        return await inner.GetLevelsAsync(keys, cancellationToken);
    }

    // A null request goes on to the inner store, which refuses it with the documented ArgumentNullException.
    public Task<StockChangeResult> DeductAsync(DeductRequest request, CancellationToken cancellationToken = default) =>
        ForgettingAsync(Keys(request?.Lines), () => inner.DeductAsync(request!, cancellationToken));

    public Task<StockChangeResult> ReceiveAsync(ReceiveRequest request, CancellationToken cancellationToken = default) =>
        ForgettingAsync(Keys(request?.Lines), () => inner.ReceiveAsync(request!, cancellationToken));

    public Task<StockChangeResult> AdjustAsync(AdjustRequest request, CancellationToken cancellationToken = default) =>
        ForgettingAsync(request is null ? [] : [request.Key], () => inner.AdjustAsync(request!, cancellationToken));

    public Task<StockLevel> SetPolicyAsync(StockKey key, StockPolicy policy, CancellationToken cancellationToken = default) =>
        ForgettingAsync([key], () => inner.SetPolicyAsync(key, policy, cancellationToken));

    public Task<ReserveResult> ReserveAsync(ReserveRequest request, CancellationToken cancellationToken = default) =>
        ForgettingAsync(Keys(request?.Lines), () => inner.ReserveAsync(request!, cancellationToken));

    public Task<HoldResult> ConfirmAsync(Guid holdId, CancellationToken cancellationToken = default) =>
        ForgettingHoldAsync(() => inner.ConfirmAsync(holdId, cancellationToken));

    public Task<HoldResult> ConfirmAsync(ConfirmRequest request, CancellationToken cancellationToken = default) =>
        ForgettingHoldAsync(() => inner.ConfirmAsync(request, cancellationToken));

    // A return changes on-hand units the cache may hold: its items are forgotten like a receipt's.
    public Task<StockChangeResult> ReturnAsync(HoldReturnRequest request, CancellationToken cancellationToken = default) =>
        ForgettingAsync(Keys(request?.Lines), () => inner.ReturnAsync(request!, cancellationToken));

    public Task<HoldResult> ReleaseAsync(Guid holdId, CancellationToken cancellationToken = default) =>
        ForgettingHoldAsync(() => inner.ReleaseAsync(holdId, cancellationToken));

    public Task<HoldResult> ExtendAsync(Guid holdId, TimeSpan timeToLive, CancellationToken cancellationToken = default) =>
        ForgettingHoldAsync(() => inner.ExtendAsync(holdId, timeToLive, cancellationToken));

    public Task<StockHold?> GetHoldAsync(Guid holdId, CancellationToken cancellationToken = default) =>
        inner.GetHoldAsync(holdId, cancellationToken);

    public async Task<SweepResult> SweepAsync(CancellationToken cancellationToken = default)
    {
        var result = await inner.SweepAsync(cancellationToken);
        _levels.Clear();
        return result;
    }

    public async ValueTask DisposeAsync()
    {
        if (inner is IAsyncDisposable disposable)
        {
            await disposable.DisposeAsync();
        }
    }

    private long Generation(StockKey key) => _generations.GetValueOrDefault(key);

    private void Remember(StockLevel? level, long generation)
    {
        if (level is { Reserved: 0 })
        {
            _levels[level.Key] = (level, time.GetUtcNow() + timeToLive, generation);
        }
        else if (level is not null)
        {
            _levels.TryRemove(level.Key, out _);
        }
    }

    private static IEnumerable<StockKey> Keys(IEnumerable<StockLine>? lines) => lines?.Select(l => l.Key) ?? [];

    /// <summary>Forgets the items before the write and after it: a level read while it ran is never served afterwards.</summary>
    private async Task<T> ForgettingAsync<T>(IEnumerable<StockKey> keys, Func<Task<T>> write)
    {
        var touched = keys.ToArray();
        Forget(touched);
        try
        {
            return await write();
        }
        finally
        {
            Forget(touched);
        }
    }

    private async Task<HoldResult> ForgettingHoldAsync(Func<Task<HoldResult>> write)
    {
        // A hold's items are cached only while nothing is on hold, so only the result's items can be stale afterwards.
        var result = await write();
        Forget(result.Hold.Lines.Select(l => l.Key));
        return result;
    }

    private void Forget(IEnumerable<StockKey> keys)
    {
        foreach (var key in keys)
        {
            _generations.AddOrUpdate(key, 1, static (_, g) => g + 1);
            _levels.TryRemove(key, out _);
        }
    }
}
