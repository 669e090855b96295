using System.Data.Common;
using System.Net;
using Microsoft.Extensions.Options;
using Npgsql;

namespace StockGuard.PostgreSql;

/// <summary>
/// The store's connections: the Npgsql data source the store was given or created, and what it learnt of the path to
/// the server. Under <see cref="PostgreSqlPooling.Auto"/> the first connection opened tells whether a transaction
/// pooler sits between (see <see cref="PostgreSqlPooling.Auto"/>); a pool the store creates is then created again
/// without prepared statements, and a data source it was given that prepares statements is refused.
/// </summary>
internal sealed class PostgreSqlConnections : DbDataSource
{
    /// <summary>How many statements a pool the store creates on a session-bound path prepares per connection: more than the store has.</summary>
    internal const int AutoPreparedStatements = 64;

    private const string MaxAutoPrepare = "Max Auto Prepare";

    private readonly string? _ownConnectionString;
    private readonly SemaphoreSlim _detection = new(1, 1);
    private NpgsqlDataSource _source;
    private volatile bool _resolved;
    private string? _refusal;

    /// <summary>Connections from <paramref name="dataSource"/>, which the caller owns.</summary>
    /// <exception cref="OptionsValidationException">Under <see cref="PostgreSqlPooling.Transaction"/>, the data source prepares statements.</exception>
    public PostgreSqlConnections(NpgsqlDataSource dataSource, PostgreSqlPooling pooling)
    {
        _source = dataSource;
        var settings = new NpgsqlConnectionStringBuilder(dataSource.ConnectionString);
        Resolve(pooling == PostgreSqlPooling.Transaction || (pooling == PostgreSqlPooling.Auto && settings.Multiplexing) ? true : pooling == PostgreSqlPooling.Session ? false : null);
        if (TransactionPooled && settings.MaxAutoPrepare > 0)
        {
            throw new OptionsValidationException(nameof(PostgreSqlStockStoreOptions), typeof(PostgreSqlStockStoreOptions), [Refusal(settings.MaxAutoPrepare, "data source")]);
        }
    }

    /// <summary>A pool of the store's own for <paramref name="connectionString"/>, with the store's defaults where it sets none.</summary>
    /// <exception cref="OptionsValidationException">Under <see cref="PostgreSqlPooling.Transaction"/>, the connection string sets <c>Max Auto Prepare</c> above 0.</exception>
    public PostgreSqlConnections(string connectionString, PostgreSqlPooling pooling)
    {
        _ownConnectionString = connectionString;
        var given = new NpgsqlConnectionStringBuilder(connectionString);
        var transaction = pooling == PostgreSqlPooling.Transaction || (pooling == PostgreSqlPooling.Auto && given.Multiplexing);
        if (transaction && SetsMaxAutoPrepare(connectionString) && given.MaxAutoPrepare > 0)
        {
            throw new OptionsValidationException(nameof(PostgreSqlStockStoreOptions), typeof(PostgreSqlStockStoreOptions), [Refusal(given.MaxAutoPrepare, "connection string")]);
        }

        _source = NpgsqlDataSource.Create(OwnPoolConnectionString(connectionString, transaction));
        Resolve(transaction ? true : pooling == PostgreSqlPooling.Session ? false : null);
    }

    /// <summary>
    /// Whether each transaction may run on another server session, so that nothing may be prepared on the server.
    /// Known once a connection has been opened (or from the start when the options say).
    /// </summary>
    public bool TransactionPooled { get; private set; }

    /// <inheritdoc/>
    public override string ConnectionString => _source.ConnectionString;

    /// <summary>
    /// The connection string of a pool the store creates: <paramref name="connectionString"/> without the reset on close
    /// (the store leaves no session state, and the reset is a round of server work per operation) unless it says
    /// otherwise, and with prepared statements on a session-bound path (unless it says otherwise) or none behind a
    /// transaction pooler.
    /// </summary>
    internal static string OwnPoolConnectionString(string connectionString, bool transactionPooled)
    {
        var given = new DbConnectionStringBuilder { ConnectionString = connectionString };
        var builder = new NpgsqlConnectionStringBuilder(connectionString);
        if (!given.ContainsKey("No Reset On Close") && !given.ContainsKey("NoResetOnClose"))
        {
            builder.NoResetOnClose = true;
        }

        if (transactionPooled)
        {
            builder.MaxAutoPrepare = 0;
        }
        else if (!SetsMaxAutoPrepare(connectionString))
        {
            builder.MaxAutoPrepare = AutoPreparedStatements;
        }

        return builder.ConnectionString;
    }

    /// <inheritdoc/>
    protected override DbConnection CreateDbConnection() => _source.CreateConnection();

    /// <inheritdoc/>
    protected override DbConnection OpenDbConnection() =>
        throw new NotSupportedException("The store opens its connections asynchronously.");

    /// <inheritdoc/>
    protected override async ValueTask<DbConnection> OpenDbConnectionAsync(CancellationToken cancellationToken = default)
    {
        if (!_resolved)
        {
            if (await DetectAsync(cancellationToken).ConfigureAwait(false) is { } first)
            {
                return first;
            }
        }

        if (_refusal is { } refusal)
        {
            throw new StockStoreException(refusal, null, isTransient: false);
        }

        return await _source.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <inheritdoc/>
    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            _source.Dispose();
            _detection.Dispose();
        }

