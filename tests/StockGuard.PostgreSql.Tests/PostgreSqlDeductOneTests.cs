using FluentAssertions;
using Npgsql;
using NUnit.Framework;
using StockGuard.Testing;

namespace StockGuard.PostgreSql.Tests;

/// <summary>
/// The one-statement path of a one-line deduct without an idempotency key (atomic strategy): what it records, when it
/// hands over to the transactional path, and how its failures are reported when the statement carries its own commit.
/// </summary>
[TestFixture]
public sealed class PostgreSqlDeductOneTests : PostgreSqlFixture
{
    [Test]
    public async Task A_one_line_sale_writes_its_movement_and_returns_the_new_level()
    {
        await using var store = CreateStore();
        var key = await StockedAsync(store, 10);

        var result = await store.DeductAsync(new DeductRequest(new StockLine(key, 3)) { Reference = "order-7" });

        result.Succeeded.Should().BeTrue();
        result.Levels.Should().ContainSingle().Which.Should().BeEquivalentTo(new { Key = key, OnHand = 7L, Reserved = 0L, Version = 2L });
        (await StoredAsync(key)).Should().Be((7L, 0L, 2L));
        (await LedgerAsync(key)).Should().Be((7L, 0L));
        (await SalesAsync(key)).Should().Equal((-3L, 0L, "order-7"));
    }

    [Test]
    public async Task The_level_it_returns_leaves_out_expired_holds_not_yet_given_back()
    {
        await using var store = CreateStore();
        var key = await StockedAsync(store, 10);
        (await store.ReserveAsync(new ReserveRequest(TimeSpan.FromMinutes(1), new StockLine(key, 3)))).Succeeded.Should().BeTrue();
        Time.Advance(TimeSpan.FromMinutes(2));

        // The stored counts still cover the sale (7 sellable), so the one statement applies it without releasing the hold.
        var result = await store.DeductAsync(new DeductRequest(new StockLine(key, 1)));

        result.Succeeded.Should().BeTrue();
        result.Levels[0].Should().BeEquivalentTo(new { OnHand = 9L, Reserved = 0L, Available = 9L });
        (await StoredAsync(key)).Should().Be((9L, 3L, 3L), "the expired hold is still stored until a sweep or a buyer needs its units");
        (await LedgerAsync(key)).Should().Be((9L, 3L));
    }

    [Test]
    public async Task An_item_whose_expired_holds_must_be_given_back_first_still_sells()
    {
        await using var store = CreateStore();
        var key = await StockedAsync(store, 5);
        var hold = (await store.ReserveAsync(new ReserveRequest(TimeSpan.FromMinutes(1), new StockLine(key, 5)))).Hold!;
        Time.Advance(TimeSpan.FromMinutes(2));

        var result = await store.DeductAsync(new DeductRequest(new StockLine(key, 4)));

        result.Succeeded.Should().BeTrue("the transactional path gives the expired hold back and sells");
        result.Levels[0].Should().BeEquivalentTo(new { OnHand = 1L, Reserved = 0L });
        (await StoredAsync(key)).Should().Be((1L, 0L, 4L));
        (await LedgerAsync(key)).Should().Be((1L, 0L));
        (await store.GetHoldAsync(hold.Id))!.State.Should().Be(HoldState.Expired);
    }

    [Test]
    public async Task A_short_deduct_is_refused_with_what_was_available_and_writes_nothing()
    {
        await using var store = CreateStore();
        var key = await StockedAsync(store, 2);

        var result = await store.DeductAsync(new DeductRequest(new StockLine(key, 3)));

        result.Succeeded.Should().BeFalse();
        result.ShortLines.Should().ContainSingle().Which.Should().BeEquivalentTo(new ShortLine(key, 3, 2));
        (await StoredAsync(key)).Should().Be((2L, 0L, 1L));
        (await SalesAsync(key)).Should().BeEmpty();
    }

    [Test]
    public async Task An_unknown_item_is_a_typed_error()
    {
        await using var store = CreateStore();

        await FluentActions.Awaiting(() => store.DeductAsync(new DeductRequest(new StockLine(new StockKey(NewSku()), 1))))
            .Should().ThrowAsync<StockItemNotFoundException>();
    }

    [Test]
    public async Task A_backend_killed_while_the_statement_waits_for_the_row_lock_reports_that_nothing_changed()
    {
        await using var store = CreateStore(configure: o => o.MaxTransientRetries = 0);
        var key = await StockedAsync(store, 10);
        await using var blocker = await LockRowAsync(key);

        var deduct = store.DeductAsync(new DeductRequest(new StockLine(key, 1)));
        var pid = await WaitForLockWaiterAsync(blocker);
        await using (var killer = await OpenAsync())
        {
            await using var kill = new NpgsqlCommand("SELECT pg_terminate_backend(@pid)", killer);
            kill.Parameters.AddWithValue("pid", pid);
            (await kill.ExecuteScalarAsync()).Should().Be(true);
        }

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
        var defaults = new NpgsqlConnectionStringBuilder(PostgreSqlStockStore.OwnPoolConnectionString("Host=db;Username=u"));
        defaults.NoResetOnClose.Should().BeTrue();
        defaults.MaxAutoPrepare.Should().Be(64);

        var given = new NpgsqlConnectionStringBuilder(PostgreSqlStockStore.OwnPoolConnectionString("Host=db;Username=u;No Reset On Close=false;maxautoprepare=0"));
        given.NoResetOnClose.Should().BeFalse();
        given.MaxAutoPrepare.Should().Be(0);
    }

    /// <summary>The sale movements of an item: on-hand delta, reserved delta, reference.</summary>
    private async Task<List<(long OnHand, long Reserved, string? Reference)>> SalesAsync(StockKey key)
    {
        await using var connection = await OpenAsync();
        await using var command = new NpgsqlCommand(
            $"SELECT on_hand_delta, reserved_delta, reference FROM \"{Schema}\".stock_movements WHERE sku = @s AND location = @l AND kind = 'sale' ORDER BY id",
            connection);
        command.Parameters.AddWithValue("s", key.Sku);
        command.Parameters.AddWithValue("l", key.Location);
        await using var reader = await command.ExecuteReaderAsync();
        var sales = new List<(long, long, string?)>();
        while (await reader.ReadAsync())
        {
            sales.Add((reader.GetInt64(0), reader.GetInt64(1), reader.IsDBNull(2) ? null : reader.GetString(2)));
        }

        return sales;
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
