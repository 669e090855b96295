using System.Collections.Concurrent;
using Microsoft.Extensions.Caching.Hybrid;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using StockGuard.Changes;

namespace StockGuard.Caching;

/// <summary>
/// Storefront reads of stock levels served from a <see cref="HybridCache"/>, kept fresh by the store's change feed:
/// <see cref="RunAsync"/> follows the feed and removes the entry of every item that changed. Only reads go through it;
/// deducts, holds and every other write use the store, which never reads the cache. <c>.UseReadCache()</c> registers it
/// and runs the follower as a hosted service.
/// </summary>
/// <remarks>
/// <para>
/// Staleness: a cached read sees a commit once the follower has read it from the feed and removed the entry: the feed's
/// visibility (on PostgreSQL, once older transactions have ended), then the wake-up (LISTEN/NOTIFY on PostgreSQL when the
/// writing store notifies, see docs/changes.md; else up
/// to <see cref="StockLevelCacheOptions.PollInterval"/>), then one read of the feed. docs/changes.md has the measured
/// bound. A read that raced a change (it read the old level, the follower removed the entry, then the read stored the
/// old level) is caught by <see cref="StockLevel.Version"/>: the follower remembers each changed item's newest version,
/// and an entry older than it is read again. While the follower is not following (starting, or the feed failed), reads
/// go to the store; when it follows again it drops every entry first.
/// </para>
/// <para>
/// A cached <see cref="StockLevel.Reserved"/> still counts a hold that expired until the sweep releases it (a movement
/// the feed reports): between the hold's expiry and the sweep a cached level understates what is available, never
/// overstates it. A deduct always decides on the store's own row.
/// </para>
/// </remarks>
public sealed partial class StockLevelCache
{
    private readonly IStockStore _store;
    private readonly IStockChangeFeed _feed;
    private readonly IStockChangeConsumerStore? _wake;
    private readonly HybridCache _cache;
    private readonly StockLevelCacheOptions _options;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly HybridCacheEntryOptions _entry;
    private readonly HybridCacheEntryOptions _lookOnly;
    /// <summary>The one tag of this cache's entries (its key prefix), so that a restart clears them and no other cache's.</summary>
    private readonly string[] _tags;

    /// <summary>Each changed item's newest <see cref="StockLevel.Version"/> seen in the feed: an entry older than it is stale.</summary>
    private readonly ConcurrentDictionary<StockKey, long> _newest = new();

    private volatile bool _following;

    /// <summary>Creates the cache; it serves reads from the cache once <see cref="RunAsync"/> follows the feed.</summary>
    /// <param name="store">The store, read on a miss.</param>
    /// <param name="feed">The store's change feed.</param>
    /// <param name="cache">The cache (<c>services.AddHybridCache()</c>).</param>
    /// <param name="options">The settings; the defaults when <see langword="null"/>.</param>
    /// <param name="wake">The store's consumer state, whose <see cref="IStockChangeConsumerStore.WaitForChangesAsync(long, TimeSpan, CancellationToken)"/> wakes the follower (PostgreSQL's LISTEN/NOTIFY); <see langword="null"/> to poll.</param>
    /// <param name="timeProvider">Times the polling; <see cref="TimeProvider.System"/> when <see langword="null"/>.</param>
    /// <param name="logger">Logs feed failures.</param>
    /// <exception cref="ArgumentNullException">A required argument is <see langword="null"/>.</exception>
    /// <exception cref="ArgumentException">A setting is out of range.</exception>
    public StockLevelCache(
        IStockStore store,
        IStockChangeFeed feed,
        HybridCache cache,
        StockLevelCacheOptions? options = null,
        IStockChangeConsumerStore? wake = null,
        TimeProvider? timeProvider = null,
        ILogger? logger = null)
    {
        ArgumentNullException.ThrowIfNull(store);
        ArgumentNullException.ThrowIfNull(feed);
        ArgumentNullException.ThrowIfNull(cache);
        options ??= new StockLevelCacheOptions();
        options.ThrowIfInvalid();
        _store = store;
        _feed = feed;
        _cache = cache;
        _options = options;
        _tags = [options.KeyPrefix];
        _wake = wake;
        _time = timeProvider ?? TimeProvider.System;
        _logger = logger ?? NullLogger.Instance;
        _entry = new HybridCacheEntryOptions { Expiration = options.MaxAge, LocalCacheExpiration = options.MaxAge };
        _lookOnly = new HybridCacheEntryOptions { Expiration = options.MaxAge, LocalCacheExpiration = options.MaxAge, Flags = HybridCacheEntryFlags.DisableUnderlyingData };
    }

