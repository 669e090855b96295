using System.Diagnostics;
using System.Globalization;
using MySqlConnector;
using Npgsql;

namespace StockGuard.Benchmarks.Load;

/// <summary>
/// What the database showed while a fleet's processes ran: what their connections were doing, sampled every 20 ms
/// (PostgreSQL: <c>pg_stat_activity</c>'s state and wait event; MariaDB/MySQL: the process list's state and the InnoDB
/// transaction's), and the server's commits and log flushes per second over the window. The counters are the whole
/// server's: read them on a server nothing else loads.
/// </summary>
internal sealed class ServerSample
{
    /// <summary>Connections of the fleet in each state, on average over the samples, e.g. <c>Lock:transactionid</c> 12.3.</summary>
    public required IReadOnlyDictionary<string, double> MeanConnections { get; init; }

    public required int Samples { get; init; }

    public required double Seconds { get; init; }

    /// <summary>Commits per second, server-wide (PostgreSQL <c>xact_commit</c> of the database; MySQL <c>Com_commit</c>).</summary>
    public double? CommitsPerSecond { get; init; }

    /// <summary>Flushes of the write-ahead or redo log per second, server-wide (PostgreSQL <c>pg_stat_wal.wal_sync</c>; InnoDB <c>Innodb_os_log_fsyncs</c>).</summary>
    public double? LogFlushesPerSecond { get; init; }

    /// <summary>Row lock waits per second (InnoDB <c>Innodb_row_lock_waits</c>); null on PostgreSQL, whose waits are in the states.</summary>
    public double? RowLockWaitsPerSecond { get; init; }

    public override string ToString()
    {
        var states = string.Join(", ", MeanConnections.OrderByDescending(s => s.Value).Where(s => s.Value >= 0.05).Select(s => string.Create(CultureInfo.InvariantCulture, $"{s.Key} {s.Value:0.0}")));
        return string.Create(CultureInfo.InvariantCulture, $"connections by state (mean of {Samples} samples): {(states.Length == 0 ? "none busy" : states)}")
            + (CommitsPerSecond is { } commits ? string.Create(CultureInfo.InvariantCulture, $"; server commits/s {commits:N0}") : "")
            + (LogFlushesPerSecond is { } flushes ? string.Create(CultureInfo.InvariantCulture, $"; log flushes/s {flushes:N0}") : "")
            + (RowLockWaitsPerSecond is { } waits ? string.Create(CultureInfo.InvariantCulture, $"; row lock waits/s {waits:N0}") : "");
    }
}

/// <summary>Samples the server while a fleet runs (<see cref="ServerSample"/>), until stopped.</summary>
internal sealed class ServerSampler
{
    private static readonly TimeSpan Interval = TimeSpan.FromMilliseconds(20);

    private readonly Func<CancellationToken, Task<Dictionary<string, long>>> _states;
    private readonly Func<CancellationToken, Task<(long? Commits, long? Flushes, long? LockWaits)>> _counters;

    private ServerSampler(Func<CancellationToken, Task<Dictionary<string, long>>> states, Func<CancellationToken, Task<(long?, long?, long?)>> counters)
    {
        _states = states;
        _counters = counters;
    }

