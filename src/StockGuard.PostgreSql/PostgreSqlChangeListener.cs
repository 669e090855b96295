using Microsoft.Extensions.Logging;
using Npgsql;

namespace StockGuard.PostgreSql;

/// <summary>
/// Wakes change dispatchers and caches when changes commit. The store's waiters wake at once after the store's own
/// operations; other processes are told with <c>NOTIFY stockguard_changes</c> (payload: the schema and a name of the
/// store, <c>schema/sender</c>; a store skips its own), sent after the commit on a connection of its own, never in the
/// writer's transaction: a notifying transaction holds PostgreSQL's notification queue lock through its commit, which
/// serialises every writer's commit (measured in docs/changes.md).
/// Requests that arrive while one is sent share the next, at most one every <see cref="Spacing"/>. From the first wait on
/// (a dispatcher or cache in this process follows the feed), one connection per store listens. Who notifies is
/// <see cref="PostgreSqlChangeNotifications"/>: by default a store that follows the feed on a direct connection, not one
/// that only writes. Behind a transaction pooler nobody can listen (the waits run their full length: the dispatchers
/// poll), but with <see cref="PostgreSqlChangeNotifications.Always"/> a store there still notifies listeners connected
/// directly: <c>pg_notify</c> is one autocommitted statement.
/// </summary>
internal sealed partial class PostgreSqlChangeListener(PostgreSqlConnections connections, string schema, PostgreSqlChangeNotifications notifications, TimeProvider time, ILogger logger) : IDisposable
{
    public const string Channel = "stockguard_changes";

    /// <summary>The shortest time between two notifications this store sends.</summary>
    public static readonly TimeSpan Spacing = TimeSpan.FromMilliseconds(2);

    private int _requests;
    private long _sent;
    private long _signals;

    /// <summary>This store's name in its notifications' payloads (<c>schema/sender</c>), so that it skips its own.</summary>
    private readonly string _sender = Guid.NewGuid().ToString("N")[..12];

    private readonly CancellationTokenSource _stop = new();
    private TaskCompletionSource _signal = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private int _started;
    private int _disposed;
    private volatile bool _listening;

    /// <summary>Whether the store is being told of commits now (false before the first wait, behind a transaction pooler, or while reconnecting).</summary>
    public bool IsListening => _listening;

    /// <summary>The payload of this store's notifications (<c>schema/sender</c>).</summary>
    public string Payload => field ??= schema + "/" + _sender;

    /// <summary>How many notifications the store has sent.</summary>
    public long Sent => Interlocked.Read(ref _sent);

    /// <summary>Requests for a notification not yet served (0 when none is being sent).</summary>
    public int Pending => Volatile.Read(ref _requests);

    /// <summary>How many signs of new changes the store has had (its operations' ends, notifications heard, a new listen).</summary>
    public long Signals => Interlocked.Read(ref _signals);