    /// <summary>Whether reads are served from the cache now: the follower reads the feed and has dropped what it could not follow.</summary>
    public bool IsFollowing => _following;

    /// <summary>The last feed position whose changes the cache has applied.</summary>
    public StockChangePosition Position { get; private set; }

    /// <summary>Reads one item's level, from the cache when it holds a current entry, else from the store.</summary>
    /// <param name="key">The stock item.</param>
    /// <param name="cancellationToken">Cancels the read.</param>
    /// <returns>The level, or <see langword="null"/> when the store has no such item.</returns>
    /// <exception cref="ArgumentException"><paramref name="key"/> is <c>default</c>.</exception>
    public async Task<StockLevel?> GetLevelAsync(StockKey key, CancellationToken cancellationToken = default)
    {
        CheckKey(key);
        if (!_following)
        {
            return await _store.GetLevelAsync(key, cancellationToken).ConfigureAwait(false);
        }

        var cached = await _cache.GetOrCreateAsync(
            CacheKey(key),
            (_store, key),
            static async (state, ct) => CachedLevel.From(await state._store.GetLevelAsync(state.key, ct).ConfigureAwait(false)),
            _entry,
            _tags,
            cancellationToken).ConfigureAwait(false);
        if (IsStale(key, cached))
        {
            cached = await RefreshAsync(key, cancellationToken).ConfigureAwait(false);
        }

        return cached.ToLevel(key);
    }

    /// <summary>Reads several items' levels: cached ones from the cache, the others from the store in one read.</summary>
    /// <param name="keys">The stock items; duplicates are read once.</param>
    /// <param name="cancellationToken">Cancels the read.</param>
    /// <returns>The levels of the items that exist, in the order of <paramref name="keys"/>.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="keys"/> is <see langword="null"/>.</exception>
    /// <exception cref="ArgumentException">A key is <c>default</c>.</exception>
    public async Task<IReadOnlyList<StockLevel>> GetLevelsAsync(IEnumerable<StockKey> keys, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(keys);
        var distinct = new List<StockKey>();
        var seen = new HashSet<StockKey>();
        foreach (var key in keys)
        {
            CheckKey(key);
            if (seen.Add(key))
            {
                distinct.Add(key);
            }
        }

        if (!_following || distinct.Count == 0)
        {
            return await _store.GetLevelsAsync(distinct, cancellationToken).ConfigureAwait(false);
        }

        var found = new CachedLevel?[distinct.Count];
        List<StockKey>? missing = null;
        for (var i = 0; i < distinct.Count; i++)
        {
            var cached = await _cache.GetOrCreateAsync<CachedLevel?>(CacheKey(distinct[i]), static _ => ValueTask.FromResult<CachedLevel?>(null), _lookOnly, _tags, cancellationToken).ConfigureAwait(false);
            if (cached is null || IsStale(distinct[i], cached))
            {
                (missing ??= []).Add(distinct[i]);
            }
            else
            {
                found[i] = cached;
            }
        }

        if (missing is not null)
        {
            var read = (await _store.GetLevelsAsync(missing, cancellationToken).ConfigureAwait(false)).ToDictionary(l => l.Key);
            foreach (var key in missing)
            {
                var level = CachedLevel.From(read.GetValueOrDefault(key));
                await _cache.SetAsync(CacheKey(key), level, _entry, _tags, cancellationToken).ConfigureAwait(false);
                found[distinct.IndexOf(key)] = level;
            }
        }

        var levels = new List<StockLevel>(distinct.Count);
        for (var i = 0; i < distinct.Count; i++)
        {
            if (found[i]!.ToLevel(distinct[i]) is { } level)
            {
                levels.Add(level);
            }
        }

        return levels;
    }

