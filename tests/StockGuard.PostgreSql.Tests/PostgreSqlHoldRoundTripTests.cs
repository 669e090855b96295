using System.Collections.Concurrent;
using System.Diagnostics;
using FluentAssertions;
using NUnit.Framework;

namespace StockGuard.PostgreSql.Tests;

/// <summary>
/// What a hold, its confirm and its release send: the commands Npgsql traces under the test's own activity (so that other
/// tests running at the same time are not counted).
/// </summary>
[TestFixture]
public sealed class PostgreSqlHoldRoundTripTests : PostgreSqlFixture
{
    private const string TestSourceName = "StockGuard.PostgreSql.Tests.RoundTrips";

    private static readonly ActivitySource TestSource = new(TestSourceName);

    [Test]
    public async Task A_one_line_hold_is_one_command()
    {
        await using var store = CreateStore();
        var key = await StockedAsync(store, 10);

        var (result, commands) = await TracedAsync(() => store.ReserveAsync(new ReserveRequest(TimeSpan.FromMinutes(5), new StockLine(key, 2))));

        result.Succeeded.Should().BeTrue();
        commands.Should().Be(1, "the change, the hold, its line and its movement are one autocommitted statement");
        (await Server.StoredAsync(key)).Should().Be((10L, 2L, 2L));
    }

    [Test]
    public async Task A_confirm_is_one_batch_that_locks_the_items_then_writes()
    {
        await using var store = CreateStore();
        var first = await StockedAsync(store, 10, "b-" + NewSku());
        var second = await StockedAsync(store, 10, "a-" + NewSku());
        var hold = (await store.ReserveAsync(new ReserveRequest(TimeSpan.FromMinutes(5), new StockLine(first, 2), new StockLine(second, 3)))).Hold!;

        var (result, commands) = await TracedAsync(() => store.ConfirmAsync(hold.Id));

        result.Outcome.Should().Be(HoldOutcome.Confirmed);
        commands.Should().Be(1, "one batch in one implicit transaction: the items locked in key order, then the hold, its lines, the items and the movements written");
        (await Server.StoredAsync(first)).Should().Be((8L, 0L, 3L), "received (1), held (2), sold (3)");
        (await Server.StoredAsync(second)).Should().Be((7L, 0L, 3L));
    }

    [Test]
    public async Task A_release_is_one_batch()
    {
        await using var store = CreateStore();
        var key = await StockedAsync(store, 10);
        var hold = (await store.ReserveAsync(new ReserveRequest(TimeSpan.FromMinutes(5), new StockLine(key, 4)))).Hold!;

        var (result, commands) = await TracedAsync(() => store.ReleaseAsync(hold.Id));

        result.Outcome.Should().Be(HoldOutcome.Released);
        commands.Should().Be(1);
        (await Server.StoredAsync(key)).Should().Be((10L, 0L, 3L));
    }

    [Test]
    public async Task A_release_of_a_confirmed_hold_changes_nothing_in_the_batch_then_locks_only_the_hold()
    {
        await using var store = CreateStore();
        var key = await StockedAsync(store, 10);
        var hold = (await store.ReserveAsync(new ReserveRequest(TimeSpan.FromMinutes(5), new StockLine(key, 4)))).Hold!;
        (await store.ConfirmAsync(hold.Id)).Outcome.Should().Be(HoldOutcome.Confirmed);

        var (result, commands) = await TracedAsync(() => FluentActions.Awaiting(() => store.ReleaseAsync(hold.Id)).Should().ThrowAsync<HoldStateException>());

        result.Which.State.Should().Be(HoldState.Confirmed);
        commands.Should().Be(2, "the batch finds no active hold and changes nothing; the transaction reads the hold under its lock with its lines, and writes nothing");
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
