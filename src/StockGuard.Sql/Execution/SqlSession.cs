using System.Collections.Concurrent;
using System.Data;
using System.Data.Common;
using System.Linq.Expressions;
using System.Reflection;
using Dapper;

namespace StockGuard.Sql.Execution;

/// <summary>
/// One connection and its open transaction, for one store operation. Commands run on the transaction with the
/// store's command timeout and the caller's cancellation token. Several commands run as one batch (one round trip)
/// where the driver supports ADO.NET batches, else one after another.
/// </summary>
internal sealed class SqlSession : IAsyncDisposable
{
    private const string AttemptSavepoint = "stockguard_attempt";

    /// <summary>In a caller's transaction: the point before the store's work, which an undo or a failure returns to.</summary>
    private const string CallSavepoint = "stockguard_call";

    /// <summary>Compiled property readers per parameter type (the anonymous types of the calls), built once each.</summary>
    private static readonly ConcurrentDictionary<Type, (string Name, Func<object, object?> Read)[]> ParameterReaders = new();

    private readonly DbConnection _connection;
    private readonly int _commandTimeout;
    private readonly List<SqlCall> _deferred = [];

    /// <summary>The transaction commands run on; null only for a caller's connection enlisted in an ambient (System.Transactions) transaction.</summary>
    private DbTransaction? _transaction;
    private bool _hasSavepoint;

    /// <summary>Whether the connection and transaction are the caller's: the session never commits, rolls back or closes them.</summary>
    private bool _joined;

    private SqlSession(DbConnection connection, DbTransaction? transaction, SqlDialect dialect, int commandTimeout, CancellationToken cancellationToken)
    {
        _connection = connection;
        _transaction = transaction;
        Dialect = dialect;
        _commandTimeout = commandTimeout;
        CancellationToken = cancellationToken;
    }

    public SqlDialect Dialect { get; }

    /// <summary>How long a waitlist claim placed in this session lives (the store's <see cref="StockStoreOptions.WaitlistClaimWindow"/>).</summary>
    public TimeSpan WaitlistClaimWindow { get; set; } = TimeSpan.FromMinutes(15);

    private bool CanBatch => Dialect.UseBatches && _connection.CanCreateBatch;

    public CancellationToken CancellationToken { get; }

    /// <summary>Whether the commit was sent: a failure from here on leaves the outcome unknown.</summary>
    public bool CommitStarted { get; private set; }