    /// <summary>A sampler for the target's server, or null for a target without one the harness can sample.</summary>
    public static ServerSampler? For(TargetSpec spec, string applicationName)
    {
        if (spec.Store is "postgres" or "postgres-shared" or "postgres-txpool" or "pgbouncer")
        {
            return new ServerSampler(
                async ct =>
                {
                    await using var connection = await ServerSettings.PostgresDataSource.OpenConnectionAsync(ct);
                    await using var command = new NpgsqlCommand(
                        """
                        SELECT CASE WHEN state = 'active' THEN coalesce(wait_event_type || ':' || wait_event, 'running') ELSE state END, count(*)
                        FROM pg_stat_activity WHERE application_name = @app AND state <> 'idle' GROUP BY 1
                        """,
                        connection);
                    command.Parameters.AddWithValue("app", applicationName);
                    return await ReadStatesAsync(command, ct);
                },
                async ct =>
                {
                    await using var connection = await ServerSettings.PostgresDataSource.OpenConnectionAsync(ct);
                    await using var command = new NpgsqlCommand(
                        "SELECT (SELECT xact_commit FROM pg_stat_database WHERE datname = current_database()), (SELECT wal_sync FROM pg_stat_wal)",
                        connection);
                    await using var reader = await command.ExecuteReaderAsync(ct);
                    await reader.ReadAsync(ct);
                    return (reader.GetInt64(0), reader.GetInt64(1), null);
                });
        }

        if (spec.Store is "mysql")
        {
            return new ServerSampler(
                async ct =>
                {
                    await using var connection = new MySqlConnection(ServerSettings.MySqlConnectionString);
                    await connection.OpenAsync(ct);
                    await using var command = new MySqlCommand(
                        """
                        SELECT concat(coalesce(t.trx_state, 'no transaction'), ':', coalesce(nullif(p.state, ''), p.command)), count(*)
                        FROM information_schema.processlist p LEFT JOIN information_schema.innodb_trx t ON t.trx_mysql_thread_id = p.id
                        WHERE p.db = @db AND p.id <> connection_id() AND p.command <> 'Sleep' GROUP BY 1
                        """,
                        connection);
                    command.Parameters.AddWithValue("db", ServerSettings.LoadSchema);
                    return await ReadStatesAsync(command, ct);
                },
                async ct =>
                {
                    await using var connection = new MySqlConnection(ServerSettings.MySqlConnectionString);
                    await connection.OpenAsync(ct);
                    await using var command = new MySqlCommand(
                        "SHOW GLOBAL STATUS WHERE Variable_name IN ('Com_commit', 'Innodb_os_log_fsyncs', 'Innodb_row_lock_waits')",
                        connection);
                    await using var reader = await command.ExecuteReaderAsync(ct);
                    var values = new Dictionary<string, long>(StringComparer.OrdinalIgnoreCase);
                    while (await reader.ReadAsync(ct))
                    {
                        values[reader.GetString(0)] = long.Parse(reader.GetString(1), CultureInfo.InvariantCulture);
                    }

                    return (values.GetValueOrDefault("Com_commit"), values.GetValueOrDefault("Innodb_os_log_fsyncs"), values.GetValueOrDefault("Innodb_row_lock_waits"));
                });
        }

        return null;
    }

    /// <summary>Samples from <paramref name="delay"/> on until <paramref name="stop"/> is cancelled.</summary>
    public async Task<ServerSample> RunAsync(TimeSpan delay, CancellationToken stop)
    {
        try
        {
            await Task.Delay(delay, stop);
        }
        catch (OperationCanceledException)
        {
        }

        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        var before = await _counters(timeout.Token);
        var started = Stopwatch.GetTimestamp();
        var totals = new Dictionary<string, long>(StringComparer.Ordinal);
        var samples = 0;
        while (!stop.IsCancellationRequested)
        {
            foreach (var (state, count) in await _states(CancellationToken.None))
            {
                totals[state] = totals.GetValueOrDefault(state) + count;
            }

            samples++;
            try
            {
                await Task.Delay(Interval, stop);
            }
            catch (OperationCanceledException)
            {
            }
        }

        var seconds = Stopwatch.GetElapsedTime(started).TotalSeconds;
        using var afterTimeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        var after = await _counters(afterTimeout.Token);
        double? Rate(long? first, long? last) => first is { } a && last is { } b && seconds > 0 ? (b - a) / seconds : null;
        return new ServerSample
        {
            MeanConnections = totals.ToDictionary(t => t.Key, t => (double)t.Value / Math.Max(1, samples)),
            Samples = samples,
            Seconds = seconds,
            CommitsPerSecond = Rate(before.Commits, after.Commits),
            LogFlushesPerSecond = Rate(before.Flushes, after.Flushes),
            RowLockWaitsPerSecond = Rate(before.LockWaits, after.LockWaits),
        };
    }

    private static async Task<Dictionary<string, long>> ReadStatesAsync(System.Data.Common.DbCommand command, CancellationToken cancellationToken)
    {
        var states = new Dictionary<string, long>(StringComparer.Ordinal);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            states[reader.GetString(0)] = Convert.ToInt64(reader.GetValue(1), CultureInfo.InvariantCulture);
        }

        return states;
    }
}
