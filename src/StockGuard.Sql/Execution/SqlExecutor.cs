using Dapper;
using System.Data.Common;
using Microsoft.Extensions.Logging;
using StockGuard.Diagnostics;
using StockGuard.Sql.Idempotency;

namespace StockGuard.Sql.Execution;

/// <summary>
/// Runs the store's operations: each in its own transaction on a pooled connection, after the schema and the clock are
/// ready, timed and traced, a deadlock or serialization failure before the commit run again, every driver failure
/// turned into a typed error that says whether anything changed. Everything the operations share lives here.
/// </summary>
internal sealed partial class SqlExecutor : IAsyncDisposable, IDisposable
{
    private readonly bool _ownsDataSource;
    private readonly SchemaGate _schema;
    private readonly StoreClock _clock;

    /// <summary>The store's own executor when this one runs in a caller's transaction: the schema and the clock are its.</summary>
    private readonly SqlExecutor? _store;

    /// <summary>The caller's open connection and transaction, when this executor runs in them.</summary>
    private readonly (DbConnection Connection, DbTransaction? Transaction, System.Data.IsolationLevel Isolation)? _caller;

    private Type? _connectionType;

    public SqlExecutor(DbDataSource dataSource, bool ownsDataSource, SqlDialect dialect, SqlStockStoreOptions options, TimeProvider time, ILogger logger)
    {
        DataSource = dataSource;
        _ownsDataSource = ownsDataSource;
        Dialect = dialect;
        Options = options;
        Time = time;
        Logger = logger;
        _schema = new SchemaGate();
        _clock = new StoreClock(time, dialect, options, logger);
    }

    /// <summary>An executor that runs every operation in the caller's open transaction, sharing this one's pool, schema gate and clock.</summary>
    private SqlExecutor(SqlExecutor store, DbConnection connection, DbTransaction? transaction, System.Data.IsolationLevel isolation)
    {
        DataSource = store.DataSource;
        Dialect = store.Dialect;
        Options = store.Options;
        Time = store.Time;
        Logger = store.Logger;
        _schema = store._schema;
        _clock = store._clock;
        _store = store;
        _caller = (connection, transaction, isolation);
    }

    public DbDataSource DataSource { get; }

    /// <summary>Whether operations run in a caller's transaction, which the store neither commits nor retries.</summary>
    public bool InCallerTransaction => _caller is not null;

    public SqlDialect Dialect { get; }

    public SqlStockStoreOptions Options { get; }

    /// <summary>The store's <see cref="TimeProvider"/>: timers (back-off, batch waits), and the time itself unless the database's clock decides.</summary>
    public TimeProvider Time { get; }

    public ILogger Logger { get; }

    /// <summary>The time of the operation about to run, from the clock that decides (<see cref="SqlStockStoreOptions.Clock"/>).</summary>
    public DateTimeOffset Now() => _clock.Now();

    /// <summary>Creates the schema if missing (see <see cref="SchemaGate.CreateAsync"/>).</summary>
    public Task EnsureSchemaAsync(CancellationToken cancellationToken) => _schema.CreateAsync(this, cancellationToken);

    /// <summary>Reads the schema version (see <see cref="SchemaGate.ReadVersionAsync"/>).</summary>
    public Task<int?> GetSchemaVersionAsync(CancellationToken cancellationToken) => SchemaGate.ReadVersionAsync(this, cancellationToken);

    /// <summary>
    /// An executor whose operations run in the caller's open <paramref name="transaction"/> on <paramref name="connection"/>.
    /// Both are checked here: open, of this store's engine, and the transaction the connection's.
    /// </summary>
    public SqlExecutor InTransaction(DbConnection connection, DbTransaction transaction)
    {
        ArgumentNullException.ThrowIfNull(connection);
        ArgumentNullException.ThrowIfNull(transaction);
        CheckCallerConnection(connection);
        if (!ReferenceEquals(transaction.Connection, connection))
        {
            throw new ArgumentException("The transaction does not belong to the connection, or has already been committed or rolled back.", nameof(transaction));
        }

        System.Data.IsolationLevel isolation;
        try
        {
            isolation = transaction.IsolationLevel;
        }
        catch (InvalidOperationException ex)
        {
            // Npgsql tells a finished transaction here.
            throw new ArgumentException($"The transaction can no longer be used ({ex.Message.Trim().TrimEnd('.')}); it has been committed or rolled back.", nameof(transaction), ex);
        }

        return new SqlExecutor(_store ?? this, connection, transaction, isolation);
    }

