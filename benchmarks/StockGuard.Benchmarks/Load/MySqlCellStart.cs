using System.Diagnostics;
using System.Globalization;
using MySqlConnector;

namespace StockGuard.Benchmarks.Load;

/// <summary>
/// Brings a MariaDB/MySQL target's cell to the same starting point as every other one's, once its items are stocked
/// and before its clients connect, and says what that point was. InnoDB purges the undo of earlier transactions in the
/// background: a cell that starts while the previous cell's history is still being purged shares the two cores with
/// the purge threads for its first seconds (a keyed 64-client cell leaves 10,000+ undo logs). So every MariaDB cell,
/// library or baseline, first waits until the history list has drained (at most <see cref="PurgeWait"/>, and no longer
/// than <see cref="Stalled"/> once it stops falling: a transaction left open elsewhere holds purge back), then prints
/// the server's state: the history list length, the redo checkpoint age against the point where InnoDB starts to flush
/// furiously (7/8 of its maximum), the dirty pages, and the rows already in the target's tables (each cell starts from
/// emptied tables: the items it stocked and, for the library, their receipt movements).
/// </summary>
internal static class MySqlCellStart
{
    /// <summary>History list length at or below which purge has caught up (a handful of live transactions' logs).</summary>
    private const long Drained = 100;

    private static readonly TimeSpan PurgeWait = TimeSpan.FromSeconds(30);

    private static readonly TimeSpan Stalled = TimeSpan.FromSeconds(2);

    private static readonly TimeSpan Poll = TimeSpan.FromMilliseconds(50);

    /// <summary>Waits for purge, then reports the state the cell starts from on standard error.</summary>
    /// <param name="target">The target's name, for the report.</param>
    /// <param name="tables">The target's tables as <c>database.table</c> (plain identifiers), whose rows are counted.</param>
    public static async Task SettleAsync(string target, IReadOnlyList<string> tables, CancellationToken cancellationToken)
    {
        await using var connection = new MySqlConnection(ServerSettings.MySqlConnectionString);
        await connection.OpenAsync(cancellationToken);
        var started = Stopwatch.GetTimestamp();
        var before = await ReadStatusAsync(connection, cancellationToken);
        var status = before;
        var lowest = long.MaxValue;
        var fell = started;
        while (status.GetValueOrDefault("Innodb_history_list_length") is var history && history > Drained
            && Stopwatch.GetElapsedTime(started) < PurgeWait && Stopwatch.GetElapsedTime(fell) < Stalled)
        {
            if (history < lowest)
            {
                lowest = history;
                fell = Stopwatch.GetTimestamp();
            }

            // A poll, not a synchronisation: the purge threads give no signal a client can wait on.
            await Task.Delay(Poll, cancellationToken);
            status = await ReadStatusAsync(connection, cancellationToken);
        }

        var rows = new List<string>(tables.Count);
        foreach (var table in tables)
        {
            await using var count = new MySqlCommand($"SELECT COUNT(*) FROM {table}", connection);
            var n = Convert.ToInt64(await count.ExecuteScalarAsync(cancellationToken), CultureInfo.InvariantCulture);
            rows.Add(string.Create(CultureInfo.InvariantCulture, $"{table[(table.IndexOf('.') + 1)..]} {n:N0}"));
        }

        var age = status.GetValueOrDefault("Innodb_checkpoint_age");
        var furious = status.GetValueOrDefault("Innodb_checkpoint_max_age") * 7 / 8;
        await Console.Error.WriteLineAsync(string.Create(
            CultureInfo.InvariantCulture,
            $"[load] {target,-22} starts: history list {before.GetValueOrDefault("Innodb_history_list_length"):N0} -> {status.GetValueOrDefault("Innodb_history_list_length"):N0} after {Stopwatch.GetElapsedTime(started).TotalMilliseconds:N0} ms; checkpoint age {age / 1048576.0:0.0} MiB ({(furious > 0 ? 100.0 * age / furious : 0):0} % of the furious-flush point); dirty pages {status.GetValueOrDefault("Innodb_buffer_pool_pages_dirty"):N0}; rows {string.Join(", ", rows)}"));
    }

    private static async Task<Dictionary<string, long>> ReadStatusAsync(MySqlConnection connection, CancellationToken cancellationToken)
    {
        await using var command = new MySqlCommand(
            "SHOW GLOBAL STATUS WHERE Variable_name IN ('Innodb_history_list_length', 'Innodb_checkpoint_age', 'Innodb_checkpoint_max_age', 'Innodb_buffer_pool_pages_dirty')",
            connection);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        var values = new Dictionary<string, long>(StringComparer.OrdinalIgnoreCase);
        while (await reader.ReadAsync(cancellationToken))
        {
            // MySQL has no checkpoint-age counters: the missing ones read as 0.
            values[reader.GetString(0)] = long.TryParse(reader.GetString(1), CultureInfo.InvariantCulture, out var value) ? value : 0;
        }

        return values;
    }
}
