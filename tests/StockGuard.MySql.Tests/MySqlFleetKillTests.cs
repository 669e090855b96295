using System.Diagnostics;
using MySqlConnector;
using NUnit.Framework;
using StockGuard.Testing;

namespace StockGuard.MySql.Tests;

/// <summary>A fleet of processes selling one hot item with coalescing on MySQL, one killed while its batch waits for the row.</summary>
[TestFixture]
public sealed class MySqlFleetKillTests : MySqlFixture
{
    [TestCase(false)]
    [TestCase(true)]
    public async Task A_process_killed_mid_batch_leaves_the_other_processes_buyers_with_truthful_answers_and_the_stock_conserved(bool keyed)
    {
        await using var store = CreateStore();
        var connection = new MySqlConnectionStringBuilder(MySqlServer.ConnectionString) { Database = Database }.ConnectionString;
        await FleetKill.RunAsync(
            store,
            Provider.Server.Tables,
            "mysql",
            connection,
            Database,
            Server.LockItemAsync,
            () => CountLockWaitersAsync(Database),
            keyed);
    }

    [Test]
    public async Task The_lock_waiter_count_sees_a_session_that_starts_waiting_while_it_is_being_polled()
    {
        var key = new StockKey($"count-{Guid.NewGuid():N}");
        await using var store = CreateStore();
        await store.ReceiveAsync(new ReceiveRequest(new StockLine(key, 5)));
        await using var blocker = await LockRowAsync(key);

        await using var waiter = new MySqlConnection(new MySqlConnectionStringBuilder(MySqlServer.ConnectionString) { Database = Database }.ConnectionString);
        await waiter.OpenAsync();

        // Polled back to back, as the fleet test polls, from just before the wait begins until it is seen.
        Assert.That(await CountLockWaitersAsync(Database), Is.Zero, "nothing waits yet");
        var waiting = MySqlServer.Exec(waiter, "UPDATE stock_items SET version = version + 1 WHERE sku = @s AND location = @l", ("s", key.Sku), ("l", key.Location));
        var watch = Stopwatch.StartNew();
        var seen = 0;
        while (seen == 0 && watch.Elapsed < TimeSpan.FromSeconds(5) && !waiting.IsCompleted)
        {
            seen = await CountLockWaitersAsync(Database);
        }

        await blocker.ReleaseAsync();
        await waiting;
        Assert.That(seen, Is.EqualTo(1), "the session waiting for the row lock is counted while it waits");
    }

    /// <summary>
    /// The sessions of <paramref name="database"/> whose statement has run for more than 200 ms, read from the live
    /// process list: with the item's row locked, that is a statement waiting for the lock (the sellers run nothing else
    /// that long), also a one-line sale waiting inside its stored procedure, which runs in the database. Not from
    /// INFORMATION_SCHEMA.INNODB_TRX: MariaDB fills that from a cache it refreshes only once nobody has read it for
    /// 100 ms (trx0i_s.cc, CACHE_MIN_IDLE_TIME_NS), so a poll every few milliseconds keeps reading its first snapshot,
    /// taken before the last process's batch reached the row.
    /// </summary>
    private static async Task<int> CountLockWaitersAsync(string database)
    {
        await using var c = await OpenAsync();
        return Convert.ToInt32(
            await Exec(c, "SELECT COUNT(*) FROM information_schema.processlist WHERE db = @db AND command = 'Query' AND time_ms > 200 AND id <> CONNECTION_ID()", ("db", database)),
            System.Globalization.CultureInfo.InvariantCulture);
    }
}
