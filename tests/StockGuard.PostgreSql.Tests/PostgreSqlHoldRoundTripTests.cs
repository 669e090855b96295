using System.Collections.Concurrent;
using System.Diagnostics;
using FluentAssertions;
using NUnit.Framework;

namespace StockGuard.PostgreSql.Tests;

/// <summary>
/// What a hold's confirm and release send: the commands Npgsql traces under the test's own activity (so that other
/// tests running at the same time are not counted).
/// </summary>
[TestFixture]
public sealed class PostgreSqlHoldRoundTripTests : PostgreSqlFixture
{
    private const string TestSourceName = "StockGuard.PostgreSql.Tests.RoundTrips";

    private static readonly ActivitySource TestSource = new(TestSourceName);

    [Test]
    public async Task A_confirm_locks_the_items_and_the_hold_and_reads_its_lines_in_one_round_trip_then_writes_in_one()
    {
        await using var store = CreateStore();
        var first = await StockedAsync(store, 10, "b-" + NewSku());
        var second = await StockedAsync(store, 10, "a-" + NewSku());
        var hold = (await store.ReserveAsync(new ReserveRequest(TimeSpan.FromMinutes(5), new StockLine(first, 2), new StockLine(second, 3)))).Hold!;

        var (result, commands) = await TracedAsync(() => store.ConfirmAsync(hold.Id));

        result.Outcome.Should().Be(HoldOutcome.Confirmed);
        commands.Should().Be(2, "one batch locks the items, then the hold, and reads its lines; one batch writes (the commit is not traced)");
        (await Server.StoredAsync(first)).Should().Be((8L, 0L, 3L), "received (1), held (2), sold (3)");
        (await Server.StoredAsync(second)).Should().Be((7L, 0L, 3L));
    }

    [Test]
    public async Task A_release_of_a_confirmed_hold_locks_only_the_hold_and_changes_nothing()
    {
        await using var store = CreateStore();
        var key = await StockedAsync(store, 10);
        var hold = (await store.ReserveAsync(new ReserveRequest(TimeSpan.FromMinutes(5), new StockLine(key, 4)))).Hold!;
        (await store.ConfirmAsync(hold.Id)).Outcome.Should().Be(HoldOutcome.Confirmed);

        var (result, commands) = await TracedAsync(() => FluentActions.Awaiting(() => store.ReleaseAsync(hold.Id)).Should().ThrowAsync<HoldStateException>());

        result.Which.State.Should().Be(HoldState.Confirmed);
        commands.Should().Be(1, "the hold is read under its lock with its lines, and nothing is written");
        (await Server.StoredAsync(key)).Should().Be((6L, 0L, 3L), "received (1), held (2), sold (3): the release changed nothing");
    }

    /// <summary>Runs <paramref name="action"/> under an activity of its own and counts the commands Npgsql traced under it.</summary>
    private static async Task<(T Result, int Commands)> TracedAsync<T>(Func<Task<T>> action)
    {
        var commands = new ConcurrentBag<Activity>();
        ActivityTraceId? trace = null;
        using var listener = new ActivityListener
        {
            ShouldListenTo = source => source.Name is "Npgsql" or TestSourceName,
            Sample = (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.AllDataAndRecorded,
            ActivityStopped = activity =>
            {
                if (activity.Source.Name == "Npgsql" && activity.TraceId == trace)
                {
                    commands.Add(activity);
                }
            },
        };
        ActivitySource.AddActivityListener(listener);
        T result;
        using (var root = TestSource.StartActivity("confirm or release") ?? throw new InvalidOperationException("The test's activity was not sampled."))
        {
            trace = root.TraceId;
            result = await action();
        }

        return (result, commands.Count);
    }
}
