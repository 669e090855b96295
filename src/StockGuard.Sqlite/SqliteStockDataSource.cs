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
/// Since the callers take turns, one connection serves them all: it stays open between operations with its settings
/// and its prepared statements (<see cref="KeptSqliteConnection"/>), so an operation neither reopens it nor plans its SQL again.
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
    private KeptSqliteConnection? _idle;
    private volatile bool _walReady;
    private volatile bool _disposed;

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
            _disposed = true;
            Interlocked.Exchange(ref _idle, null)?.Shut();
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

    /// <summary>
    /// Hands out the kept connection while holding the gate (opening one with the store's settings when there is none);
    /// the gate is released when the connection is closed, which gives it back.
    /// </summary>
    private KeptSqliteConnection OpenGated()
    {
        var connection = Interlocked.Exchange(ref _idle, null);
        if (connection is { State: not ConnectionState.Open })
        {
            connection.Shut();
            connection = null;
        }

        try
        {
            if (connection is null)
            {
                if (_inMemory && _keepAlive is null)
                {
                    var keepAlive = new SqliteConnection(_connectionString);
                    keepAlive.Open();
                    _keepAlive = keepAlive;
                }

                connection = new KeptSqliteConnection(_connectionString);
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
            }

            connection.Lend(HandBack);
            return connection;
        }
        catch
        {
            connection?.Shut();
            _gate.Release();
            throw;
        }
    }

    /// <summary>
    /// Takes back the connection an operation has closed, then releases the gate. Only a connection with no transaction
    /// left in it is kept for the next operation; the data source keeps one at most, and none once disposed.
    /// </summary>
    private void HandBack(KeptSqliteConnection connection)
    {
        try
        {
            if (!connection.Reusable || _disposed || Interlocked.CompareExchange(ref _idle, connection, null) is not null)
            {
                connection.Shut();
            }
            else if (_disposed && Interlocked.Exchange(ref _idle, null) is { } late)
            {
                // Disposed while this operation ran: close what it just kept.
                late.Shut();
            }
        }
        finally
        {
            _gate.Release();
        }
    }

    private TimeoutException GateTimeout() =>
        new($"Other operations of this process held the SQLite database for longer than the busy timeout ({_busyTimeout}).");
}
