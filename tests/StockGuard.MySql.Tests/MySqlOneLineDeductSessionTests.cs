using FluentAssertions;
using MySqlConnector;
using NUnit.Framework;

namespace StockGuard.MySql.Tests;

/// <summary>
/// The one-line deduct's procedure runs in the store's database, not the connection's: the pooled session must come
/// back from it as it was, so that a pool that keeps its sessions (no reset on reuse) keeps them, and with them the
/// server's cached procedure.
/// </summary>
[TestFixture]
public sealed class MySqlOneLineDeductSessionTests
{
    [TestCase(false)]
    [TestCase(true)]
    public async Task A_one_line_sale_leaves_its_pooled_session_to_be_handed_out_again_without_a_reset(bool keyed)
    {
        await (await MySqlServer.OpenOrSkipAsync()).DisposeAsync();
        var database = MySqlServer.NewDatabaseName("session");
        var builder = new MySqlConnectionStringBuilder(MySqlServer.ConnectionString) { ConnectionReset = false, MaximumPoolSize = 1 };
        builder.Database.Should().NotBe(database, "the procedure must run in another database than the connection's");
        try
        {
            await using var dataSource = new MySqlDataSource(builder.ConnectionString);
            await using var store = new MySqlStockStore(dataSource, new MySqlStockStoreOptions { Schema = database });
            var key = new StockKey("session-item");
            await store.ReceiveAsync(new ReceiveRequest(new StockLine(key, 10)));
            int sessionId;
            await using (var connection = await dataSource.OpenConnectionAsync())
            {
                sessionId = connection.ServerThread;
                await MySqlServer.Exec(connection, "SET SESSION sql_select_limit = 4242");
            }

            var sold = await store.DeductAsync(new DeductRequest(new StockLine(key, 3)) { IdempotencyKey = keyed ? Guid.NewGuid().ToString("N") : null });

            sold.Levels.Should().ContainSingle().Which.OnHand.Should().Be(7);
            await using (var connection = await dataSource.OpenConnectionAsync())
            {
                connection.ServerThread.Should().Be(sessionId, "the pool holds one session");
                (await MySqlServer.Exec(connection, "SELECT @@SESSION.sql_select_limit")).Should().Be(4242UL, "a reset would have restored the session's settings, and emptied its cached procedures");
            }
        }
        finally
        {
            await MySqlServer.DropDatabaseAsync(database);
        }
    }

    /// <summary>
    /// The sale is made by the procedure itself, not by the transactional path after an empty row set: the pool's one
    /// session receives the command's two statements and nothing else. With <paramref name="mySqlBody"/> the procedures
    /// are MySQL's text (the level read from the item's row instead of MariaDB's <c>INSERT … RETURNING</c>).
    /// </summary>
    [TestCase(false, false)]
    [TestCase(true, false)]
    [TestCase(false, true)]
    [TestCase(true, true)]
    public async Task A_one_line_sale_is_made_by_its_one_procedure_call(bool keyed, bool mySqlBody)
    {
        await (await MySqlServer.OpenOrSkipAsync()).DisposeAsync();
        var database = MySqlServer.NewDatabaseName("onecall");
        var builder = new MySqlConnectionStringBuilder(MySqlServer.ConnectionString) { ConnectionReset = false, MaximumPoolSize = 1 };
        try
        {
            if (mySqlBody)
            {
                await MySqlBodyAtomicMySqlTestProvider.CreateWithMySqlBodyAsync(database);
            }

            await using var dataSource = new MySqlDataSource(builder.ConnectionString);
            await using var store = new MySqlStockStore(dataSource, new MySqlStockStoreOptions { Schema = database, Clock = StockGuard.Sql.SqlClock.TimeProvider });
            var key = new StockKey("one-call-item");
            await store.ReceiveAsync(new ReceiveRequest(new StockLine(key, 10)));
            var before = await StatementsAsync(dataSource);

            var sold = await store.DeductAsync(new DeductRequest(new StockLine(key, 3)) { Reference = "one call", IdempotencyKey = keyed ? "one-call-key" : null });
            var after = await StatementsAsync(dataSource);

            sold.Levels.Should().ContainSingle().Which.Should().BeEquivalentTo(new { Key = key, OnHand = 7L, Reserved = 0L, Version = 2L });
            (after - before).Should().Be(3, "the sale is the command's SET and CALL (and the count's own SELECT), with no transaction after it");
            var page = await store.ReadChangesAsync(StockGuard.Changes.StockChangePosition.Start);
            page.Changes.Select(c => (c.Kind, c.OnHandDelta, c.Reference, c.LevelAfter?.OnHand, c.LevelAfter?.Version))
                .Should().Equal((StockMovementKind.Receipt, 10L, (string?)null, (long?)10L, (long?)1L), (StockMovementKind.Sale, -3L, "one call", 7L, 2L));
            var replayed = await store.DeductAsync(new DeductRequest(new StockLine(key, 3)) { Reference = "one call", IdempotencyKey = keyed ? "one-call-key" : null });
            replayed.Levels.Should().ContainSingle().Which.OnHand.Should().Be(keyed ? 7L : 4L, keyed ? "the key replays the first sale" : "a sale without a key sells again");
        }
        finally
        {
            await MySqlServer.DropDatabaseAsync(database);
        }
    }

    /// <summary>The statements the pool's one session has received from its client (not those its procedures ran).</summary>
    private static async Task<long> StatementsAsync(MySqlDataSource dataSource)
    {
        await using var connection = await dataSource.OpenConnectionAsync();
        var value = await MySqlServer.Exec(connection, "SELECT VARIABLE_VALUE FROM information_schema.SESSION_STATUS WHERE VARIABLE_NAME = 'QUESTIONS'");
        return Convert.ToInt64(value, System.Globalization.CultureInfo.InvariantCulture);
    }
}
