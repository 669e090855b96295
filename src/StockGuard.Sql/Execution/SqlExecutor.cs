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
    private readonly SchemaGate _schema = new();
    private readonly StoreClock _clock;

    public SqlExecutor(DbDataSource dataSource, bool ownsDataSource, SqlDialect dialect, SqlStockStoreOptions options, TimeProvider time, ILogger logger)
    {
        DataSource = dataSource;
        _ownsDataSource = ownsDataSource;
        Dialect = dialect;
        Options = options;
        Time = time;
        Logger = logger;
        _clock = new StoreClock(time, dialect, options, logger);
    }

    public DbDataSource DataSource { get; }

    public SqlDialect Dialect { get; }

    public SqlStockStoreOptions Options { get; }

    /// <summary>The store's <see cref="TimeProvider"/>: timers (back-off, batch waits), and the time itself unless the database's clock decides.</summary>
    public TimeProvider Time { get; }

    public ILogger Logger { get; }

    /// <summary>The time of the operation about to run, from the clock that decides (<see cref="SqlStockStoreOptions.Clock"/>).</summary>
    public DateTimeOffset Now() => _clock.Now();

    /// <summary>Creates the schema if missing (see <see cref="SchemaGate.CreateAsync"/>).</summary>
    public Task EnsureSchemaAsync(CancellationToken cancellationToken) => _schema.CreateAsync(this, cancellationToken);

    /// <summary>Makes the schema and the clock ready for an operation that runs outside <see cref="RunAsync{T}"/>.</summary>
    public async Task EnsureReadyAsync(CancellationToken cancellationToken)
    {
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
        (first is null ? null : await first(cancellationToken).ConfigureAwait(false))
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
    public async Task<T> RunAsync<T>(Func<SqlSession, Task<T>> body, CancellationToken cancellationToken, bool ensureReady = true)
    {
        cancellationToken.ThrowIfCancellationRequested();
        if (ensureReady)
        {
            await EnsureReadyAsync(cancellationToken).ConfigureAwait(false);
        }

        for (var attempt = 0; ; attempt++)
        {
            SqlSession? session = null;
            try
            {
                session = await SqlSession.OpenAsync(DataSource, Dialect, Options.CommandTimeout, cancellationToken).ConfigureAwait(false);
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

    /// <summary>Counts and logs a run of an operation again after a deadlock or serialization failure that changed nothing.</summary>
    public void RecordRetry(int attempt, Exception exception)
    {
        StockGuardTelemetry.RecordRetry(Dialect.StoreName);
        LogRetry(Logger, attempt, exception);
    }

    /// <summary>Releases the connection pool when the store created it, and the gates.</summary>
    public async ValueTask DisposeAsync()
    {
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