        base.Dispose(disposing);
    }

    /// <inheritdoc/>
    protected override async ValueTask DisposeAsyncCore()
    {
        await _source.DisposeAsync().ConfigureAwait(false);
        _detection.Dispose();
        await base.DisposeAsyncCore().ConfigureAwait(false);
    }

    /// <summary>
    /// Looks at the first connection: returns it when it may be used as it is, or <see langword="null"/> when the caller
    /// opens one (another caller detected first, or the pool was created again).
    /// </summary>
    private async Task<DbConnection?> DetectAsync(CancellationToken cancellationToken)
    {
        await _detection.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            if (_resolved)
            {
                return null;
            }

            var connection = await _source.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
            try
            {
                var pooled = await IsTransactionPooledAsync(connection, cancellationToken).ConfigureAwait(false);
                if (!pooled)
                {
                    Resolve(false);
                    return connection;
                }
            }
            catch
            {
                await connection.DisposeAsync().ConfigureAwait(false);
                throw;
            }

            await connection.DisposeAsync().ConfigureAwait(false);
            if (_ownConnectionString is { } own)
            {
                if (SetsMaxAutoPrepare(own) && new NpgsqlConnectionStringBuilder(own).MaxAutoPrepare is > 0 and var count)
                {
                    _refusal = Refusal(count, "connection string", detected: true);
                }
                else
                {
                    var session = _source;
                    _source = NpgsqlDataSource.Create(OwnPoolConnectionString(own, transactionPooled: true));
                    await session.DisposeAsync().ConfigureAwait(false);
                }
            }
            else if (new NpgsqlConnectionStringBuilder(_source.ConnectionString).MaxAutoPrepare is > 0 and var count)
            {
                _refusal = Refusal(count, "data source", detected: true);
            }

            Resolve(true);
            return null;
        }
        finally
        {
            _detection.Release();
        }
    }

    private void Resolve(bool? transactionPooled)
    {
        if (transactionPooled is { } pooled)
        {
            TransactionPooled = pooled;
            _resolved = true;
        }
    }

    /// <summary>
    /// Whether the server session behind <paramref name="connection"/> is not the one the connection logged in to: a
    /// pooler answers the login itself (with a process id of its own) and runs each transaction on a session it
    /// chooses, and a proxy connects from an address or port other than the one the client named.
    /// </summary>
    private static async Task<bool> IsTransactionPooledAsync(NpgsqlConnection connection, CancellationToken cancellationToken)
    {
        int pid;
        string? address;
        int? port;
        var command = connection.CreateCommand();
        await using (command.ConfigureAwait(false))
        {
            command.CommandText = "SELECT pg_backend_pid(), host(inet_server_addr()), inet_server_port()";
            try
            {
                var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
                await using (reader.ConfigureAwait(false))
                {
                    await reader.ReadAsync(cancellationToken).ConfigureAwait(false);
                    pid = reader.GetInt32(0);
                    address = reader.IsDBNull(1) ? null : reader.GetString(1);
                    port = reader.IsDBNull(2) ? null : reader.GetInt32(2);
                }
            }
            catch (PostgresException ex) when (PostgreSqlDialect.IsStatementLost(ex))
            {
                // The session did not know the statement the connection prepared: another client's session.
                return true;
            }
        }

        if (pid != connection.ProcessID || (port is { } serverPort && serverPort != connection.Port))
        {
            return true;
        }

        return address is not null
            && IPAddress.TryParse(connection.Host, out var named)
            && IPAddress.TryParse(address, out var server)
            && !Normal(named).Equals(Normal(server));

        static IPAddress Normal(IPAddress a) => a.IsIPv4MappedToIPv6 ? a.MapToIPv4() : a;
    }

    private static bool SetsMaxAutoPrepare(string connectionString)
    {
        var given = new DbConnectionStringBuilder { ConnectionString = connectionString };
        return given.ContainsKey(MaxAutoPrepare) || given.ContainsKey("MaxAutoPrepare");
    }

    /// <summary>Why a source that prepares statements is refused behind a transaction pooler; <paramref name="detected"/> when the store found the pooler itself.</summary>
    private static string Refusal(int maxAutoPrepare, string what, bool detected = false) =>
        (detected
            ? "A connection pooler or proxy sits between the store and PostgreSQL (the server's session is not the one the connection logged in to), " +
              $"so the store runs as under {nameof(PostgreSqlStockStoreOptions.Pooling)}={nameof(PostgreSqlPooling.Transaction)}. "
            : $"{nameof(PostgreSqlStockStoreOptions)}.{nameof(PostgreSqlStockStoreOptions.Pooling)} is {nameof(PostgreSqlPooling.Transaction)}. ") +
        $"The {what} sets {MaxAutoPrepare}={maxAutoPrepare}: behind a transaction pooler a statement prepared on one server session is run on " +
        $"another, where its name may be another client's statement. Set {MaxAutoPrepare}=0, or {nameof(PostgreSqlStockStoreOptions.Pooling)}=" +
        $"{nameof(PostgreSqlPooling.Session)} when every connection keeps its server session." + (detected ? " Nothing was changed." : "");
}