    public static async Task<SqlSession> OpenAsync(DbDataSource source, SqlDialect dialect, int commandTimeout, CancellationToken cancellationToken, bool readOnly = false)
    {
        var connection = await OpenOwnAsync(source, cancellationToken).ConfigureAwait(false);
        try
        {
            var transaction = readOnly
                ? await dialect.BeginReadTransactionAsync(connection, cancellationToken).ConfigureAwait(false)
                : await dialect.BeginTransactionAsync(connection, cancellationToken).ConfigureAwait(false);
            return new SqlSession(connection, transaction, dialect, commandTimeout, cancellationToken);
        }
        catch
        {
            await connection.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    /// <summary>
    /// A session in the caller's open transaction: marks a savepoint first, so that an undo or a failure takes back the
    /// store's work alone. <see cref="CommitAsync"/> releases it and leaves the commit to the caller.
    /// </summary>
    public static async Task<SqlSession> JoinAsync(DbConnection connection, DbTransaction? transaction, SqlDialect dialect, int commandTimeout, CancellationToken cancellationToken)
    {
        var session = new SqlSession(connection, transaction, dialect, commandTimeout, cancellationToken) { _joined = true };
        if (transaction is null)
        {
            // Enlisted in an ambient transaction: the connection must be in it now, or a savepoint would stand alone and
            // every write would commit at once (MySQL's autocommit; PostgreSQL refuses a savepoint outside a transaction).
            if (dialect.SelectInTransaction is { } probe && Convert.ToInt64(await connection.ExecuteScalarAsync(new CommandDefinition(probe, null, null, commandTimeout, cancellationToken: cancellationToken)).ConfigureAwait(false), System.Globalization.CultureInfo.InvariantCulture) != 1)
            {
                throw NotEnlisted(null);
            }

            try
            {
                await session.SaveAsync(CallSavepoint).ConfigureAwait(false);
            }
            catch (DbException ex) when (dialect.IsOutsideTransaction(ex))
            {
                throw NotEnlisted(ex);
            }

            return session;
        }

        try
        {
            await transaction.SaveAsync(CallSavepoint, cancellationToken).ConfigureAwait(false);
        }
        catch (InvalidOperationException ex)
        {
            // Drivers tell a finished transaction only when it is used: the first operation says so, changing nothing.
            throw new ArgumentException($"The transaction can no longer be used ({ex.Message.Trim().TrimEnd('.')}); it has been committed or rolled back.", nameof(transaction), ex);
        }

        return session;

        static ArgumentException NotEnlisted(Exception? inner) => new(
            "The connection is not in a transaction: open it inside the TransactionScope (with enlistment on, the drivers' default) " +
            "and use it while the scope is active. Nothing was changed.",
            "connection",
            inner);
    }

    /// <summary>
    /// Opens a connection of the store's own pool outside any ambient (System.Transactions) transaction: the store's own
    /// transactions are never enlisted in a caller's scope, whose rollback would otherwise undo a change the store reported.
    /// </summary>
    public static async Task<DbConnection> OpenOwnAsync(DbDataSource source, CancellationToken cancellationToken)
    {
        using var unenlisted = new System.Transactions.TransactionScope(System.Transactions.TransactionScopeOption.Suppress, System.Transactions.TransactionScopeAsyncFlowOption.Enabled);
        return await source.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>In a caller's transaction, takes back everything the store did in it; a failure to do so is left to the caller's rollback.</summary>
    public async Task AbandonAsync()
    {
        if (!_joined)
        {
            return;
        }

        _deferred.Clear();
        try
        {
            await RollbackToAsync(CallSavepoint, CancellationToken.None).ConfigureAwait(false);
        }
        catch (Exception ex) when (SqlFailures.IsDriverFailure(ex) || ex is InvalidOperationException)
        {
            // The connection broke or the server ended the transaction: there is nothing of it left to take back.
        }
    }

    public async Task<T?> QueryRowAsync<T>(string sql, object parameters) =>
        await _connection.QueryFirstOrDefaultAsync<T>(Command(sql, parameters)).ConfigureAwait(false);

    public async Task<IReadOnlyList<T>> QueryRowsAsync<T>(string sql, object parameters) =>
        [.. await _connection.QueryAsync<T>(Command(sql, parameters)).ConfigureAwait(false)];

    public async Task<int> ExecuteAsync(string sql, object parameters) =>
        await _connection.ExecuteAsync(Command(sql, parameters)).ConfigureAwait(false);

    /// <summary>
    /// Runs <paramref name="queries"/> (each returning at most one row) and then <paramref name="trailing"/> (returning
    /// none), in order, in one round trip where the driver batches. Returns each query's row or <see langword="null"/>.
    /// </summary>
    public async Task<T?[]> QueryEachAsync<T>(IReadOnlyList<SqlCall> queries, IReadOnlyList<SqlCall>? trailing = null)
        where T : class
    {
        var rows = new T?[queries.Count];
        if (queries.Count == 0 && (trailing is null || trailing.Count == 0))
        {
            // Nothing to send: some drivers refuse an empty batch.
            return rows;
        }

        if (!CanBatch)
        {
            for (var i = 0; i < queries.Count; i++)
            {
                rows[i] = await QueryRowAsync<T>(queries[i].Sql, queries[i].Parameters).ConfigureAwait(false);
            }

            foreach (var call in trailing ?? [])
            {
                await ExecuteAsync(call.Sql, call.Parameters).ConfigureAwait(false);
            }

            return rows;
        }

        var batch = CreateBatch(queries.Concat(trailing ?? []));
        await using var batchScope = batch.ConfigureAwait(false);
        var reader = await batch.ExecuteReaderAsync(CancellationToken).ConfigureAwait(false);
        await using (reader.ConfigureAwait(false))
        {
            for (var i = 0; i < queries.Count; i++)
            {
                if (i > 0 && !await reader.NextResultAsync(CancellationToken).ConfigureAwait(false))
                {
                    throw new InvalidOperationException($"The batch returned {i} result sets for {queries.Count} queries.");
                }

                var parse = reader.GetRowParser<T>();
                if (await reader.ReadAsync(CancellationToken).ConfigureAwait(false))
                {
                    rows[i] = parse(reader);
                }
            }

            // Drain the trailing commands here so that their errors surface now, not on dispose.
            while (await reader.NextResultAsync(CancellationToken).ConfigureAwait(false))
            {
            }
        }

        return rows;
    }

    /// <summary>
    /// Runs <paramref name="leading"/> (each a query; its rows are not read), then <paramref name="row"/> (at most one
    /// row) and <paramref name="rows"/>, in order, in one round trip where the driver batches. Each runs after the one
    /// before it has finished, so a lock <paramref name="leading"/> waits for is held when the reads after it start.
    /// </summary>
    public async Task<(TRow? Row, IReadOnlyList<TRows> Rows)> QueryRowAndRowsAsync<TRow, TRows>(IReadOnlyList<SqlCall> leading, SqlCall row, SqlCall rows)
        where TRow : class
    {
        if (!CanBatch)
        {
            foreach (var call in leading)
            {
                await ExecuteAsync(call.Sql, call.Parameters).ConfigureAwait(false);
            }

            var first = await QueryRowAsync<TRow>(row.Sql, row.Parameters).ConfigureAwait(false);
            return (first, await QueryRowsAsync<TRows>(rows.Sql, rows.Parameters).ConfigureAwait(false));
        }

        var batch = CreateBatch([.. leading, row, rows]);
        await using var batchScope = batch.ConfigureAwait(false);
        var reader = await batch.ExecuteReaderAsync(CancellationToken).ConfigureAwait(false);
        await using (reader.ConfigureAwait(false))
        {
            for (var i = 0; i < leading.Count; i++)
            {
                if (!await reader.NextResultAsync(CancellationToken).ConfigureAwait(false))
                {
                    throw new InvalidOperationException($"The batch returned {i + 1} result sets for {leading.Count + 2} queries.");
                }
            }

            TRow? found = null;
            var parseRow = reader.GetRowParser<TRow>();
            if (await reader.ReadAsync(CancellationToken).ConfigureAwait(false))
            {
                found = parseRow(reader);
            }

            if (!await reader.NextResultAsync(CancellationToken).ConfigureAwait(false))
            {
                throw new InvalidOperationException($"The batch returned {leading.Count + 1} result sets for {leading.Count + 2} queries.");
            }

            var list = new List<TRows>();
            var parseRows = reader.GetRowParser<TRows>();
            while (await reader.ReadAsync(CancellationToken).ConfigureAwait(false))
            {
                list.Add(parseRows(reader));
            }

            while (await reader.NextResultAsync(CancellationToken).ConfigureAwait(false))
            {
            }

            return (found, list);
        }
    }

    /// <summary>Runs <paramref name="calls"/> in order, in one round trip where the driver batches.</summary>
    public async Task ExecuteAllAsync(IReadOnlyList<SqlCall> calls)
    {
        if (calls.Count == 0)
        {
            return;
        }

        if (!CanBatch || calls.Count == 1)
        {
            foreach (var call in calls)
            {
                await ExecuteAsync(call.Sql, call.Parameters).ConfigureAwait(false);
            }

            return;
        }

        var batch = CreateBatch(calls);
        await using var batchScope = batch.ConfigureAwait(false);
        await batch.ExecuteNonQueryAsync(CancellationToken).ConfigureAwait(false);
    }

    /// <summary>Queues a write that runs just before the commit (in the commit's batch), unless an undo drops it first.</summary>
    public void Defer(SqlCall call) => _deferred.Add(call);

    /// <summary>Marks the point <see cref="UndoAsync"/> returns to: after the idempotency key row, before the change.</summary>
    public async Task SavepointAsync()
    {
        await SaveAsync(AttemptSavepoint).ConfigureAwait(false);
        _hasSavepoint = true;
    }

    /// <summary>Undoes every change since the savepoint, or since the transaction began when there is none.</summary>
    public async Task UndoAsync()
    {
        _deferred.Clear();
        if (_hasSavepoint)
        {
            await RollbackToAsync(AttemptSavepoint, CancellationToken).ConfigureAwait(false);
            return;
        }

        if (_joined)
        {
            // Never the caller's whole transaction: only what the store did in it.
            await RollbackToAsync(CallSavepoint, CancellationToken).ConfigureAwait(false);
            return;
        }

        await _transaction!.RollbackAsync(CancellationToken).ConfigureAwait(false);
        await _transaction.DisposeAsync().ConfigureAwait(false);
        _transaction = await Dialect.BeginTransactionAsync(_connection, CancellationToken).ConfigureAwait(false);
    }

    /// <summary>Runs the deferred writes, then commits; in a caller's transaction, releases the savepoint and leaves the commit to the caller.</summary>
    public async Task CommitAsync()
    {
        await ExecuteAllAsync(_deferred).ConfigureAwait(false);
        _deferred.Clear();
        if (_joined)
        {
            if (_transaction is null)
            {
                await ExecuteAsync("RELEASE SAVEPOINT " + CallSavepoint, new { }).ConfigureAwait(false);
            }
            else
            {
                await _transaction.ReleaseAsync(CallSavepoint, CancellationToken).ConfigureAwait(false);
            }

            return;
        }

        // Not cancellable: once the commit is on its way, abandoning it would only hide its outcome.
        CommitStarted = true;
        await _transaction!.CommitAsync(CancellationToken.None).ConfigureAwait(false);
    }

    public async ValueTask DisposeAsync()
    {
        if (_joined)
        {
            return;
        }

        try
        {
            await _transaction!.DisposeAsync().ConfigureAwait(false);
        }
        finally
        {
            // The connection goes back even when the rollback failed (e.g. the engine already ended the transaction).
            await _connection.DisposeAsync().ConfigureAwait(false);
        }
    }

    /// <summary>Marks a savepoint: through the transaction, or by statement on a connection enlisted in an ambient transaction.</summary>
    private async Task SaveAsync(string name)
    {
        if (_transaction is null)
        {
            await ExecuteAsync("SAVEPOINT " + name, new { }).ConfigureAwait(false);
            return;
        }

        await _transaction.SaveAsync(name, CancellationToken).ConfigureAwait(false);
    }

    /// <summary>Returns to a savepoint: through the transaction, or by statement on a connection enlisted in an ambient transaction.</summary>
    private async Task RollbackToAsync(string name, CancellationToken cancellationToken)
    {
        if (_transaction is null)
        {
            await _connection.ExecuteAsync(new CommandDefinition("ROLLBACK TO SAVEPOINT " + name, null, null, _commandTimeout, cancellationToken: cancellationToken)).ConfigureAwait(false);
            return;
        }

        await _transaction.RollbackAsync(name, cancellationToken).ConfigureAwait(false);
    }

    private static (string Name, Func<object, object?> Read)[] ReadersOf(Type type)
    {
        var instance = Expression.Parameter(typeof(object));
        return [.. type.GetProperties(BindingFlags.Public | BindingFlags.Instance).Select(p => (p.Name, Expression.Lambda<Func<object, object?>>(
            Expression.Convert(Expression.Property(Expression.Convert(instance, type), p), typeof(object)), instance).Compile()))];
    }

    private CommandDefinition Command(string sql, object parameters) =>
        new(sql, parameters, _transaction, _commandTimeout, cancellationToken: CancellationToken);

    private DbBatch CreateBatch(IEnumerable<SqlCall> calls)
    {
        var batch = _connection.CreateBatch();
        batch.Transaction = _transaction;
        batch.Timeout = _commandTimeout;
        foreach (var call in calls)
        {
            var command = batch.CreateBatchCommand();
            command.CommandText = call.Sql;
            if (call.Parameters is IEnumerable<KeyValuePair<string, object?>> named)
            {
                foreach (var (name, value) in named)
                {
                    AddParameter(command, name, value);
                }
            }
            else
            {
                foreach (var (name, read) in ParameterReaders.GetOrAdd(call.Parameters.GetType(), ReadersOf))
                {
                    AddParameter(command, name, read(call.Parameters));
                }
            }

            batch.BatchCommands.Add(command);
        }

        return batch;
    }

    private static void AddParameter(DbBatchCommand command, string name, object? value) =>
        command.Parameters.Add(Bind(command.CreateParameter(), name, value));

    /// <summary>Names <paramref name="parameter"/> and sets its value (<see cref="DBNull"/> for null) and, when given, its type.</summary>
    internal static DbParameter Bind(DbParameter parameter, string name, object? value, DbType? type = null)
    {
        parameter.ParameterName = name;
        parameter.Value = value ?? DBNull.Value;
        if (type is { } dbType)
        {
            parameter.DbType = dbType;
        }

        return parameter;
    }
}
