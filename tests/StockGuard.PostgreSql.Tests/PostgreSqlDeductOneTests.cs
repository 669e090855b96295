using FluentAssertions;
using Npgsql;
using NUnit.Framework;
using StockGuard.Testing;

namespace StockGuard.PostgreSql.Tests;

/// <summary>
/// How the failures of the one-statement path of a one-line deduct without an idempotency key (atomic strategy) are
/// reported when the statement carries its own commit. What it records is in <see cref="PostgreSqlOneLineDeductTests"/>.
/// </summary>
[TestFixture]
public sealed class PostgreSqlDeductOneTests : PostgreSqlFixture
{
    [Test]
    public async Task A_backend_killed_while_the_statement_waits_for_the_row_lock_reports_that_nothing_changed()
    {
        await using var store = CreateStore(configure: o => o.MaxTransientRetries = 0);
        var key = await StockedAsync(store, 10);
        await using var blocker = await LockRowAsync(key);

        var deduct = store.DeductAsync(new DeductRequest(new StockLine(key, 1)));
        var pid = await WaitForLockWaiterAsync(blocker);
        await PostgreSqlServer.TerminateBackendAsync(pid);

        var error = (await FluentActions.Awaiting(() => deduct).Should().ThrowAsync<StockStoreException>()).Which;
        error.IsTransient.Should().BeTrue();
        error.OutcomeUnknown.Should().BeFalse("the server reported the termination before the statement completed, and it commits only after");
        error.InnerException.Should().BeOfType<PostgresException>().Which.SqlState.Should().Be("57P01");
        await Exec(blocker, "ROLLBACK");
        (await StoredAsync(key)).Should().Be((10L, 0L, 1L));
        (await SalesAsync(key)).Should().BeEmpty();
        (await store.DeductAsync(new DeductRequest(new StockLine(key, 1)))).Succeeded.Should().BeTrue("the pool recovers from the dead connection");
    }

    [Test]
    public async Task Cancelling_while_the_statement_waits_for_the_row_lock_throws_OperationCanceled_and_changes_nothing()
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
        (await StoredAsync(key)).Should().Be((5L, 0L, 1L));
        (await SalesAsync(key)).Should().BeEmpty();
        (await store.DeductAsync(new DeductRequest(new StockLine(key, 2)))).Succeeded.Should().BeTrue();
    }

    [Test]
    public async Task A_lock_timeout_is_a_typed_timeout_and_changes_nothing()
    {
        await using var dataSource = NpgsqlDataSource.Create(PostgreSqlServer.ConnectionString + ";Options=-c lock_timeout=300");
        await using var store = CreateStore(ConcurrencyStrategy.Atomic, dataSource);
        var key = await StockedAsync(store, 5);
        await using var blocker = await LockRowAsync(key);

        var error = await FluentActions.Awaiting(() => store.DeductAsync(new DeductRequest(new StockLine(key, 1))))
            .Should().ThrowAsync<StockStoreTimeoutException>();

        error.Which.InnerException.Should().BeOfType<PostgresException>().Which.SqlState.Should().Be("55P03");
        await Exec(blocker, "ROLLBACK");
        (await StoredAsync(key)).Should().Be((5L, 0L, 1L));
    }

    [Test]
    public async Task A_connection_cut_after_the_statement_was_sent_leaves_the_outcome_unknown_and_the_ledger_whole()
    {
        var direct = new NpgsqlConnectionStringBuilder(PostgreSqlServer.ConnectionString);
        await using var proxy = new SeveringProxy(direct.Host!, direct.Port);
        await using var dataSource = NpgsqlDataSource.Create(new NpgsqlConnectionStringBuilder(PostgreSqlServer.ConnectionString) { Host = "127.0.0.1", Port = proxy.Port }.ConnectionString);
        await using var store = CreateStore(ConcurrencyStrategy.Atomic, dataSource, o => o.MaxTransientRetries = 0);
        var key = await StockedAsync(store, 10);
        await using var blocker = await LockRowAsync(key);

        var deduct = store.DeductAsync(new DeductRequest(new StockLine(key, 1)));
        await WaitForLockWaiterAsync(blocker);
        proxy.Sever();

        var error = (await FluentActions.Awaiting(() => deduct).Should().ThrowAsync<StockStoreException>()).Which;
        error.OutcomeUnknown.Should().BeTrue("the statement reached the server, which goes on with it after the lock is freed");
        error.IsTransient.Should().BeTrue();

        // Whatever the server did with the orphaned statement, the change and its movement went together.
        await Exec(blocker, "ROLLBACK");
        await WaitUntilNoStatementOfThisSchemaRunsAsync();
        var stored = await StoredAsync(key);
        stored.OnHand.Should().BeOneOf(9L, 10L);
        (await LedgerAsync(key)).OnHand.Should().Be(stored.OnHand);
    }

    [Test]
    public void A_pool_the_store_creates_skips_the_reset_and_auto_prepares_unless_the_connection_string_says_otherwise()
    {
        var defaults = new NpgsqlConnectionStringBuilder(PostgreSqlConnections.OwnPoolConnectionString("Host=db;Username=u", transactionPooled: false));
        defaults.NoResetOnClose.Should().BeTrue();
        defaults.MaxAutoPrepare.Should().Be(64);

        var given = new NpgsqlConnectionStringBuilder(PostgreSqlConnections.OwnPoolConnectionString("Host=db;Username=u;No Reset On Close=false;maxautoprepare=0", transactionPooled: false));
        given.NoResetOnClose.Should().BeFalse();
        given.MaxAutoPrepare.Should().Be(0);
    }

    private async Task WaitUntilNoStatementOfThisSchemaRunsAsync()
    {
        await using var watcher = await OpenAsync();
        for (var i = 0; i < 500; i++)
        {
            await using var command = new NpgsqlCommand(
                "SELECT count(*) FROM pg_stat_activity WHERE state = 'active' AND pid <> pg_backend_pid() AND query LIKE '%' || @schema || '%'",
                watcher);
            command.Parameters.AddWithValue("schema", Schema);
            if ((long)(await command.ExecuteScalarAsync())! == 0)
            {
                return;
            }

            await Task.Delay(20);
        }

        throw new AssertionException("A statement of this schema was still running after 10 seconds.");
    }
}
