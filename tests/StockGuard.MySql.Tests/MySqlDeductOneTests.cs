using FluentAssertions;
using MySqlConnector;
using NUnit.Framework;
using StockGuard.Testing;

namespace StockGuard.MySql.Tests;

/// <summary>
/// How the failures of the one-command path of a one-line deduct without an idempotency key (atomic strategy) are
/// reported when the command carries its own commit. What it records is in <see cref="MySqlOneLineDeductTests"/>.
/// </summary>
[TestFixture]
public sealed class MySqlDeductOneTests : MySqlFixture
{
    [Test]
    public async Task A_connection_killed_while_the_command_waits_for_the_row_lock_reports_that_nothing_changed()
    {
        await using var store = CreateStore(configure: o => o.MaxTransientRetries = 0);
        var key = await StockedAsync(store, 10);
        await using var blocker = await LockRowAsync(key);

        var deduct = store.DeductAsync(new DeductRequest(new StockLine(key, 1)));
        var waiter = await WaitForLockWaiterAsync(blocker);
        await MySqlServer.KillAsync(waiter);

        // MariaDB closes a killed connection without an error packet: the client cannot tell a kill from a network
        // failure after the command was sent, so the outcome is reported unknown (MySQL may report the kill: known).
        var error = (await FluentActions.Awaiting(() => deduct).Should().ThrowAsync<StockStoreException>()).Which;
        error.IsTransient.Should().BeTrue();
        if (error.InnerException is MySqlException { SqlState: not null })
        {
            error.OutcomeUnknown.Should().BeFalse("the server reported the kill before the command's commit");
        }
        else
        {
            error.OutcomeUnknown.Should().BeTrue("the connection closed after the command was sent, with no word from the server");
        }

        await Exec(blocker, "ROLLBACK");
        (await LedgerAsync(key)).Should().Be((10L, 0L));
        (await store.GetLevelAsync(key))!.OnHand.Should().Be(10, "the server never ran the COMMIT of a killed command");
        (await store.DeductAsync(new DeductRequest(new StockLine(key, 1)))).Succeeded.Should().BeTrue("the pool recovers from the dead connection");
    }

    [Test]
    public async Task Cancelling_while_the_command_waits_for_the_row_lock_throws_OperationCanceled_and_changes_nothing()
    {
        await using var store = CreateStore();
        var key = await StockedAsync(store, 5);
        await using var blocker = await LockRowAsync(key);
        using var cts = new CancellationTokenSource();

        var deduct = store.DeductAsync(new DeductRequest(new StockLine(key, 2)), cts.Token);
        await WaitForLockWaiterAsync(blocker);
        await cts.CancelAsync();

        await FluentActions.Awaiting(() => deduct).Should().ThrowAsync<OperationCanceledException>();
        await Exec(blocker, "ROLLBACK");
        (await LedgerAsync(key)).Should().Be((5L, 0L));
        (await store.GetLevelAsync(key))!.OnHand.Should().Be(5);
        (await store.DeductAsync(new DeductRequest(new StockLine(key, 2)))).Succeeded.Should().BeTrue();
    }

    [Test]
    public async Task A_lock_wait_timeout_is_a_typed_timeout_and_leaves_no_transaction_open_on_a_pooled_connection_kept_without_reset()
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

        await Exec(blocker, "ROLLBACK");
        (await LedgerAsync(key)).Should().Be((5L, 0L));
    }

    [Test]
    public async Task A_connection_cut_after_the_command_was_sent_leaves_the_outcome_unknown_and_the_ledger_whole()
    {
        var direct = new MySqlConnectionStringBuilder(MySqlServer.ConnectionString);
        await using var proxy = new SeveringProxy(direct.Server, (int)direct.Port);
        await using var dataSource = new MySqlDataSource(new MySqlConnectionStringBuilder(MySqlServer.ConnectionString) { Server = "127.0.0.1", Port = (uint)proxy.Port }.ConnectionString);
        await using var store = CreateStore(ConcurrencyStrategy.Atomic, dataSource, o => o.MaxTransientRetries = 0);
        var key = await StockedAsync(store, 10);
        await using var blocker = await LockRowAsync(key);

        var deduct = store.DeductAsync(new DeductRequest(new StockLine(key, 1)));
        await WaitForLockWaiterAsync(blocker);
        proxy.Sever();

        var error = (await FluentActions.Awaiting(() => deduct).Should().ThrowAsync<StockStoreException>()).Which;
        error.OutcomeUnknown.Should().BeTrue("the command reached the server, which may go on with it after the lock is freed");
        error.IsTransient.Should().BeTrue();

        // Whatever the server did with the orphaned command, the change and its movement went together.
        await Exec(blocker, "ROLLBACK");
        await WaitUntilNoCommandOfThisDatabaseRunsAsync();
        var onHand = (await store.GetLevelAsync(key))!.OnHand;
        onHand.Should().BeOneOf(9L, 10L);
        (await LedgerAsync(key)).OnHand.Should().Be(onHand);
    }

    private async Task WaitUntilNoCommandOfThisDatabaseRunsAsync()
    {
        await using var watcher = await OpenAsync();
        for (var i = 0; i < 500; i++)
        {
            var running = await Exec(
                watcher,
                "SELECT COUNT(*) FROM information_schema.PROCESSLIST WHERE COMMAND = 'Query' AND ID <> CONNECTION_ID() AND INFO LIKE CONCAT('%', @db, '%')",
                ("db", Database));
            if (Convert.ToInt64(running, System.Globalization.CultureInfo.InvariantCulture) == 0)
            {
                return;
            }

            await Task.Delay(20);
        }

        throw new AssertionException("A command of this database was still running after 10 seconds.");
    }
}
