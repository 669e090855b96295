using Microsoft.Extensions.Logging;
using Npgsql;
using StockGuard.Sql;

namespace StockGuard.PostgreSql;

/// <summary>
/// A stock store in PostgreSQL: safe for any number of app servers sharing one database. Each operation is one
/// short transaction under READ COMMITTED; see <see cref="SqlStockStoreOptions.Strategy"/> for how concurrent
/// buyers are kept from overselling. Works without dependency injection:
/// <c>await using var store = new PostgreSqlStockStore(connectionString);</c>.
/// </summary>
public sealed class PostgreSqlStockStore : SqlStockStore
{
    /// <summary>Creates a store over <paramref name="dataSource"/>, which the caller owns and disposes.</summary>
    /// <param name="dataSource">
    /// The Npgsql data source (connection pool). On a session-bound path (see <see cref="PostgreSqlStockStoreOptions.Pooling"/>)
    /// the store prepares its one-line deduct on each connection itself, and <c>Max Auto Prepare</c> (e.g. 64) prepares
    /// its other statements too. Behind a transaction pooler it prepares nothing, and a data source with
    /// <c>Max Auto Prepare</c> above 0 is refused. A data source used by nothing that keeps session state may skip the
    /// reset on close (<c>No Reset On Close=true</c>): the store leaves none, and the reset is server work on every
    /// operation. A store created from a connection string does that.
    /// </param>
    /// <param name="options">Settings; <see langword="null"/> for the defaults.</param>
    /// <param name="timeProvider">The clock for timers, and for holds, retention and row times when <see cref="SqlStockStoreOptions.Clock"/> is <see cref="SqlClock.TimeProvider"/>; by default the database's clock decides them, carried between readings by this provider's monotonic timestamps. <see langword="null"/> for <see cref="TimeProvider.System"/>.</param>
    /// <param name="logger">Where to log; <see langword="null"/> for none. Connection strings are never logged.</param>
    /// <exception cref="Microsoft.Extensions.Options.OptionsValidationException">
    /// A setting is out of range, the schema name is not a plain identifier, or <see cref="PostgreSqlStockStoreOptions.Pooling"/>
    /// is <see cref="PostgreSqlPooling.Transaction"/> and the data source sets <c>Max Auto Prepare</c> above 0.
    /// </exception>
    public PostgreSqlStockStore(NpgsqlDataSource dataSource, PostgreSqlStockStoreOptions? options = null, TimeProvider? timeProvider = null, ILogger<PostgreSqlStockStore>? logger = null)
        : this(Connections(dataSource, options ??= new PostgreSqlStockStoreOptions()), false, options, timeProvider, logger)
    {
    }

    /// <summary>Creates a store with its own connection pool for <paramref name="connectionString"/>, released when the store is disposed.</summary>
    /// <param name="connectionString">
    /// An Npgsql connection string. Unless it sets it, the pool skips the reset on close (<c>No Reset On Close=true</c>:
    /// the store leaves no session state). On a session-bound path it prepares up to 64 statements per connection
    /// (<c>Max Auto Prepare=64</c>, unless it sets another number); behind a transaction pooler, none.
    /// </param>
    /// <param name="options">Settings; <see langword="null"/> for the defaults.</param>
    /// <param name="timeProvider">The clock for timers, and for holds, retention and row times when <see cref="SqlStockStoreOptions.Clock"/> is <see cref="SqlClock.TimeProvider"/>; by default the database's clock decides them, carried between readings by this provider's monotonic timestamps. <see langword="null"/> for <see cref="TimeProvider.System"/>.</param>
    /// <param name="logger">Where to log; <see langword="null"/> for none.</param>
    /// <exception cref="ArgumentException"><paramref name="connectionString"/> is empty.</exception>
    /// <exception cref="Microsoft.Extensions.Options.OptionsValidationException">
    /// A setting is out of range, the schema name is not a plain identifier, or <see cref="PostgreSqlStockStoreOptions.Pooling"/>
    /// is <see cref="PostgreSqlPooling.Transaction"/> and the connection string sets <c>Max Auto Prepare</c> above 0.
    /// </exception>
    public PostgreSqlStockStore(string connectionString, PostgreSqlStockStoreOptions? options = null, TimeProvider? timeProvider = null, ILogger<PostgreSqlStockStore>? logger = null)
        : this(Connections(connectionString, options ??= new PostgreSqlStockStoreOptions()), true, options, timeProvider, logger)
    {
    }

    private readonly PostgreSqlChangeListener _listener;

    private PostgreSqlStockStore(PostgreSqlConnections connections, bool ownsDataSource, PostgreSqlStockStoreOptions options, TimeProvider? timeProvider, ILogger? logger)
        : base(connections, ownsDataSource, new PostgreSqlDialect(options.Schema, connections), options, timeProvider, logger)
    {
        _listener = new PostgreSqlChangeListener(connections, options.Schema, options.ChangeNotifications, timeProvider ?? TimeProvider.System, (ILogger?)logger ?? Microsoft.Extensions.Logging.Abstractions.NullLogger.Instance);
    }

    /// <summary>Whether the store is told of commits by LISTEN/NOTIFY now; false before the first wait for changes and behind a transaction pooler, where waits poll.</summary>
    internal bool IsListening => _listener.IsListening;

    /// <summary>The payload of the store's notifications, which names it.</summary>
    internal string NotificationPayload => _listener.Payload;

    /// <summary>How many notifications of its changes the store has sent to other processes.</summary>
    internal long NotificationsSent => _listener.Sent;

    /// <summary>Requests for a notification not yet served.</summary>
    internal int NotificationsPending => _listener.Pending;

    /// <summary>The store's own operations that ended and the notifications it heard, counted.</summary>
    private protected override long CurrentChangeSignals => _listener.Signals;

    /// <summary>Waits for a NOTIFY from a transaction that wrote movements in this schema (or the end of one of this store's operations) after <paramref name="seenSignals"/>, at most <paramref name="maxWait"/>.</summary>
    private protected override Task WaitForChangesCoreAsync(long seenSignals, TimeSpan maxWait, CancellationToken cancellationToken) =>
        _listener.WaitAsync(seenSignals, maxWait, cancellationToken);

    private protected override void StopWaking() => _listener.Dispose();

    /// <summary>Wakes this store's waiters and sends NOTIFY to other processes' (after the commit, coalesced).</summary>
    private protected override void OnChangesCommitted() => _listener.Notify();

    private static PostgreSqlConnections Connections(NpgsqlDataSource dataSource, PostgreSqlStockStoreOptions options)
    {
        ArgumentNullException.ThrowIfNull(dataSource);
        options.ThrowIfInvalid();
        return new PostgreSqlConnections(dataSource, options.Pooling);
    }

    private static PostgreSqlConnections Connections(string connectionString, PostgreSqlStockStoreOptions options)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(connectionString);
        options.ThrowIfInvalid();
        return new PostgreSqlConnections(connectionString, options.Pooling);
    }
}
