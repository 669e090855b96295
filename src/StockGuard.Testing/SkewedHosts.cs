using Microsoft.Extensions.Time.Testing;

namespace StockGuard.Testing;

/// <summary>
/// Two application hosts on one store whose wall clocks are minutes apart, both counting from a test's fake clock: one
/// <see cref="AheadBy"/> ahead of it, one <see cref="BehindBy"/> behind (18 minutes apart). When two stores of the
/// provider share their stock (a database), each host has a store of its own; when they share none (a store kept in
/// one process), one store plays both hosts, its clock set to the host that acts, as a clock that steps would be.
/// </summary>
internal sealed class SkewedHosts
{
    /// <summary>How far the host ahead runs ahead of the test's clock.</summary>
    public static readonly TimeSpan AheadBy = TimeSpan.FromMinutes(11);

    /// <summary>How far the host behind runs behind the test's clock.</summary>
    public static readonly TimeSpan BehindBy = TimeSpan.FromMinutes(7);

    private readonly IStockStore _ahead;
    private readonly IStockStore _behind;
    private readonly HostClock? _shared;

    private SkewedHosts(IStockStore ahead, IStockStore behind, HostClock? shared)
    {
        (_ahead, _behind, _shared) = (ahead, behind, shared);
    }

    /// <summary>The hosts of stores made by <paramref name="create"/> (which the caller disposes), over <paramref name="time"/>.</summary>
    public static async Task<SkewedHosts> CreateAsync(Func<TimeProvider, IStockStore> create, FakeTimeProvider time)
    {
        var ahead = create(new HostClock(time, AheadBy));
        var behind = create(new HostClock(time, -BehindBy));
        var probe = new StockKey($"hosts-{Guid.NewGuid():N}");
        await behind.SetPolicyAsync(probe, StockPolicy.Default);
        if (await ahead.GetLevelAsync(probe) is not null)
        {
            return new SkewedHosts(ahead, behind, null);
        }

        var shared = new HostClock(time, TimeSpan.Zero);
        var store = create(shared);
        return new SkewedHosts(store, store, shared);
    }

    /// <summary>The one store that plays both hosts when two stores of the provider share no stock; otherwise <see langword="null"/>.</summary>
    public IStockStore? Single => _shared is null ? null : _ahead;

    /// <summary>The store of the host whose clock runs <see cref="AheadBy"/> ahead.</summary>
    public IStockStore Ahead()
    {
        _shared?.Offset = AheadBy;
        return _ahead;
    }

    /// <summary>The store of the host whose clock runs <see cref="BehindBy"/> behind.</summary>
    public IStockStore Behind()
    {
        _shared?.Offset = -BehindBy;
        return _behind;
    }

    /// <summary>A host's wall clock: the test's clock shifted by <see cref="Offset"/>; its timestamps and timers are the test clock's.</summary>
    private sealed class HostClock(FakeTimeProvider time, TimeSpan offset) : TimeProvider
    {
        public TimeSpan Offset { get; set; } = offset;

        public override TimeZoneInfo LocalTimeZone => time.LocalTimeZone;

        public override long TimestampFrequency => time.TimestampFrequency;

        public override DateTimeOffset GetUtcNow() => time.GetUtcNow() + Offset;

        public override long GetTimestamp() => time.GetTimestamp();

        public override ITimer CreateTimer(TimerCallback callback, object? state, TimeSpan dueTime, TimeSpan period) =>
            time.CreateTimer(callback, state, dueTime, period);
    }
}