    /// <summary>
    /// An executor whose operations run on <paramref name="connection"/>, enlisted in the ambient System.Transactions
    /// transaction it was opened in; savepoints are taken by statement. The connection is checked here, its enlistment by
    /// each operation before it writes.
    /// </summary>
    public SqlExecutor InAmbientTransaction(DbConnection connection)
    {
        ArgumentNullException.ThrowIfNull(connection);
        if (!Dialect.EnlistsInAmbientTransactions)
        {
            throw new ArgumentException($"A {connection.GetType().Name} does not enlist in System.Transactions transactions; begin a transaction on it and pass both to InTransaction(connection, transaction).", nameof(connection));
        }

        CheckCallerConnection(connection);
        var ambient = System.Transactions.Transaction.Current;
        if (ambient is null || ambient.TransactionInformation.Status != System.Transactions.TransactionStatus.Active)
        {
            throw new ArgumentException(
                "There is no active ambient transaction (TransactionScope): call InTransaction(connection) inside the scope the connection was opened in, or pass a transaction of the connection to InTransaction(connection, transaction).",
                nameof(connection));
        }

        var isolation = Enum.TryParse<System.Data.IsolationLevel>(ambient.IsolationLevel.ToString(), out var level) ? level : System.Data.IsolationLevel.Unspecified;
        return new SqlExecutor(_store ?? this, connection, null, isolation);
    }

    /// <summary>
    /// Refuses a write of the store's own inside an ambient System.Transactions transaction: the store's own transaction
    /// would commit whatever the scope decides. A view in a caller's transaction is never refused here.
    /// </summary>
    /// <exception cref="AmbientTransactionException">An ambient transaction is active.</exception>
    public void RefuseAmbientTransaction(string operation)
    {
        if (_caller is null && System.Transactions.Transaction.Current is not null)
        {
            throw new AmbientTransactionException(Dialect.StoreName, operation);
        }
    }

    /// <summary>Checks a caller's connection: of this store's engine, and open.</summary>
    private void CheckCallerConnection(DbConnection connection)
    {
        var expected = _connectionType ??= ConnectionTypeOf(DataSource);
        if (!expected.IsInstanceOfType(connection))
        {
            throw new ArgumentException($"The connection is a {connection.GetType().Name}; the {Dialect.StoreName} store works on a {expected.Name} to its own database.", nameof(connection));
        }

        if (connection.State != System.Data.ConnectionState.Open)
        {
            throw new ArgumentException($"The connection is {connection.State}; open it and begin the transaction before handing them to the store.", nameof(connection));
        }
    }

    /// <summary>
    /// Refuses, before anything is written, a caller's transaction in which <paramref name="strategy"/> could never succeed
    /// against a concurrent change: the optimistic strategy at an isolation level whose reads never show a newer version.
    /// </summary>
    /// <exception cref="ArgumentException">The optimistic strategy in such a transaction; the message names READ COMMITTED.</exception>
    public void ThrowIfStrategyCannotWorkInCallerTransaction(ConcurrencyStrategy strategy)
    {
        if (strategy == ConcurrencyStrategy.Optimistic && _caller is { } caller && !Dialect.OptimisticRetrySeesNewerVersions(caller.Isolation))
        {
            var level = caller.Isolation;
            throw new ArgumentException(
                $"The caller's transaction runs at REPEATABLE READ (IsolationLevel.{level}), where the optimistic strategy's retry reads the " +
                "transaction's first snapshot again and can never see the version that beat it. Begin the transaction with " +
                "IsolationLevel.ReadCommitted (READ COMMITTED), or use the atomic or pessimistic strategy for this call. Nothing was changed.",
                "transaction");
        }
    }

