using System.Globalization;
using FluentAssertions;
using MySqlConnector;
using NUnit.Framework;

namespace StockGuard.MySql.Tests;

/// <summary>
/// A one-line hold, and the confirm or release of a one-line hold, are each one <c>CALL</c> of the schema's procedures
/// (schema version 7), counted by the server on the store's only pooled session, which comes back from them as it was.
/// </summary>
[TestFixture]
public sealed class MySqlOneCommandHoldSessionTests
{
    [TestCase(true)]
    [TestCase(false)]
    public async Task A_one_line_hold_and_its_confirm_or_release_are_one_procedure_call_each(bool confirm)
    {
        await (await MySqlServer.OpenOrSkipAsync()).DisposeAsync();
        var database = MySqlServer.NewDatabaseName("cart");
        var builder = new MySqlConnectionStringBuilder(MySqlServer.ConnectionString) { ConnectionReset = false, MaximumPoolSize = 1 };
        try
        {
            await using var dataSource = new MySqlDataSource(builder.ConnectionString);
            await using var store = new MySqlStockStore(dataSource, new MySqlStockStoreOptions { Schema = database });
            var key = new StockKey("cart-item");
            await store.ReceiveAsync(new ReceiveRequest(new StockLine(key, 10)));
            var before = await CallsAsync(dataSource);

            var hold = (await store.ReserveAsync(new ReserveRequest(TimeSpan.FromMinutes(5), new StockLine(key, 3)))).Hold!;
            var held = await CallsAsync(dataSource);
            var finished = confirm ? await store.ConfirmAsync(hold.Id) : await store.ReleaseAsync(hold.Id);
            var after = await CallsAsync(dataSource);

            finished.Outcome.Should().Be(confirm ? HoldOutcome.Confirmed : HoldOutcome.Released);
            (held - before).Should().Be(1, "the hold is one CALL");
            (after - held).Should().Be(1, "the confirm or release is one CALL");
            (await store.GetLevelAsync(key)).Should().BeEquivalentTo(new { OnHand = confirm ? 7L : 10L, Reserved = 0L, Version = 3L });
            (await store.GetHoldAsync(hold.Id))!.State.Should().Be(confirm ? HoldState.Confirmed : HoldState.Released);
        }
        finally
        {
            await MySqlServer.DropDatabaseAsync(database);
        }
    }

    /// <summary>The procedure calls the pool's one session has made (its session status; the pool never resets it).</summary>
    private static async Task<long> CallsAsync(MySqlDataSource dataSource)
    {
        await using var connection = await dataSource.OpenConnectionAsync();
        var value = await MySqlServer.Exec(connection, "SELECT VARIABLE_VALUE FROM information_schema.SESSION_STATUS WHERE VARIABLE_NAME = 'COM_CALL_PROCEDURE'");
        return Convert.ToInt64(value, CultureInfo.InvariantCulture);
    }
}
