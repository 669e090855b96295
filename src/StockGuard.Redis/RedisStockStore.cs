using System.Globalization;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using StackExchange.Redis;
using StockGuard.Diagnostics;

namespace StockGuard.Redis;

/// <summary>
/// A stock store on Redis or Redis Cluster. Every operation on one item is one Lua script over that item's keys, which
/// share a hash tag and so one cluster slot: the check and the write are one step that Redis runs alone. An order or a hold
/// whose items lie on several slots holds each line in key order under the hold's id, records its decision on the hold's
/// record, then settles each line, so a buyer sees it all or not at all (see the package docs for the protocol and its
/// crash window). Holds expire by the Redis server's clock (<see cref="RedisStockStoreOptions.Clock"/>), read with
/// <c>TIME</c> and passed into each script, so hosts whose clocks disagree still agree; key TTLs only collect garbage.
/// Every change also appends a movement to the item's stream, from which its counters can be rebuilt.
/// The store keeps no backorders, pre-orders or waitlists (it implements neither <see cref="IStockBackorders"/> nor
/// <see cref="IStockWaitlist"/>): <see cref="SetPolicyAsync"/> refuses a policy with a <see cref="StockPolicy.PreOrderLimit"/>
/// or an <see cref="StockPolicy.ExpectedRestock"/> (<see cref="ArgumentOutOfRangeException"/>, nothing changed).
/// </summary>
public sealed partial class RedisStockStore : IStockStore, IAsyncDisposable, IDisposable
{
    internal const string StoreName = "redis";

    private readonly IConnectionMultiplexer? _redis;
    private readonly Lazy<Task<IConnectionMultiplexer>>? _connect;
    private readonly RedisStockStoreOptions _options;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly RedisStoreClock _clock;

    /// <summary>Creates a store over a connection the caller owns (and disposes).</summary>
    /// <param name="redis">A connection to a Redis server or cluster.</param>
    /// <param name="options">Settings; <see langword="null"/> for the defaults.</param>
    /// <param name="timeProvider">The clock for holds and retention; <see langword="null"/> for <see cref="TimeProvider.System"/>.</param>
    /// <param name="logger">Where to log; <see langword="null"/> for none.</param>
    /// <exception cref="Microsoft.Extensions.Options.OptionsValidationException">A setting is out of range.</exception>
    public RedisStockStore(IConnectionMultiplexer redis, RedisStockStoreOptions? options = null, TimeProvider? timeProvider = null, ILogger<RedisStockStore>? logger = null)
        : this(options, timeProvider, logger)
    {
        ArgumentNullException.ThrowIfNull(redis);
        _redis = redis;
    }

    /// <summary>Creates a store that connects (on first use) with a StackExchange.Redis configuration string, and owns that connection.</summary>
    /// <param name="configuration">E.g. <c>127.0.0.1:6379</c>, or the seed nodes of a cluster <c>host1:7000,host2:7001</c>.</param>
    /// <param name="options">Settings; <see langword="null"/> for the defaults.</param>
    /// <param name="timeProvider">The clock for holds and retention; <see langword="null"/> for <see cref="TimeProvider.System"/>.</param>
    /// <param name="logger">Where to log; <see langword="null"/> for none.</param>
    /// <exception cref="ArgumentException">The configuration string is empty or cannot be parsed.</exception>
    /// <exception cref="Microsoft.Extensions.Options.OptionsValidationException">A setting is out of range.</exception>
    public RedisStockStore(string configuration, RedisStockStoreOptions? options = null, TimeProvider? timeProvider = null, ILogger<RedisStockStore>? logger = null)
        : this(options, timeProvider, logger)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(configuration);
        ConfigurationOptions parsed;
        try
        {
            parsed = ConfigurationOptions.Parse(configuration);
        }
        catch (ArgumentException ex)
        {
            throw new ArgumentException("The Redis configuration string cannot be parsed.", nameof(configuration), ex);
        }

