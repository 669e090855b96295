using System.Data.Common;
using System.Net.Sockets;
using Microsoft.Extensions.Logging;
using StockGuard.Diagnostics;

namespace StockGuard.Sql;

public abstract partial class SqlStockStore
{
    /// <summary>
    /// Runs a change in its own transaction, with its idempotency key, timed and traced. When <paramref name="first"/> is
    /// given it is tried before, outside any transaction; when it returns <see langword="null"/> it changed nothing and
    /// the transaction runs.
    /// </summary>
    private Task<StockChangeResult> RunChangeAsync(
        StockRequest request,
        Func<SqlSession, DateTimeOffset, Task<StockChangeResult>> apply,
        CancellationToken cancellationToken,
        Func<CancellationToken, Task<StockChangeResult?>>? first = null) =>
        RunTimedAsync(request.Operation, ct => RunChangeUntimedAsync(request, apply, ct, first), ChangeOutcome, cancellationToken);

    /// <summary>The change of <see cref="RunChangeAsync"/>, for a caller that times and traces it itself.</summary>
    private async Task<StockChangeResult> RunChangeUntimedAsync(
        StockRequest request,
        Func<SqlSession, DateTimeOffset, Task<StockChangeResult>> apply,
        CancellationToken cancellationToken,
        Func<CancellationToken, Task<StockChangeResult?>>? first) =>
        (first is null ? null : await first(cancellationToken).ConfigureAwait(false))
            ?? await RunCoreAsync(
                s =>
                {
                    var now = Now();
                    return IdempotencyLedger.RunOnceAsync(s, request, now, () => apply(s, now), ResultJson.Write, ResultJson.ReadChange);
                },
                cancellationToken,
                ensureSchema: true).ConfigureAwait(false);

    private static string ChangeOutcome(StockChangeResult result) => result.IsReplay ? "replayed" : result.Succeeded ? "applied" : "refused";

    private Task<T> RunReadAsync<T>(Func<SqlSession, DateTimeOffset, Task<T>> read, CancellationToken cancellationToken) =>
        RunCoreAsync(s => read(s, Now()), cancellationToken, ensureSchema: true);

    /// <summary>Runs one operation in its own transaction, timed and traced, with its failures translated.</summary>
    private Task<T> RunAsync<T>(StockOperation operation, Func<SqlSession, DateTimeOffset, Task<T>> body, Func<T, string> outcome, CancellationToken cancellationToken) =>
        RunTimedAsync(operation, ct => RunCoreAsync(s => body(s, Now()), ct, ensureSchema: true), outcome, cancellationToken);

    /// <summary>Runs one operation, timed and traced.</summary>
    private async Task<T> RunTimedAsync<T>(StockOperation operation, Func<CancellationToken, Task<T>> run, Func<T, string> outcome, CancellationToken cancellationToken)
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
    private async Task<T> RunCoreAsync<T>(Func<SqlSession, Task<T>> body, CancellationToken cancellationToken, bool ensureSchema = false)
    {
        cancellationToken.ThrowIfCancellationRequested();
        if (ensureSchema)
        {
            await EnsureSchemaReadyAsync(cancellationToken).ConfigureAwait(false);
            await EnsureClockAsync(cancellationToken).ConfigureAwait(false);
        }

        for (var attempt = 0; ; attempt++)
        {
            SqlSession? session = null;
            try
            {
                session = await SqlSession.OpenAsync(_dataSource, Dialect, _options.CommandTimeout, cancellationToken).ConfigureAwait(false);
                var result = await body(session).ConfigureAwait(false);
                await session.CommitAsync().ConfigureAwait(false);
                return result;
            }
            catch (Exception ex) when (IsDriverFailure(ex))
            {
                var commitStarted = session?.CommitStarted == true;
                if (cancellationToken.IsCancellationRequested && !commitStarted)
                {
                    throw new OperationCanceledException("The operation was cancelled; nothing was changed.", ex, cancellationToken);
                }

                var failure = Dialect.Classify(ex);
                if (failure == SqlFailure.Retryable && !commitStarted && attempt < _options.MaxTransientRetries)
                {
                    StockGuardTelemetry.Retries.Add(1, new KeyValuePair<string, object?>("stockguard.store", Dialect.StoreName));
                    LogRetry(_logger, attempt + 1, ex);
                    continue;
                }

                throw Translate(ex, failure, commitStarted);
            }
            finally
            {
                if (session is not null)
                {
                    await DisposeQuietlyAsync(session).ConfigureAwait(false);
                }
            }
        }
    }

