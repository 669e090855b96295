using FluentAssertions;
using MySqlConnector;
using NUnit.Framework;

namespace StockGuard.MySql.Tests;

/// <summary>
/// Failures in the middle of an operation on MySQL/MariaDB: in each case the stock is exactly as before (or exactly as
/// after) and the error is typed. The store's transaction is made to wait by a row lock held from a second connection.
/// </summary>
[TestFixture]
public sealed class MySqlFaultTests : MySqlFixture
{
    [TestCase(ConcurrencyStrategy.Atomic)]
    [TestCase(ConcurrencyStrategy.Pessimistic)]
    [TestCase(ConcurrencyStrategy.Optimistic)]
    public async Task A_connection_killed_while_it_waits_for_a_row_lock_is_a_transient_typed_error_and_changes_nothing(ConcurrencyStrategy strategy)
    {
        await using var store = CreateStore(strategy, configure: o => o.MaxTransientRetries = 0);
        var key = await StockedAsync(store, 10);
        var other = await StockedAsync(store, 10, "a-" + NewSku());
        var before = await store.GetLevelsAsync([key, other]);
        await using var blocker = await LockRowAsync(key);

        // Two lines: the store has changed 'other' (it sorts first) when it waits for 'key'.
        var deduct = store.DeductAsync(new DeductRequest(new StockLine(other, 1), new StockLine(key, 1)));
        var waiter = await WaitForLockWaiterAsync(blocker);
        await MySqlServer.KillAsync(waiter);

        var error = (await FluentActions.Awaiting(() => deduct).Should().ThrowAsync<StockStoreException>()).Which;
        error.Should().NotBeOfType<StockStoreTimeoutException>();
        error.IsTransient.Should().BeTrue();
        error.OutcomeUnknown.Should().BeFalse("the connection died before the commit was sent");
        await Exec(blocker, "ROLLBACK");
        (await store.GetLevelsAsync([key, other])).Should().Equal(before);
        (await LedgerAsync(other)).OnHand.Should().Be(10, "the killed transaction's movement was rolled back with it");
        (await store.DeductAsync(new DeductRequest(new StockLine(key, 1)))).Succeeded.Should().BeTrue("the pool recovers from the dead connection");
    }

    [TestCase(ConcurrencyStrategy.Atomic)]
    [TestCase(ConcurrencyStrategy.Pessimistic)]
    public async Task Cancelling_while_waiting_for_a_row_lock_throws_OperationCanceled_and_changes_nothing(ConcurrencyStrategy strategy)
    {
        await using var store = CreateStore(strategy);
        var key = await StockedAsync(store, 5);
        var other = await StockedAsync(store, 5, "a-" + NewSku());
        var before = await store.GetLevelsAsync([key, other]);
        await using var blocker = await LockRowAsync(key);
        using var cts = new CancellationTokenSource();

        var deduct = store.DeductAsync(new DeductRequest(new StockLine(other, 2), new StockLine(key, 2)) { IdempotencyKey = NewSku("key") }, cts.Token);
        await WaitForLockWaiterAsync(blocker);
        await cts.CancelAsync();

        await FluentActions.Awaiting(() => deduct).Should().ThrowAsync<OperationCanceledException>();
        await Exec(blocker, "ROLLBACK");
        (await store.GetLevelsAsync([key, other])).Should().Equal(before);
        (await store.DeductAsync(new DeductRequest(new StockLine(key, 2)))).Succeeded.Should().BeTrue();
    }

    [Test]
    public async Task A_lock_wait_timeout_is_a_typed_timeout_and_changes_nothing()
    {
        await using var store = CreateStore(ConcurrencyStrategy.Atomic, configure: o => o.LockWaitTimeout = TimeSpan.FromSeconds(1));
        var key = await StockedAsync(store, 5);
        var other = await StockedAsync(store, 5, "a-" + NewSku());
        var before = await store.GetLevelsAsync([key, other]);
        await using var blocker = await LockRowAsync(key);

        var error = await FluentActions.Awaiting(() => store.DeductAsync(new DeductRequest(new StockLine(other, 1), new StockLine(key, 1))))
            .Should().ThrowAsync<StockStoreTimeoutException>();

        error.Which.IsTransient.Should().BeTrue();
        error.Which.InnerException.Should().BeOfType<MySqlException>().Which.ErrorCode.Should().Be(MySqlErrorCode.LockWaitTimeout);
        await Exec(blocker, "ROLLBACK");
        (await store.GetLevelsAsync([key, other])).Should().Equal(before);
    }

    [TestCase(0)]
    [TestCase(3)]
    public async Task A_deadlock_is_retried_within_the_bound_or_reported_as_transient_and_never_applies_twice(int retries)
    {
        await using var store = CreateStore(ConcurrencyStrategy.Atomic, configure: o => o.MaxTransientRetries = retries);
        var first = await StockedAsync(store, 10, "a-" + NewSku());
        var second = await StockedAsync(store, 10, "b-" + NewSku());
        var fillers = new List<StockKey>();
        for (var i = 0; i < 5; i++)
        {
            fillers.Add(await StockedAsync(store, 1));
        }

        // The blocker changes several rows (so InnoDB picks the store, which changed fewer, as the victim) and locks 'second'.
        await using var blocker = await OpenAsync();
        await Exec(blocker, "START TRANSACTION");
        foreach (var filler in fillers)
        {
            await Exec(blocker, $"UPDATE `{Database}`.stock_items SET low_stock_threshold = low_stock_threshold + 1 WHERE sku = @s", ("s", filler.Sku));
        }

        await LockAsync(blocker, second);

        // The store changes 'first', then waits for 'second'; the blocker then asks for 'first': a deadlock.
        var deduct = store.DeductAsync(new DeductRequest(new StockLine(second, 1), new StockLine(first, 1)));
        await WaitForLockWaiterAsync(blocker);
        await LockAsync(blocker, first);
        await Exec(blocker, "ROLLBACK");

        if (retries == 0)
        {
            var error = (await FluentActions.Awaiting(() => deduct).Should().ThrowAsync<StockStoreException>()).Which;
            error.IsTransient.Should().BeTrue();
            error.InnerException.Should().BeOfType<MySqlException>().Which.ErrorCode.Should().Be(MySqlErrorCode.LockDeadlock);
            (await store.GetLevelsAsync([first, second])).Select(l => l.OnHand).Should().Equal(10, 10);
        }
        else
        {
            (await deduct).Succeeded.Should().BeTrue("the victim's whole operation ran again after the deadlock");
            (await store.GetLevelsAsync([first, second])).Select(l => l.OnHand).Should().Equal(9, 9);
            (await LedgerAsync(first)).OnHand.Should().Be(9, "one sale movement, not two");
        }
    }
}