    /// <summary>
    /// Follows the feed until <paramref name="cancellationToken"/> is cancelled: starts at the feed's last position,
    /// then removes the entry of every item that changes. When the feed fails, reads go to the store until it follows
    /// again, from a fresh start with every entry dropped.
    /// </summary>
    /// <param name="cancellationToken">Stops following.</param>
    /// <returns>A task that completes when the follower stopped.</returns>
    public async Task RunAsync(CancellationToken cancellationToken)
    {
        try
        {
            while (!cancellationToken.IsCancellationRequested)
            {
                try
                {
                    await FollowAsync(cancellationToken).ConfigureAwait(false);
                }
                catch (Exception ex) when (!cancellationToken.IsCancellationRequested && ex is not OperationCanceledException)
                {
                    _following = false;
                    LogFollowFailed(_logger, ex);
                    await Task.Delay(_options.PollInterval, _time, cancellationToken).ConfigureAwait(false);
                }
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            // Stopping.
        }
        finally
        {
            _following = false;
        }
    }

    private async Task FollowAsync(CancellationToken cancellationToken)
    {
        var position = await _feed.GetLastPositionAsync(cancellationToken).ConfigureAwait(false);

        // Entries stored while the feed was not followed may have missed changes: none survives into following.
        await _cache.RemoveByTagAsync(_tags[0], cancellationToken).ConfigureAwait(false);
        Position = position;
        _following = true;
        var keys = new HashSet<string>();
        while (true)
        {
            // Taken before the read: a change committed while this page is read ends the wait after it at once.
            var signals = _wake?.ChangeSignals ?? 0;
            var page = await _feed.ReadChangesAsync(position, _options.BatchSize, cancellationToken).ConfigureAwait(false);
            if (page.Changes.Count > 0)
            {
                keys.Clear();
                foreach (var change in page.Changes)
                {
                    // A change without its level (written by a version-1 process during an upgrade) only removes the entry.
                    if (change.LevelAfter is { Version: var version })
                    {
                        _newest.AddOrUpdate(change.Key, version, (_, known) => Math.Max(known, version));
                    }

                    keys.Add(CacheKey(change.Key));
                }

                await _cache.RemoveAsync(keys, cancellationToken).ConfigureAwait(false);
            }

            position = page.Next;
            Position = position;
            if (!page.HasMore)
            {
                await (_wake?.WaitForChangesAsync(signals, _options.PollInterval, cancellationToken) ?? Task.Delay(_options.PollInterval, _time, cancellationToken)).ConfigureAwait(false);
            }
        }
    }

    private bool IsStale(StockKey key, CachedLevel cached) => _newest.TryGetValue(key, out var newest) && cached.Version < newest;

    private async Task<CachedLevel> RefreshAsync(StockKey key, CancellationToken cancellationToken)
    {
        var level = CachedLevel.From(await _store.GetLevelAsync(key, cancellationToken).ConfigureAwait(false));
        await _cache.SetAsync(CacheKey(key), level, _entry, _tags, cancellationToken).ConfigureAwait(false);
        return level;
    }

    /// <summary>The entry's key: the prefix, the location's length, the location and the SKU, so that no two items share one.</summary>
    private string CacheKey(StockKey key) => string.Create(System.Globalization.CultureInfo.InvariantCulture, $"{_options.KeyPrefix}{key.Location.Length}:{key.Location}:{key.Sku}");

    private static void CheckKey(StockKey key)
    {
        if (!key.IsValid)
        {
            throw new ArgumentException("default(StockKey) names no stock item.", nameof(key));
        }
    }

    [LoggerMessage(25, LogLevel.Warning, "The stock level cache could not follow the change feed; reads go to the store until it follows again.")]
    private static partial void LogFollowFailed(ILogger logger, Exception exception);
}
