using System.Collections.Concurrent;
using System.Data;
using System.Data.Common;
using System.Globalization;
using Microsoft.Data.Sqlite;

namespace StockGuard.Sqlite;

/// <summary>
/// Connections to one SQLite database with the store's settings, one operation at a time per process.
/// SQLite has one writer at a time; rather than let concurrent callers of this process spin on SQLITE_BUSY (which
/// blocks threads in sleeps), every store of this process on the same database queues for one asynchronous gate,
/// held from opening a connection until it is closed. Only other processes are waited for with SQLite's busy timeout.
/// A named in-memory database is shared-cache and kept alive by one idle connection while the data source lives.
/// </summary>
internal sealed class SqliteStockDataSource : DbDataSource
{
    // Keyed by the database (full file path, or the in-memory name), so that two stores on one database share it.
    private static readonly ConcurrentDictionary<string, SemaphoreSlim> Gates = new(StringComparer.Ordinal);

    private readonly string _connectionString;
    private readonly SemaphoreSlim _gate;
    private readonly TimeSpan _busyTimeout;
    private readonly bool _inMemory;
    private SqliteConnection? _keepAlive;
    private volatile bool _walReady;

    public SqliteStockDataSource(string connectionString, TimeSpan busyTimeout)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(connectionString);
        var builder = new SqliteConnectionStringBuilder(connectionString);
        if (builder.Mode == SqliteOpenMode.ReadOnly)
        {
            throw new ArgumentException("The SQLite store writes: the connection string must not say Mode=ReadOnly.", nameof(connectionString));
        }

        var isPrivate = builder.DataSource is "" or ":memory:";
        if (isPrivate)
        {
            // Each connection to ":memory:" would be a database of its own: give the store one private, named database instead.
            builder.DataSource = $"stockguard-{Guid.NewGuid():N}";
            builder.Mode = SqliteOpenMode.Memory;
        }

        _inMemory = builder.Mode == SqliteOpenMode.Memory;
        if (_inMemory)
        {
            builder.Cache = SqliteCacheMode.Shared;
        }

        builder.ForeignKeys = true;
        builder.DefaultTimeout = (int)Math.Ceiling(busyTimeout.TotalSeconds);
        _connectionString = builder.ToString();
        _busyTimeout = busyTimeout;
        var database = _inMemory ? "memory:" + builder.DataSource : "file:" + Path.GetFullPath(builder.DataSource);
        _gate = isPrivate ? new SemaphoreSlim(1, 1) : Gates.GetOrAdd(database, static _ => new SemaphoreSlim(1, 1));
    }

    public override string ConnectionString => _connectionString;

    protected override DbConnection CreateDbConnection() => new SqliteConnection(_connectionString);

    protected override DbConnection OpenDbConnection()
    {
        if (!_gate.Wait(_busyTimeout))
        {
            throw GateTimeout();
        }

        return OpenGated();
    }

    protected override async ValueTask<DbConnection> OpenDbConnectionAsync(CancellationToken cancellationToken = default)
    {
        if (!await _gate.WaitAsync(_busyTimeout, cancellationToken).ConfigureAwait(false))
        {
            throw GateTimeout();
        }

        // Microsoft.Data.Sqlite opens and runs commands synchronously under its async API anyway; the wait that
        // matters, for the gate, was asynchronous and cancellable.
        if (cancellationToken.IsCancellationRequested)
        {
            _gate.Release();
            cancellationToken.ThrowIfCancellationRequested();
        }

        return OpenGated();
    }

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            _keepAlive?.Dispose();
            _keepAlive = null;
            using var connection = new SqliteConnection(_connectionString);
            SqliteConnection.ClearPool(connection);
        }

        base.Dispose(disposing);
    }

    protected override ValueTask DisposeAsyncCore()
    {
        Dispose(true);
        return ValueTask.CompletedTask;
    }

    /// <summary>Opens a connection while holding the gate; the gate is released when the connection closes.</summary>
    private SqliteConnection OpenGated()
    {
        var released = 0;
        void Release()
        {
            if (Interlocked.Exchange(ref released, 1) == 0)
            {
                _gate.Release();
            }
        }

        var connection = new SqliteConnection(_connectionString);
        connection.StateChange += (_, e) =>
        {
            if (e.CurrentState == ConnectionState.Closed)
            {
                Release();
            }
        };

        try
        {
            if (_inMemory && _keepAlive is null)
            {
                var keepAlive = new SqliteConnection(_connectionString);
                keepAlive.Open();
                _keepAlive = keepAlive;
            }

            connection.Open();
            using (var command = connection.CreateCommand())
            {
                var busyTimeout = ((long)_busyTimeout.TotalMilliseconds).ToString(CultureInfo.InvariantCulture);

                // WAL lets readers of other processes go on while this one writes; the setting stays with the file.
                command.CommandText = _inMemory || _walReady
                    ? $"PRAGMA busy_timeout = {busyTimeout};"
                    : $"PRAGMA busy_timeout = {busyTimeout}; PRAGMA journal_mode = WAL;";
                command.ExecuteNonQuery();
            }

            _walReady = true;
            return connection;
        }
        catch
        {
            connection.Dispose();
            Release();
            throw;
        }
    }

    private TimeoutException GateTimeout() =>
        new($"Other operations of this process held the SQLite database for longer than the busy timeout ({_busyTimeout}).");
}
