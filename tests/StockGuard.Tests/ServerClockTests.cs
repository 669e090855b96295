using FluentAssertions;
using Microsoft.Extensions.Time.Testing;
using NUnit.Framework;
using StockGuard.Clocks;

namespace StockGuard.Tests;

/// <summary>
/// The reading of a server's clock that the PostgreSQL, MySQL and Redis stores keep (<see cref="ServerClock"/>), on a
/// fake host clock and a fake server, so that round trips and drift are exact.
/// </summary>
public sealed class ServerClockTests
{
    private static readonly TimeSpan Interval = TimeSpan.FromSeconds(30);
    private static readonly TimeSpan MaxError = TimeSpan.FromMilliseconds(100);

    private FakeTimeProvider _host = null!;
    private TimeSpan _serverAhead;
    private int _queries;

    /// <summary>A host clock at 09:00 and a server clock 11 minutes ahead of it, no queries yet.</summary>
    [SetUp]
    public void StartClocks()
    {
        _host = new FakeTimeProvider(new DateTimeOffset(2026, 3, 1, 9, 0, 0, TimeSpan.Zero));
        _serverAhead = TimeSpan.FromMinutes(11);
        _queries = 0;
    }

    [Test]
    public async Task A_reading_takes_the_middle_of_the_round_trip_and_moves_on_with_the_monotonic_clock()
    {
        var clock = Clock();

        var outcome = await clock.ReadAsync(Server(TimeSpan.FromMilliseconds(4)));

        outcome.Should().Be(new ClockReadOutcome(true, TimeSpan.FromMilliseconds(2), TimeSpan.FromMinutes(11), TimeSpan.Zero, false));
        clock.GetUtcNow().Should().Be(_host.GetUtcNow() + _serverAhead);
        _host.Advance(TimeSpan.FromSeconds(10));
        clock.GetUtcNow().Should().Be(_host.GetUtcNow() + _serverAhead);
        clock.Error.Should().Be(TimeSpan.FromMilliseconds(2) + TimeSpan.FromMilliseconds(5));
        _queries.Should().Be(1);
    }

    [Test]
    public async Task A_reading_is_refused_when_no_round_trip_fits_half_the_bound()
    {
        var clock = Clock();

        var outcome = await clock.ReadAsync(Server(TimeSpan.FromMilliseconds(101)));

        outcome.Accepted.Should().BeFalse();
        outcome.Uncertainty.Should().Be(TimeSpan.FromMilliseconds(50.5));
        _queries.Should().Be(ServerClock.MaxSamples);
        clock.NeedsReading.Should().BeTrue();
        clock.IsWithinBound.Should().BeFalse();
        clock.Invoking(c => c.GetUtcNow()).Should().Throw<InvalidOperationException>();
    }

    [Test]
    public async Task A_reading_stops_at_the_first_round_trip_that_fits_and_keeps_the_quickest()
    {
        var clock = Clock();

        var outcome = await clock.ReadAsync(Server(TimeSpan.FromMilliseconds(300), TimeSpan.FromMilliseconds(120), TimeSpan.FromMilliseconds(60), TimeSpan.FromMilliseconds(2)));

        outcome.Should().BeEquivalentTo(new { Accepted = true, Uncertainty = TimeSpan.FromMilliseconds(30) });
        _queries.Should().Be(3);
        clock.GetUtcNow().Should().Be(_host.GetUtcNow() + _serverAhead);
    }

    [Test]
    public async Task A_reading_is_due_after_the_interval_and_a_failed_one_keeps_the_previous_while_it_holds()
    {
        var clock = Clock();
        (await clock.ReadAsync(Server(TimeSpan.FromMilliseconds(2)))).Accepted.Should().BeTrue();
        var readAt = _host.GetTimestamp();

        _host.Advance(Interval - TimeSpan.FromMilliseconds(1));
        clock.NeedsReading.Should().BeFalse();
        _host.Advance(TimeSpan.FromMilliseconds(1));
        clock.NeedsReading.Should().BeTrue();

        (await clock.ReadAsync(Server(TimeSpan.FromMilliseconds(200)))).Accepted.Should().BeFalse();
        clock.IsWithinBound.Should().BeTrue();
        clock.NeedsReading.Should().BeFalse("a failed reading is tried again after {0}", ServerClock.RetryAfterFailure);
        clock.GetUtcNow().Should().Be(_host.GetUtcNow() + _serverAhead);
        _host.Advance(ServerClock.RetryAfterFailure);
        clock.NeedsReading.Should().BeTrue();

        // 1 ms of uncertainty leaves 99 ms for a drift of 0.05 %: 198 seconds.
        _host.Advance(TimeSpan.FromSeconds(198) - _host.GetElapsedTime(readAt) - TimeSpan.FromMilliseconds(1));
        clock.IsWithinBound.Should().BeTrue();
        _host.Advance(TimeSpan.FromMilliseconds(2));
        clock.IsWithinBound.Should().BeFalse();
        clock.NeedsReading.Should().BeTrue();
    }

