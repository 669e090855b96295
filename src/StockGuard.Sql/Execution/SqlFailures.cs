using System.Data.Common;
using System.Net.Sockets;

namespace StockGuard.Sql.Execution;

/// <summary>Turns driver failures into the store's typed errors, telling the caller whether anything changed.</summary>
internal static class SqlFailures
{
    /// <summary>Whether <paramref name="ex"/> came from the driver or the network, as opposed to a bug or a caller's error.</summary>
    public static bool IsDriverFailure(Exception ex) =>
        ex is DbException or TimeoutException or IOException or SocketException;

    /// <summary>
    /// The typed error for a driver failure the dialect classified as <paramref name="failure"/>. Once the commit was sent
    /// (<paramref name="commitStarted"/>) the outcome is unknown, said by <paramref name="unknownOutcome"/> or the default.
    /// </summary>
    public static StockStoreException Translate(SqlDialect dialect, Exception ex, SqlFailure failure, bool commitStarted, string? unknownOutcome = null)
    {
        var what = commitStarted
            ? unknownOutcome ?? "The database failed while committing; the change may or may not have been applied. Retry with the same idempotency key to learn which."
            : "Nothing was changed.";
        var store = dialect.StoreName;
        return failure switch
        {
            // The driver's message names the cause (the user, the database, the table) and never the password.
            SqlFailure.Configuration => new StockStoreException(
                $"The {store} store cannot work as configured ({Cause(ex)}). Check the connection string and the database's permissions; a retry fails the same way. {what}",
                ex,
                isTransient: false,
                outcomeUnknown: commitStarted),
            SqlFailure.SchemaMissing => new StockStoreException(
                $"The {store} schema '{dialect.Schema}' or one of its tables is missing ({Cause(ex)}). {ApplyTheScript(dialect)} {what}",
                ex,
                isTransient: false,
                outcomeUnknown: commitStarted),
            SqlFailure.Timeout when !commitStarted => new StockStoreTimeoutException($"A lock wait or statement on the {store} store timed out. {what}", ex),
            SqlFailure.StatementLost => new StockStoreException(
                $"The {store} server did not know the statement the store prepared on its connection (a server session shared with other clients). {what} {dialect.PoolerAdvice}".TrimEnd(),
                ex,
                isTransient: false,
                outcomeUnknown: commitStarted),
            SqlFailure.Timeout or SqlFailure.Retryable or SqlFailure.ConnectionBroken =>
                new StockStoreException($"The {store} store failed ({Describe(failure)}). {what}", ex, isTransient: true, outcomeUnknown: commitStarted),
            _ => new StockStoreException($"The {store} store failed. {what}", ex, isTransient: ex is DbException { IsTransient: true }, outcomeUnknown: commitStarted),
        };
    }

    /// <summary>
    /// The failure of an operation sent as one command outside a transaction of the caller's (a one-command sale, hold,
    /// confirm or release). Returns when a deadlock or serialization failure changed nothing, so that the caller hands
    /// the operation over to its transactional path (the retry is recorded); otherwise throws the typed error:
    /// cancellation before anything changed, an unknown outcome once the command may have applied, else
    /// <see cref="Translate"/>.
    /// </summary>
    /// <param name="executor">The store's executor, which records the retry.</param>
    /// <param name="ex">The failure: a cancellation or a driver failure (<see cref="IsDriverFailure"/>).</param>
    /// <param name="nothingChanged">Whether the command cannot have applied: never sent, or refused by the server before its row set ended.</param>
    /// <param name="unknownOutcome">What to tell the caller when the outcome is unknown.</param>
    /// <param name="cancellationToken">The caller's token.</param>
    public static void ThrowUnlessHandedOver(SqlExecutor executor, Exception ex, bool nothingChanged, string unknownOutcome, CancellationToken cancellationToken)
    {
        var dialect = executor.Dialect;
        if (nothingChanged && cancellationToken.IsCancellationRequested)
        {
            throw new OperationCanceledException("The operation was cancelled; nothing was changed.", ex, cancellationToken);
        }

        if (ex is OperationCanceledException && !nothingChanged)
        {
            throw new StockStoreException($"The operation on the {dialect.StoreName} store was cancelled after the command was sent. {unknownOutcome}", ex, isTransient: true, outcomeUnknown: true);
        }

        if (ex is OperationCanceledException)
        {
            // Opening the connection timed out, or the server cancelled the command for its own reasons.
            throw new StockStoreException($"The {dialect.StoreName} store cancelled the operation. Nothing was changed.", ex, isTransient: true);
        }

        var failure = dialect.Classify(ex);
        if (failure == SqlFailure.Retryable && nothingChanged)
        {
            executor.RecordRetry(1, ex);
            return;
        }

        throw Translate(dialect, ex, failure, commitStarted: !nothingChanged, unknownOutcome);
    }

    /// <summary>
    /// The error for a one-command operation answered with another command's reply (a server session shared with other
    /// clients ran something else): the outcome is unknown, and the pooler advice says how to configure the store.
    /// </summary>
    /// <param name="dialect">The store's dialect.</param>
    /// <param name="what">The operation, e.g. "one-line deduct of SKU/LOCATION".</param>
    /// <param name="reply">What came back instead.</param>
    /// <param name="inner">The failure reading the reply, if any.</param>
    /// <param name="unknownOutcome">What to tell the caller about the unknown outcome.</param>
    public static StockStoreException ForeignReply(SqlDialect dialect, string what, string reply, Exception? inner, string unknownOutcome) => new(
        $"The {dialect.StoreName} store's {what} in schema '{dialect.Schema}' was answered with {reply}: " +
        $"the server ran another command than the one the store sent (a server session shared with other clients). {unknownOutcome} {dialect.PoolerAdvice}".TrimEnd(),
        inner,
        isTransient: false,
        outcomeUnknown: true);

    /// <summary>What to do when the tables are missing or behind: the packages ship their script as <c>sql/stockguard-{store}.sql</c>.</summary>
    public static string ApplyTheScript(SqlDialect dialect) =>
        $"Apply the shipped script (sql/stockguard-{dialect.StoreName}.sql in the package) or enable AutoCreateSchema.";

    /// <summary>Disposes a session, connection or command whose connection may be broken.</summary>
    public static async Task DisposeQuietlyAsync(IAsyncDisposable disposable)
    {
        try
        {
            await disposable.DisposeAsync().ConfigureAwait(false);
        }
        catch (Exception ex) when (IsDriverFailure(ex) || ex is InvalidOperationException)
        {
            // A broken connection can neither roll back nor go back to the pool: the pool drops it, and the server
            // rolls back whatever transaction it had when the session dies.
        }
    }

    private static string Cause(Exception ex) => ex.Message.Trim().TrimEnd('.');

    private static string Describe(SqlFailure failure) => failure switch
    {
        SqlFailure.Timeout => "a time limit expired",
        SqlFailure.Retryable => "a deadlock or serialization failure persisted through the retries",
        _ => "the server could not be reached or the connection broke",
    };
}