        parsed.AbortOnConnectFail = false;
        _connect = new(async () => await ConnectionMultiplexer.ConnectAsync(parsed).ConfigureAwait(false));
    }

    private RedisStockStore(RedisStockStoreOptions? options, TimeProvider? timeProvider, ILogger<RedisStockStore>? logger)
    {
        _options = options ?? new RedisStockStoreOptions();
        _options.ThrowIfInvalid();
        _time = timeProvider ?? TimeProvider.System;
        _logger = logger ?? NullLogger<RedisStockStore>.Instance;
        Keys = new RedisKeys(_options.KeyPrefix);
        _clock = new RedisStoreClock(_time, _options, _logger);
    }

    internal RedisKeys Keys { get; }

    /// <summary>A test hook: called before each step of an order or hold that spans slots; throwing from it stops the coordinator there.</summary>
    internal Func<string, Task>? StepHook { get; set; }

    /// <summary>Closes the connection the store opened itself; a connection passed in stays open (its owner disposes it).</summary>
    public void Dispose()
    {
        _clock.Dispose();
        if (_connect is { IsValueCreated: true } && _connect.Value.IsCompletedSuccessfully)
        {
            _connect.Value.Result.Dispose();
        }
    }

    /// <summary>Closes the connection the store opened itself; a connection passed in stays open (its owner disposes it).</summary>
    public async ValueTask DisposeAsync()
    {
        _clock.Dispose();
        if (_connect is { IsValueCreated: true })
        {
            try
            {
                var redis = await _connect.Value.ConfigureAwait(false);
                await redis.DisposeAsync().ConfigureAwait(false);
            }
            catch (RedisException)
            {
                // A connection that never came up has nothing to close.
            }
        }
    }

    /// <inheritdoc/>
    public async Task<StockLevel?> GetLevelAsync(StockKey key, CancellationToken cancellationToken = default)
    {
        CheckKey(key);
        cancellationToken.ThrowIfCancellationRequested();
        var reply = await ItemAsync(key, "level", await NowAsync().ConfigureAwait(false), null).ConfigureAwait(false);
        return reply[0] == "nf" ? null : Level(key, reply.Values);
    }

    /// <inheritdoc/>
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

        cancellationToken.ThrowIfCancellationRequested();
        var levels = await Task.WhenAll(distinct.Select(k => GetLevelAsync(k, CancellationToken.None))).ConfigureAwait(false);
        return [.. levels.Where(l => l is not null).Select(l => l!)];
    }

    /// <inheritdoc/>
    public async Task<StockLevel> SetPolicyAsync(StockKey key, StockPolicy policy, CancellationToken cancellationToken = default)
    {
        CheckKey(key);
        ArgumentNullException.ThrowIfNull(policy);
        policy.Validate();
        if (policy.PreOrderLimit != 0 || policy.ExpectedRestock is not null)
        {
            // Pre-orders need the backorder records this store does not keep; a setting it would not honour is refused, not dropped.
            throw new ArgumentOutOfRangeException(nameof(policy), $"The Redis store keeps no pre-orders or restock dates: {nameof(StockPolicy.PreOrderLimit)} must be 0 and {nameof(StockPolicy.ExpectedRestock)} null. Nothing was changed.");
        }

        cancellationToken.ThrowIfCancellationRequested();
        var scope = StockGuardTelemetry.Start(StoreName, StockOperation.SetPolicy);
        try
        {
            var reply = await ItemAsync(key, "policy", await NowAsync().ConfigureAwait(false), null, null, Text(policy.SafetyStock), Text(policy.BackorderLimit), Text(policy.LowStockThreshold)).ConfigureAwait(false);
            await WaitForReplicasAsync(Keys.Item(key).Counters).ConfigureAwait(false);
            scope.Complete("applied");
            return Level(key, reply.Values);
        }
        catch (Exception ex)
        {
            scope.Fail(ex);
            throw;
        }
    }

    /// <inheritdoc/>
    public Task<StockChangeResult> ReceiveAsync(ReceiveRequest request, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(request);
        CheckStrategy(request);
        cancellationToken.ThrowIfCancellationRequested();
        return RunAsync(request, (token, receiptId, waits) => AddAsync(request.Lines, request.Kind, request.Reference, request.Kind == StockMovementKind.Receipt, token, null, waits, receiptId), request.Lines.Count > 1 ? OrderHome(request.Lines) : null);
    }

    /// <inheritdoc/>
    public Task<StockChangeResult> AdjustAsync(AdjustRequest request, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(request);
        CheckStrategy(request);
        cancellationToken.ThrowIfCancellationRequested();
        return RunAsync(request, async (token, _, waits) =>
        {
            var line = new StockLine(request.Key, Math.Abs(request.Delta));
            if (request.Delta > 0)
            {
                return await AddAsync([line], StockMovementKind.Adjustment, request.Reference ?? request.Reason, false, token, null, waits).ConfigureAwait(false);
            }

            return await TakeOneAsync(line, StockMovementKind.Adjustment, request.Reference ?? request.Reason, token, waits).ConfigureAwait(false);
        });
    }

    /// <inheritdoc/>
    public Task<StockChangeResult> DeductAsync(DeductRequest request, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(request);
        CheckStrategy(request);
        cancellationToken.ThrowIfCancellationRequested();
        if (request.Lines.Count == 1)
        {
            return RunAsync(request, (token, _, waits) => TakeOneAsync(request.Lines[0], StockMovementKind.Sale, request.Reference, token, waits));
        }

        return RunAsync(request, (token, holdId, waits) => OrderAsync(request, holdId!.Value, waits, cancellationToken), OrderHome(request.Lines));
    }

    /// <inheritdoc/>
    public Task<ReserveResult> ReserveAsync(ReserveRequest request, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(request);
        CheckStrategy(request);
        if (request.TimeToLive > _options.MaxHoldTimeToLive)
        {
            throw new ArgumentOutOfRangeException(nameof(request), request.TimeToLive, $"The hold's time-to-live is longer than MaxHoldTimeToLive ({_options.MaxHoldTimeToLive}).");
        }

        cancellationToken.ThrowIfCancellationRequested();
        return RunAsync(request, (token, holdId, waits) => PlaceHoldAsync(request, holdId!.Value, token, waits, cancellationToken), OrderHome(request.Lines));
    }

    /// <inheritdoc/>
    public Task<HoldResult> ConfirmAsync(Guid holdId, CancellationToken cancellationToken = default)
    {
        cancellationToken.ThrowIfCancellationRequested();
        return FinishAsync(holdId, StockOperation.Confirm, null, null);
    }

    /// <inheritdoc/>
    public Task<HoldResult> ConfirmAsync(ConfirmRequest request, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(request);
        cancellationToken.ThrowIfCancellationRequested();
        return FinishAsync(request.HoldId, StockOperation.Confirm, null, request.Lines);
    }

    /// <inheritdoc/>
    public Task<HoldResult> ReleaseAsync(Guid holdId, CancellationToken cancellationToken = default)
    {
        cancellationToken.ThrowIfCancellationRequested();
        return FinishAsync(holdId, StockOperation.Release, null, null);
    }

    /// <inheritdoc/>
    public Task<HoldResult> ExtendAsync(Guid holdId, TimeSpan timeToLive, CancellationToken cancellationToken = default)
    {
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(timeToLive, TimeSpan.Zero);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(timeToLive, _options.MaxHoldTimeToLive);
        cancellationToken.ThrowIfCancellationRequested();
        return FinishAsync(holdId, StockOperation.Extend, timeToLive, null);
    }

    /// <inheritdoc/>
    public Task<StockChangeResult> ReturnAsync(HoldReturnRequest request, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(request);
        CheckStrategy(request);
        cancellationToken.ThrowIfCancellationRequested();
        return RunAsync(request, (token, _, waits) => ReturnToHoldAsync(request, token!, waits));
    }

    /// <inheritdoc/>
    public async Task<StockHold?> GetHoldAsync(Guid holdId, CancellationToken cancellationToken = default)
    {
        cancellationToken.ThrowIfCancellationRequested();
        var record = await ReadHoldAsync(holdId).ConfigureAwait(false);
        return record?.Snapshot((await NowAsync().ConfigureAwait(false)).At);
    }

    private static void CheckKey(StockKey key)
    {
        if (!key.IsValid)
        {
            throw new ArgumentException("default(StockKey) is not a key.", nameof(key));
        }
    }

    private static void CheckStrategy(StockRequest request)
    {
        if (request.Strategy is { } strategy && strategy != ConcurrencyStrategy.Atomic)
        {
            throw new ArgumentOutOfRangeException(nameof(request), strategy, $"The Redis store supports only the {nameof(ConcurrencyStrategy.Atomic)} strategy: every item operation is one Lua script that Redis runs alone. Nothing was changed.");
        }
    }

    private static string Text(long value) => value.ToString(CultureInfo.InvariantCulture);

    private static long Number(string value) => long.Parse(value, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture);

    private static StockLevel Level(StockKey key, string[] reply) =>
        new(key, Number(reply[1]), Number(reply[2]), Number(reply[3]), Number(reply[4]), Number(reply[5]), Number(reply[6]));

    /// <summary>The time of the operation about to run (see <see cref="RedisStockStoreOptions.Clock"/>).</summary>
    private async ValueTask<Instant> NowAsync() => new(await _clock.NowAsync(ReadServerTimeAsync).ConfigureAwait(false));

    /// <summary>
    /// One <c>TIME</c> on the master that serves <see cref="RedisKeys.Clock"/>, in a script so that a cluster routes it
    /// by that key: every store with this prefix reads the same master. Changes nothing.
    /// </summary>
    private async Task<DateTimeOffset> ReadServerTimeAsync()
    {
        try
        {
            var redis = await RedisAsync().ConfigureAwait(false);
            var time = (RedisValue[])(await redis.GetDatabase().ScriptEvaluateAsync(RedisScripts.Time, [Keys.Clock]).ConfigureAwait(false))!;
            return DateTimeOffset.UnixEpoch.AddTicks(((long)time[0] * TimeSpan.TicksPerSecond) + ((long)time[1] * TimeSpan.TicksPerMicrosecond));
        }
        catch (RedisException ex)
        {
            throw new StockStoreException("Reading the Redis server's clock failed. Nothing was changed; retry.", ex, isTransient: true);
        }
    }

    [LoggerMessage(1, LogLevel.Debug, "Sweep released {ExpiredHolds} expired holds and purged {PurgedHolds} finished holds and {PurgedKeys} idempotency keys.")]
    private static partial void LogSwept(ILogger logger, int expiredHolds, int purgedHolds, int purgedKeys);

    [LoggerMessage(2, LogLevel.Warning, "An order over several slots ran past OrderTimeout and was rolled back (hold {HoldId}).")]
    private static partial void LogOrderRolledBack(ILogger logger, Guid holdId);
}

/// <summary>An instant as the scripts take it: ticks split so that each part is exact in a Lua number.</summary>
internal readonly record struct Instant(DateTimeOffset At)
{
    private const long Split = 1_000_000_000;

    public long Ticks => At.UtcTicks;

    public string Hi => (Ticks / Split).ToString(CultureInfo.InvariantCulture);

    public string Lo => (Ticks % Split).ToString(CultureInfo.InvariantCulture);

    public string Ms => (Ticks / TimeSpan.TicksPerMillisecond).ToString(CultureInfo.InvariantCulture);

    public string TickText => Ticks.ToString(CultureInfo.InvariantCulture);
}
