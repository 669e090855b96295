using Microsoft.Extensions.Logging;
using Npgsql;

namespace StockGuard.PostgreSql;

/// <summary>
/// Wakes the store's change dispatchers and cache when a transaction that wrote movements commits: one connection per
/// store, from the first wait on, listens on <c>stockguard_changes</c>, where the movement ledger's statement trigger
/// notifies with its schema's name. Behind a transaction pooler a listening session cannot be kept, so the waits simply
/// run their full length (the dispatchers poll).
/// </summary>
internal sealed partial class PostgreSqlChangeListener(PostgreSqlConnections connections, string schema, TimeProvider time, ILogger logger) : IDisposable
{
    public const string Channel = "stockguard_changes";

    private readonly CancellationTokenSource _stop = new();
    private TaskCompletionSource _signal = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private int _started;
    private volatile bool _listening;

    /// <summary>Whether the store is being told of commits now (false before the first wait, behind a transaction pooler, or while reconnecting).</summary>
    public bool IsListening => _listening;

    public async Task WaitAsync(TimeSpan maxWait, CancellationToken cancellationToken)
    {
        if (Interlocked.Exchange(ref _started, 1) == 0)
        {
            _ = Task.Run(() => ListenAsync(_stop.Token), CancellationToken.None);
        }

        var signal = Volatile.Read(ref _signal).Task;
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var delay = Task.Delay(maxWait, time, linked.Token);
        var first = await Task.WhenAny(signal, delay).ConfigureAwait(false);
        await linked.CancelAsync().ConfigureAwait(false);
        cancellationToken.ThrowIfCancellationRequested();
        if (first == delay && delay.IsFaulted)
        {
            await delay.ConfigureAwait(false);
        }
    }

    public void Dispose()
    {
        _stop.Cancel();
        _stop.Dispose();
    }

    private void Signal() => Interlocked.Exchange(ref _signal, new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously)).TrySetResult();

    private async Task ListenAsync(CancellationToken stop)
    {
        while (!stop.IsCancellationRequested)
        {
            try
            {
                var connection = (NpgsqlConnection)await connections.OpenConnectionAsync(stop).ConfigureAwait(false);
                await using var disposeConnection = connection.ConfigureAwait(false);
                if (connections.TransactionPooled)
                {
                    LogPolling(logger);
                    return;
                }

                connection.Notification += (_, e) =>
                {
                    if (string.Equals(e.Payload, schema, StringComparison.Ordinal))
                    {
                        Signal();
                    }
                };
                var listen = new NpgsqlCommand($"LISTEN {Channel}", connection);
                await using (listen.ConfigureAwait(false))
                {
                    await listen.ExecuteNonQueryAsync(stop).ConfigureAwait(false);
                }

                _listening = true;

                // Whatever committed while nobody listened is read now.
                Signal();
                while (true)
                {
                    await connection.WaitAsync(stop).ConfigureAwait(false);
                }
            }
            catch (Exception ex) when (!stop.IsCancellationRequested && ex is NpgsqlException or InvalidOperationException or TimeoutException or System.IO.IOException)
            {
                _listening = false;
                LogListenFailed(logger, ex);
                try
                {
                    await Task.Delay(TimeSpan.FromSeconds(1), time, stop).ConfigureAwait(false);
                }
                catch (OperationCanceledException)
                {
                    return;
                }
            }
            catch (Exception) when (stop.IsCancellationRequested)
            {
                return;
            }
            finally
            {
                _listening = false;
            }
        }
    }

    [LoggerMessage(30, LogLevel.Information, "The PostgreSQL store is behind a transaction pooler, where LISTEN cannot work: change dispatchers and the level cache poll instead.")]
    private static partial void LogPolling(ILogger logger);

    [LoggerMessage(31, LogLevel.Warning, "The PostgreSQL store's LISTEN connection failed; it reconnects in a second, and the dispatchers poll meanwhile.")]
    private static partial void LogListenFailed(ILogger logger, Exception exception);
}