    /// <summary>Disposes a session or connection whose connection may be broken.</summary>
    private static async Task DisposeQuietlyAsync(IAsyncDisposable sessionOrConnection)
    {
        try
        {
            await sessionOrConnection.DisposeAsync().ConfigureAwait(false);
        }
        catch (Exception ex) when (IsDriverFailure(ex) || ex is InvalidOperationException)
        {
            // A broken connection can neither roll back nor go back to the pool: the pool drops it, and the server
            // rolls back whatever transaction it had when the session dies.
        }
    }

    private static bool IsDriverFailure(Exception ex) =>
        ex is DbException or TimeoutException or IOException or SocketException;

    private StockStoreException Translate(Exception ex, SqlFailure failure, bool commitStarted, string? unknownOutcome = null)
    {
        var what = commitStarted
            ? unknownOutcome ?? "The database failed while committing; the change may or may not have been applied. Retry with the same idempotency key to learn which."
            : "Nothing was changed.";
        return failure switch
        {
            // The driver's message names the cause (the user, the database, the table) and never the password.
            SqlFailure.Configuration => new StockStoreException(
                $"The {Dialect.StoreName} store cannot work as configured ({Cause(ex)}). Check the connection string and the database's permissions; a retry fails the same way. {what}",
                ex,
                isTransient: false,
                outcomeUnknown: commitStarted),
            SqlFailure.SchemaMissing => new StockStoreException(
                $"The {Dialect.StoreName} schema '{Dialect.Schema}' or one of its tables is missing ({Cause(ex)}). {ApplyTheScript()} {what}",
                ex,
                isTransient: false,
                outcomeUnknown: commitStarted),
            SqlFailure.Timeout when !commitStarted => new StockStoreTimeoutException($"A lock wait or statement on the {Dialect.StoreName} store timed out. {what}", ex),
            SqlFailure.StatementLost => new StockStoreException(
                $"The {Dialect.StoreName} server did not know the statement the store prepared on its connection (a server session shared with other clients). {what} {Dialect.PoolerAdvice}".TrimEnd(),
                ex,
                isTransient: false,
                outcomeUnknown: commitStarted),
            SqlFailure.Timeout or SqlFailure.Retryable or SqlFailure.ConnectionBroken =>
                new StockStoreException($"The {Dialect.StoreName} store failed ({Describe(failure)}). {what}", ex, isTransient: true, outcomeUnknown: commitStarted),
            _ => new StockStoreException($"The {Dialect.StoreName} store failed. {what}", ex, isTransient: ex is DbException { IsTransient: true }, outcomeUnknown: commitStarted),
        };
    }

    /// <summary>What to do when the tables are missing or behind: the packages ship their script as <c>sql/stockguard-{store}.sql</c>.</summary>
    private string ApplyTheScript() =>
        $"Apply the shipped script (sql/stockguard-{Dialect.StoreName}.sql in the package) or enable AutoCreateSchema.";

    private static string Cause(Exception ex) => ex.Message.Trim().TrimEnd('.');

    private static string Describe(SqlFailure failure) => failure switch
    {
        SqlFailure.Timeout => "a time limit expired",
        SqlFailure.Retryable => "a deadlock or serialization failure persisted through the retries",
        _ => "the server could not be reached or the connection broke",
    };

    private Task EnsureSchemaReadyAsync(CancellationToken cancellationToken) => _schemaReady ? Task.CompletedTask : PrepareSchemaAsync(cancellationToken);

    private async Task PrepareSchemaAsync(CancellationToken cancellationToken)
    {
        await _schemaGate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            if (_schemaReady)
            {
                return;
            }

            if (_options.AutoCreateSchema)
            {
                await EnsureSchemaAsync(cancellationToken).ConfigureAwait(false);
            }
            else
            {
                await RunCoreAsync(async s => await CheckSchemaVersionAsync(s).ConfigureAwait(false), cancellationToken).ConfigureAwait(false);
                _schemaReady = true;
            }
        }
        finally
        {
            _schemaGate.Release();
        }
    }

    private async Task<bool> CheckSchemaVersionAsync(SqlSession s)
    {
        var version = await s.QueryRowAsync<int?>(Dialect.SelectSchemaVersion, new { }).ConfigureAwait(false);
        if (version != SqlDialect.SchemaVersion)
        {
            throw new StockStoreException(
                $"The {Dialect.StoreName} schema '{Dialect.Schema}' is at version {version?.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? "none"}; this library needs version {SqlDialect.SchemaVersion}. {ApplyTheScript()}",
                null,
                isTransient: false);
        }

        return true;
    }

    [LoggerMessage(1, LogLevel.Debug, "A deadlock or serialization failure aborted attempt {Attempt}; running the operation again.")]
    private static partial void LogRetry(ILogger logger, int attempt, Exception exception);
}