    [Test]
    public async Task A_drift_beyond_the_assumed_one_is_measured_and_brings_the_next_reading_forward()
    {
        var clock = Clock();
        (await clock.ReadAsync(Server(TimeSpan.FromMilliseconds(2)))).Accepted.Should().BeTrue();

        // The host's monotonic clock runs 1 % slow: 30 seconds later the server is 300 ms further ahead.
        _host.Advance(Interval);
        _serverAhead += TimeSpan.FromMilliseconds(300);
        var outcome = await clock.ReadAsync(Server(TimeSpan.FromMilliseconds(2)));

        outcome.Should().BeEquivalentTo(new { Accepted = true, Gap = TimeSpan.FromMilliseconds(298), GapBeyondAllowance = true });
        clock.GetUtcNow().Should().Be(_host.GetUtcNow() + _serverAhead);

        // Twice the measured drift (2 × 298 ms / 30 s) uses up the 99 ms left in 4.98 seconds: read again halfway.
        _host.Advance(TimeSpan.FromSeconds(2.4));
        clock.NeedsReading.Should().BeFalse();
        _host.Advance(TimeSpan.FromSeconds(0.1));
        clock.NeedsReading.Should().BeTrue();
    }

    [Test]
    public async Task An_ordinary_drift_over_a_long_idle_time_is_within_the_allowance_and_changes_nothing()
    {
        var clock = Clock();
        (await clock.ReadAsync(Server(TimeSpan.FromMilliseconds(2)))).Accepted.Should().BeTrue();
        _host.Advance(TimeSpan.FromHours(1));
        clock.IsWithinBound.Should().BeFalse();

        // 20 parts per million over an hour.
        _serverAhead += TimeSpan.FromMilliseconds(72);
        var outcome = await clock.ReadAsync(Server(TimeSpan.FromMilliseconds(2)));

        outcome.Should().BeEquivalentTo(new { Accepted = true, Gap = TimeSpan.FromMilliseconds(70), GapBeyondAllowance = false });
        _host.Advance(Interval - TimeSpan.FromMilliseconds(1));
        clock.NeedsReading.Should().BeFalse();
        clock.GetUtcNow().Should().Be(_host.GetUtcNow() + _serverAhead);
    }

    [Test]
    public async Task A_reading_that_corrects_the_time_backwards_never_hands_out_an_earlier_time()
    {
        var clock = Clock();
        (await clock.ReadAsync(Server(TimeSpan.Zero))).Accepted.Should().BeTrue();
        _host.Advance(Interval);
        var handedOut = clock.GetUtcNow();

        _serverAhead -= TimeSpan.FromMilliseconds(20);
        (await clock.ReadAsync(Server(TimeSpan.Zero))).Accepted.Should().BeTrue();

        clock.GetUtcNow().Should().Be(handedOut);
        clock.Error.Should().Be(TimeSpan.Zero);
        _host.Advance(TimeSpan.FromMilliseconds(20));
        clock.GetUtcNow().Should().Be(handedOut);
        _host.Advance(TimeSpan.FromMilliseconds(5));
        clock.GetUtcNow().Should().Be(handedOut + TimeSpan.FromMilliseconds(5));
    }

    [Test]
    public async Task A_server_clock_set_back_by_more_than_twice_the_bound_is_followed()
    {
        var clock = Clock();
        (await clock.ReadAsync(Server(TimeSpan.Zero))).Accepted.Should().BeTrue();
        _host.Advance(Interval);
        clock.GetUtcNow().Should().Be(_host.GetUtcNow() + _serverAhead);

        _serverAhead -= TimeSpan.FromHours(1);
        (await clock.ReadAsync(Server(TimeSpan.Zero))).Accepted.Should().BeTrue();

        clock.GetUtcNow().Should().Be(_host.GetUtcNow() + _serverAhead);
    }

    [Test]
    public async Task A_host_suspended_longer_than_half_the_bound_reads_the_server_clock_again_before_it_is_trusted()
    {
        var host = new SuspendableHost(_host);
        var clock = new ServerClock(host, Interval, MaxError);
        (await clock.ReadAsync(Server(TimeSpan.Zero))).Accepted.Should().BeTrue();
        _host.Advance(TimeSpan.FromSeconds(1));
        clock.NeedsReading.Should().BeFalse("a second after a reading, nothing is due");

        // A paused VM: the wall clock and the server go on for five minutes, the monotonic clock does not.
        host.Suspend(TimeSpan.FromMinutes(5));

        clock.NeedsReading.Should().BeTrue("the monotonic clock stood still while the server's went on");
        clock.IsWithinBound.Should().BeFalse("the reading carried on that clock is five minutes behind");
        (await clock.ReadAsync(Server(TimeSpan.Zero))).Accepted.Should().BeTrue();
        clock.GetUtcNow().Should().Be(_host.GetUtcNow() + _serverAhead);
        clock.IsWithinBound.Should().BeTrue();
    }

    /// <summary>A host whose monotonic clock stops while it is suspended, as CLOCK_MONOTONIC does on Linux.</summary>
    private sealed class SuspendableHost(FakeTimeProvider wall) : TimeProvider
    {
        private long _stopped;

        public void Suspend(TimeSpan duration)
        {
            _stopped += (long)(duration.TotalSeconds * wall.TimestampFrequency);
            wall.Advance(duration);
        }

        public override DateTimeOffset GetUtcNow() => wall.GetUtcNow();

        public override long GetTimestamp() => wall.GetTimestamp() - _stopped;

        public override long TimestampFrequency => wall.TimestampFrequency;
    }

    private ServerClock Clock() => new(_host, Interval, MaxError);

    /// <summary>A server that reads its clock halfway through each round trip, the round trips taking <paramref name="roundTrips"/> in turn (the last one repeats).</summary>
    private Func<Task<DateTimeOffset>> Server(params TimeSpan[] roundTrips) => () =>
    {
        var roundTrip = roundTrips[Math.Min(_queries, roundTrips.Length - 1)];
        _queries++;
        _host.Advance(roundTrip / 2);
        var serverTime = _host.GetUtcNow() + _serverAhead;
        _host.Advance(roundTrip / 2);
        return Task.FromResult(serverTime);
    };
}