    /// <summary>
    /// Waits until a sign comes after <paramref name="seenSignals"/>, at most <paramref name="maxWait"/>; returns at once
    /// when one came meanwhile. The first wait starts listening.
    /// </summary>
    public async Task WaitAsync(long seenSignals, TimeSpan maxWait, CancellationToken cancellationToken)
    {
        if (Interlocked.Exchange(ref _started, 1) == 0)
        {
            _ = Task.Run(() => ListenAsync(_stop.Token), CancellationToken.None);
        }

        // The completion first, then the count: a sign counted after this read completes this very completion (Signal
        // counts before it swaps), so no sign between the caller's read of the feed and this wait is missed.
        var signal = Volatile.Read(ref _signal).Task;
        if (Signals != seenSignals)
        {
            return;
        }

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

    /// <summary>The store's operation has ended: wake this store's waiters now, and tell other processes soon.</summary>
    public void Notify()
    {
        Signal();
        // By default a store that follows the feed itself tells the others; one that only writes, or sits behind a
        // transaction pooler, sends nothing and takes no connection for it (its changes reach other processes'
        // dispatchers at their poll) unless told to.
        if (Notifies && !_stop.IsCancellationRequested && Interlocked.Increment(ref _requests) == 1)
        {
            _ = Task.Run(SendAsync, CancellationToken.None);
        }
    }

    private bool Notifies => notifications switch
    {
        PostgreSqlChangeNotifications.Always => true,
        PostgreSqlChangeNotifications.WhenFollowing => Volatile.Read(ref _started) == 1 && !connections.TransactionPooled,
        _ => false,
    };

    public void Dispose()
    {
        // A container disposes the store once for every service it was registered as (store, feed, consumer store).
        if (Interlocked.Exchange(ref _disposed, 1) == 1)
        {
            return;
        }

        _stop.Cancel();
        _stop.Dispose();
    }

    /// <summary>
    /// Sends one NOTIFY for every request that came before it; requests that came meanwhile send one more. Whatever ends
    /// it early (a failed connection or command, the store's disposal), the next operation's request starts a new send.
    /// </summary>
    private async Task SendAsync()
    {
        var done = false;
        try
        {
            var stop = _stop.Token;
            while (true)
            {
                var served = Volatile.Read(ref _requests);
                var connection = (NpgsqlConnection)await connections.OpenConnectionAsync(stop).ConfigureAwait(false);
                await using (connection.ConfigureAwait(false))
                {
                    var notify = new NpgsqlCommand("SELECT pg_notify(@channel, @payload)", connection);
                    await using (notify.ConfigureAwait(false))
                    {
                        notify.Parameters.AddWithValue("channel", Channel);
                        notify.Parameters.AddWithValue("payload", Payload);
                        await notify.ExecuteNonQueryAsync(stop).ConfigureAwait(false);
                    }
                }

                Interlocked.Increment(ref _sent);
                if (Interlocked.CompareExchange(ref _requests, 0, served) == served)
                {
                    done = true;
                    return;
                }

                await Task.Delay(Spacing, time, stop).ConfigureAwait(false);
            }
        }
        catch (Exception ex) when (ex is NpgsqlException or StockStoreException or InvalidOperationException or TimeoutException or OperationCanceledException or ObjectDisposedException or System.IO.IOException)
        {
            // Listeners then find the changes at their next poll.
            if (Volatile.Read(ref _disposed) == 0)
            {
                LogNotifyFailed(logger, ex);
            }
        }
        finally
        {
            if (!done)
            {
                Volatile.Write(ref _requests, 0);
            }
        }
    }

    /// <summary>
    /// Whether a notification's payload is a change of this store's schema by another store: <c>schema/sender</c> from
    /// another sender (this store's own operations have woken its waiters already), or the bare schema that stores of
    /// earlier versions send.
    /// </summary>
    private bool IsOthers(string payload) => IsChangeByAnother(payload, schema, _sender);

    /// <summary>Whether <paramref name="payload"/> tells of a change in <paramref name="schema"/> by a store other than <paramref name="sender"/>.</summary>
    internal static bool IsChangeByAnother(string payload, string schema, string sender) =>
        payload.Length > schema.Length
            ? payload.StartsWith(schema, StringComparison.Ordinal) && payload[schema.Length] == '/' && !payload.AsSpan(schema.Length + 1).SequenceEqual(sender)
            : string.Equals(payload, schema, StringComparison.Ordinal);

    private void Signal()
    {
        Interlocked.Increment(ref _signals);
        Interlocked.Exchange(ref _signal, new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously)).TrySetResult();
    }

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
                    if (IsOthers(e.Payload))
                    {
                        Signal();
                    }
                };
                var listen = new NpgsqlCommand($"LISTEN {Channel}", connection);
                await using (listen.ConfigureAwait(false))
                {
                    await listen.ExecuteNonQueryAsync(stop).ConfigureAwait(false);
                }

                // Whatever committed while nobody listened is read now (signalled before the store says it listens).
                Signal();
                _listening = true;
                LogListening(logger, schema);
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

    [LoggerMessage(32, LogLevel.Debug, "The PostgreSQL store could not send NOTIFY for its changes; listeners find them at their next poll.")]
    private static partial void LogNotifyFailed(ILogger logger, Exception exception);

    [LoggerMessage(30, LogLevel.Information, "The PostgreSQL store is behind a transaction pooler, where LISTEN cannot work: change dispatchers and the level cache poll instead.")]
    private static partial void LogPolling(ILogger logger);

    [LoggerMessage(33, LogLevel.Information, "The PostgreSQL store listens for changes of schema {Schema} (LISTEN stockguard_changes): change dispatchers and the level cache wake when a store in another process notifies, and at their poll otherwise.")]
    private static partial void LogListening(ILogger logger, string schema);

    [LoggerMessage(31, LogLevel.Warning, "The PostgreSQL store's LISTEN connection failed; it reconnects in a second, and the dispatchers poll meanwhile.")]
    private static partial void LogListenFailed(ILogger logger, Exception exception);
}
