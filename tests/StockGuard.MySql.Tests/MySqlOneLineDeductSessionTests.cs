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
}
