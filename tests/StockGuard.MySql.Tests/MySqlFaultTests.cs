using FluentAssertions;
using MySqlConnector;
using NUnit.Framework;
using StockGuard.Testing;

namespace StockGuard.MySql.Tests;

/// <summary>Failures in the middle of a transaction on MySQL and MariaDB.</summary>
public sealed class MySqlSqlFaultTests : SqlFaultTests<AtomicMySqlTestProvider>;

/// <summary>Failures of the one-command sale on MySQL and MariaDB.</summary>
public sealed class MySqlOneLineDeductFaultTests : OneLineDeductFaultTests<AtomicMySqlTestProvider>;

/// <summary>Store instances over separate pools on one MySQL or MariaDB database.</summary>
public sealed class MySqlPoolTests : SqlPoolTests<AtomicMySqlTestProvider>;

/// <summary>
/// Failures only InnoDB shows: it detects a deadlock at once and rolls one transaction back (the one that changed fewer
/// rows), where PostgreSQL's strategies never deadlock on the store's own lock order; and MySqlConnector keeps a pooled
/// connection without a reset when told, so a failed command must not leave its transaction open on it.
/// </summary>
[TestFixture]
public sealed class MySqlFaultTests : MySqlFixture
{
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
        await using var blocker = await LockRowAsync(fillers[0]);
        foreach (var filler in fillers)
        {
            await Exec(blocker.Connection, $"UPDATE `{Database}`.stock_items SET low_stock_threshold = low_stock_threshold + 1 WHERE sku = @s", ("s", filler.Sku));
        }

        await blocker.LockAsync(Database, second);

        // The store changes 'first', then waits for 'second'; the blocker then asks for 'first': a deadlock.
        var deduct = store.DeductAsync(new DeductRequest(new StockLine(second, 1), new StockLine(first, 1)));
        await Server.WaitForLockWaiterAsync(blocker);
        await blocker.LockAsync(Database, first);
        await blocker.ReleaseAsync();

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
            (await Server.LedgerAsync(first)).OnHand.Should().Be(9, "one sale movement, not two");
        }
    }

    [Test]
    public async Task A_lock_wait_timeout_of_the_one_line_deduct_leaves_no_transaction_open_on_a_pooled_connection_kept_without_reset()
    {
        // One pooled connection, never reset: the next user of it would inherit an open transaction.
        await using var dataSource = new MySqlDataSource(new MySqlConnectionStringBuilder(MySqlServer.ConnectionString) { MaximumPoolSize = 1, ConnectionReset = false }.ConnectionString);
        await using var store = CreateStore(ConcurrencyStrategy.Atomic, dataSource, o => o.LockWaitTimeout = TimeSpan.FromSeconds(1));
        var key = await StockedAsync(store, 5);
        await using var blocker = await LockRowAsync(key);

        var error = await FluentActions.Awaiting(() => store.DeductAsync(new DeductRequest(new StockLine(key, 1))))
            .Should().ThrowAsync<StockStoreTimeoutException>();

        error.Which.InnerException.Should().BeOfType<MySqlException>().Which.ErrorCode.Should().Be(MySqlErrorCode.LockWaitTimeout);
        await using (var pooled = await dataSource.OpenConnectionAsync())
        {
            (await Exec(pooled, "SELECT @@in_transaction")).Should().Be(0, "the failed command's transaction was rolled back before the connection went back");
        }

        await blocker.ReleaseAsync();
        (await Server.LedgerAsync(key)).Should().Be((5L, 0L));
    }
}
