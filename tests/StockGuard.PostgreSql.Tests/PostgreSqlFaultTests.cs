using FluentAssertions;
using Npgsql;
using NUnit.Framework;

namespace StockGuard.PostgreSql.Tests;

/// <summary>
/// Failures in the middle of an operation: in each case the stock is exactly as before (or exactly as after) and
/// the error is typed. The store's transaction is made to wait by a row lock held from a second connection.
/// </summary>
[TestFixture]
public sealed class PostgreSqlFaultTests : PostgreSqlFixture
{
    [TestCase(ConcurrencyStrategy.Atomic)]
    [TestCase(ConcurrencyStrategy.Pessimistic)]
    [TestCase(ConcurrencyStrategy.Optimistic)]
    public async Task A_connection_killed_by_the_server_mid_transaction_is_a_transient_typed_error_and_changes_nothing(ConcurrencyStrategy strategy)
    {
        await using var store = CreateStore(strategy, configure: o => o.MaxTransientRetries = 0);
        var key = await StockedAsync(store, 10);
        var other = await StockedAsync(store, 10);
        var before = await store.GetLevelsAsync([key, other]);
        await using var blocker = await LockRowAsync(key);

        // Two lines: the store has taken 'other' (or is about to) when it waits for 'key'.
        var deduct = store.DeductAsync(new DeductRequest(new StockLine(other, 1), new StockLine(key, 1)));
        var pid = await WaitForLockWaiterAsync(blocker);
        await PostgreSqlServer.TerminateBackendAsync(pid);

        var error = (await FluentActions.Awaiting(() => deduct).Should().ThrowAsync<StockStoreException>()).Which;
        error.IsTransient.Should().BeTrue();
        error.OutcomeUnknown.Should().BeFalse("the connection died before the commit was sent");
        await Exec(blocker, "ROLLBACK");
        (await store.GetLevelsAsync([key, other])).Should().Equal(before);
        (await store.DeductAsync(new DeductRequest(new StockLine(key, 1)))).Succeeded.Should().BeTrue("the pool recovers from the dead connection");
    }

    [TestCase(ConcurrencyStrategy.Atomic)]
    [TestCase(ConcurrencyStrategy.Pessimistic)]
    public async Task Cancelling_while_waiting_for_a_row_lock_throws_OperationCanceled_and_changes_nothing(ConcurrencyStrategy strategy)
    {
        await using var store = CreateStore(strategy);
        var key = await StockedAsync(store, 5);
        var other = await StockedAsync(store, 5);
        var before = await store.GetLevelsAsync([key, other]);
        await using var blocker = await LockRowAsync(key);
        using var cts = new CancellationTokenSource();

        var deduct = store.DeductAsync(new DeductRequest(new StockLine(other, 2), new StockLine(key, 2)) { IdempotencyKey = NewSku("key") }, cts.Token);
        await WaitForLockWaiterAsync(blocker);
        await cts.CancelAsync();

        await FluentActions.Awaiting(() => deduct).Should().ThrowAsync<OperationCanceledException>();
        await Exec(blocker, "ROLLBACK");
        (await store.GetLevelsAsync([key, other])).Should().Equal(before);
        (await StoredAsync(key)).OnHand.Should().Be(5);
    }

    [TestCase("lock_timeout")]
    [TestCase("statement_timeout")]
    public async Task A_lock_or_statement_timeout_is_a_typed_timeout_and_changes_nothing(string setting)
    {
        await using var dataSource = NpgsqlDataSource.Create(PostgreSqlServer.ConnectionString + $";Options=-c {setting}=300");
        await using var store = CreateStore(ConcurrencyStrategy.Atomic, dataSource);
        var key = await StockedAsync(store, 5);
        var other = await StockedAsync(store, 5);
        var before = await store.GetLevelsAsync([key, other]);
        await using var blocker = await LockRowAsync(key);

        var error = await FluentActions.Awaiting(() => store.DeductAsync(new DeductRequest(new StockLine(other, 1), new StockLine(key, 1))))
            .Should().ThrowAsync<StockStoreTimeoutException>();

        error.Which.IsTransient.Should().BeTrue();
        error.Which.InnerException.Should().BeOfType<PostgresException>().Which.SqlState.Should().Be(setting == "lock_timeout" ? "55P03" : "57014");
        await Exec(blocker, "ROLLBACK");
        (await store.GetLevelsAsync([key, other])).Should().Equal(before);
    }

    [Test]
    public async Task A_commit_whose_reply_was_lost_is_retried_with_its_key_and_moves_stock_once()
    {
        await using var store = CreateStore();
        var key = await StockedAsync(store, 10);
        var request = new DeductRequest(new StockLine(key, 3)) { IdempotencyKey = NewSku("order"), Reference = "order-1" };

        // The first call commits; its caller is taken to have lost the reply and sends the same request again,
        // from another store instance (another app server) over another pool.
        var first = await store.DeductAsync(request);
        await using var otherPool = NpgsqlDataSource.Create(PostgreSqlServer.ConnectionString);
        await using var otherServer = CreateStore(ConcurrencyStrategy.Pessimistic, otherPool);
        var retry = await otherServer.DeductAsync(new DeductRequest(new StockLine(key, 3)) { IdempotencyKey = request.IdempotencyKey, Reference = "order-1" });

        retry.IsReplay.Should().BeTrue();
        retry.Should().BeEquivalentTo(first, o => o.Excluding(r => r.IsReplay));
        (await store.GetLevelAsync(key))!.OnHand.Should().Be(7);
        (await LedgerAsync(key)).OnHand.Should().Be(7, "one sale movement, not two");
    }

    [Test]
    public async Task The_sweep_skips_a_hold_another_transaction_has_locked_and_releases_the_rest()
    {
        await using var store = CreateStore();
        var key = await StockedAsync(store, 10);
        var locked = (await store.ReserveAsync(new ReserveRequest(TimeSpan.FromMinutes(1), new StockLine(key, 2)))).Hold!;
        var free = (await store.ReserveAsync(new ReserveRequest(TimeSpan.FromMinutes(1), new StockLine(key, 3)))).Hold!;
        Time.Advance(TimeSpan.FromMinutes(2));
        await using var blocker = await OpenAsync();
        await Exec(blocker, "BEGIN");
        await Exec(blocker, $"SELECT id FROM \"{Schema}\".stock_holds WHERE id = '{locked.Id}' FOR UPDATE");

        var swept = await store.SweepAsync().WaitAsync(TimeSpan.FromSeconds(30));

        swept.ExpiredHolds.Should().BeGreaterThanOrEqualTo(1);
        await Exec(blocker, "ROLLBACK");
        (await StoredAsync(key)).Reserved.Should().Be(0, "the sweep gave back the free hold's line and, with the item locked, every expired line on it");
        (await store.GetHoldAsync(free.Id))!.State.Should().Be(HoldState.Expired);
        (await store.SweepAsync()).ExpiredHolds.Should().Be(1, "the skipped hold is claimed by the next sweep");
        (await LedgerAsync(key)).Should().Be((10L, 0L));
    }
}