    /// <summary>Makes the schema and the clock ready for an operation that runs outside <see cref="RunAsync{T}"/>.</summary>
    public async Task EnsureReadyAsync(CancellationToken cancellationToken)
    {
        if (_store is not null)
        {
            // The store's own pool, never the caller's transaction: what the gate and the clock learn outlives it.
            await _store.EnsureReadyAsync(cancellationToken).ConfigureAwait(false);
            return;
        }

        await _schema.EnsureReadyAsync(this, cancellationToken).ConfigureAwait(false);
        await _clock.EnsureReadAsync(this, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Runs a read in its own transaction at the operation's time.</summary>
    public Task<T> ReadAsync<T>(Func<SqlSession, DateTimeOffset, Task<T>> read, CancellationToken cancellationToken) =>
        RunAsync(s => read(s, Now()), cancellationToken);

    /// <summary>Runs one operation in its own transaction, timed and traced.</summary>
    public Task<T> RunOperationAsync<T>(StockOperation operation, Func<SqlSession, DateTimeOffset, Task<T>> body, Func<T, string> outcome, CancellationToken cancellationToken) =>
        RunTimedAsync(operation, ct => RunAsync(s => body(s, Now()), ct), outcome, cancellationToken);

    /// <summary>
    /// Runs a change with its idempotency key, timed and traced. When <paramref name="first"/> is given it is tried before,
    /// outside any transaction; when it returns <see langword="null"/> it changed nothing and the transaction runs.
    /// </summary>
    public Task<StockChangeResult> RunChangeAsync(
        StockRequest request,
        Func<SqlSession, DateTimeOffset, Task<StockChangeResult>> apply,
        CancellationToken cancellationToken,
        Func<CancellationToken, Task<StockChangeResult?>>? first = null) =>
        RunTimedAsync(request.Operation, ct => RunChangeUntimedAsync(request, apply, ct, first), ChangeOutcome, cancellationToken);

    /// <summary>The change of <see cref="RunChangeAsync"/>, for a caller that times and traces it itself.</summary>
    public async Task<StockChangeResult> RunChangeUntimedAsync(
        StockRequest request,
        Func<SqlSession, DateTimeOffset, Task<StockChangeResult>> apply,
        CancellationToken cancellationToken,
        Func<CancellationToken, Task<StockChangeResult?>>? first) =>
        (first is null || InCallerTransaction ? null : await first(cancellationToken).ConfigureAwait(false))
            ?? await RunAsync(
                s =>
                {
                    var now = Now();
                    return IdempotencyLedger.RunOnceAsync(s, request, now, () => apply(s, now), ResultJson.Write, ResultJson.ReadChange);
                },
                cancellationToken).ConfigureAwait(false);

    /// <summary>The outcome tag of a change, for telemetry.</summary>
    public static string ChangeOutcome(StockChangeResult result) => result.IsReplay ? "replayed" : result.Succeeded ? "applied" : "refused";

    /// <summary>Runs one operation, timed and traced.</summary>
    public async Task<T> RunTimedAsync<T>(StockOperation operation, Func<CancellationToken, Task<T>> run, Func<T, string> outcome, CancellationToken cancellationToken)
    {
        var scope = StockGuardTelemetry.Start(Dialect.StoreName, operation);
        try
        {
            var result = await run(cancellationToken).ConfigureAwait(false);
            scope.Complete(outcome(result));
            return result;
        }
        catch (Exception ex)
        {
            scope.Fail(ex);
            throw;
        }
    }

    /// <summary>
    /// Opens a connection and transaction, runs <paramref name="body"/>, commits. A deadlock or serialization failure
    /// before the commit runs the whole body again (it changed nothing), up to <see cref="SqlStockStoreOptions.MaxTransientRetries"/>.
    /// Driver failures become <see cref="StockStoreException"/>s; cancellation stays an <see cref="OperationCanceledException"/>.
    /// </summary>
    /// <param name="body">The transaction's work.</param>
    /// <param name="cancellationToken">Cancels the operation until its commit is sent.</param>
    /// <param name="ensureReady">Whether the schema and the clock are made ready first: off only for the work that makes them ready.</param>
    /// <param name="readOnly">Whether the body only reads, in a transaction begun by <see cref="SqlEngine.BeginReadTransactionAsync"/>.</param>
    public async Task<T> RunAsync<T>(Func<SqlSession, Task<T>> body, CancellationToken cancellationToken, bool ensureReady = true, bool readOnly = false)
    {
        cancellationToken.ThrowIfCancellationRequested();
        if (ensureReady)
        {
            await EnsureReadyAsync(cancellationToken).ConfigureAwait(false);
        }

        if (_caller is { } caller)
        {
            return await RunInCallerTransactionAsync(caller.Connection, caller.Transaction, body, cancellationToken).ConfigureAwait(false);
        }

        for (var attempt = 0; ; attempt++)
        {
            SqlSession? session = null;
            try
            {
                session = await SqlSession.OpenAsync(DataSource, Dialect, Options.CommandTimeout, cancellationToken, readOnly).ConfigureAwait(false);
                session.WaitlistClaimWindow = Options.WaitlistClaimWindow;
                var result = await body(session).ConfigureAwait(false);
                await session.CommitAsync().ConfigureAwait(false);
                return result;
            }
            catch (Exception ex) when (SqlFailures.IsDriverFailure(ex))
            {
                var commitStarted = session?.CommitStarted == true;
                if (cancellationToken.IsCancellationRequested && !commitStarted)
                {
                    throw new OperationCanceledException("The operation was cancelled; nothing was changed.", ex, cancellationToken);
                }

                var failure = Dialect.Classify(ex);
                if (failure == SqlFailure.Retryable && !commitStarted && attempt < Options.MaxTransientRetries)
                {
                    RecordRetry(attempt + 1, ex);
                    continue;
                }

                throw SqlFailures.Translate(Dialect, ex, failure, commitStarted);
            }
            finally
            {
                if (session is not null)
                {
                    await SqlFailures.DisposeQuietlyAsync(session).ConfigureAwait(false);
                }
            }
        }
    }

    /// <summary>
    /// Runs the dialect's <see cref="SqlDialect.CommitFlushBarrier"/> in autocommit: once it returns, every transaction
    /// committed before it is durable. Nothing to do where the dialect has none.
    /// </summary>
    /// <exception cref="StockStoreException">The barrier failed: the transactions before it are committed but may not be durable (outcome unknown).</exception>
    public async Task FlushCommitsAsync()
    {
        if (Dialect.CommitFlushBarrier is not { } barrier)
        {
            return;
        }

        try
        {
            var connection = await DataSource.OpenConnectionAsync(CancellationToken.None).ConfigureAwait(false);
            await using (connection.ConfigureAwait(false))
            {
                await connection.ExecuteScalarAsync(new CommandDefinition(barrier, commandTimeout: Options.CommandTimeout)).ConfigureAwait(false);
            }
        }
        catch (Exception ex) when (SqlFailures.IsDriverFailure(ex))
        {
            throw SqlFailures.Translate(
                Dialect,
                ex,
                Dialect.Classify(ex),
                commitStarted: true,
                "The change was committed but the database failed before confirming it durable; a crash may still lose it. Retry with the same idempotency key to learn whether it was applied.");
        }
    }

    /// <summary>
    /// Runs <paramref name="body"/> in the caller's transaction, behind a savepoint: any failure takes back the store's
    /// work and leaves the caller's transaction theirs to end. Nothing is retried here: a deadlock or serialization
    /// failure may have ended the caller's whole transaction (MySQL rolls it back), so only the caller can run it again.
    /// </summary>
    private async Task<T> RunInCallerTransactionAsync<T>(DbConnection connection, DbTransaction? transaction, Func<SqlSession, Task<T>> body, CancellationToken cancellationToken)
    {
        SqlSession? session = null;
        try
        {
            session = await SqlSession.JoinAsync(connection, transaction, Dialect, Options.CommandTimeout, cancellationToken).ConfigureAwait(false);
            session.WaitlistClaimWindow = Options.WaitlistClaimWindow;
            var result = await body(session).ConfigureAwait(false);
            await session.CommitAsync().ConfigureAwait(false);
            return result;
        }
        catch (Exception ex)
        {
            if (session is not null)
            {
                await session.AbandonAsync().ConfigureAwait(false);
            }

            if (!SqlFailures.IsDriverFailure(ex))
            {
                throw;
            }

            if (cancellationToken.IsCancellationRequested)
            {
                throw new OperationCanceledException("The operation was cancelled; the store's change is not in the transaction.", ex, cancellationToken);
            }

            var failure = Dialect.Classify(ex);
            if (failure == SqlFailure.Retryable)
            {
                throw new StockTransactionAbortedException(Dialect.StoreName, ex);
            }

            throw SqlFailures.Translate(Dialect, ex, failure, commitStarted: false);
        }
    }

    private static Type ConnectionTypeOf(DbDataSource dataSource)
    {
        using var probe = dataSource.CreateConnection();
        return probe.GetType();
    }

    /// <summary>Counts and logs a run of an operation again after a deadlock or serialization failure that changed nothing.</summary>
    public void RecordRetry(int attempt, Exception exception)
    {
        StockGuardTelemetry.RecordRetry(Dialect.StoreName);
        LogRetry(Logger, attempt, exception);
    }

    /// <summary>Releases the connection pool when the store created it, and the gates.</summary>
    public async ValueTask DisposeAsync()
    {
        if (_store is not null)
        {
            return;
        }

        if (_ownsDataSource)
        {
            await DataSource.DisposeAsync().ConfigureAwait(false);
        }

        _schema.Dispose();
        _clock.Dispose();
    }

    /// <summary>Releases the connection pool when the store created it, and the gates.</summary>
    public void Dispose()
    {
        if (_store is not null)
        {
            return;
        }

        if (_ownsDataSource)
        {
            DataSource.Dispose();
        }

        _schema.Dispose();
        _clock.Dispose();
    }

    [LoggerMessage(1, LogLevel.Debug, "A deadlock or serialization failure aborted attempt {Attempt}; running the operation again.")]
    private static partial void LogRetry(ILogger logger, int attempt, Exception exception);
}
