using System.Data;
using System.Data.Common;
using StockGuard.Sql.Execution;
using StockGuard.Sql.Idempotency;

namespace StockGuard.Sql.Strategies.Atomic;

/// <summary>
/// The atomic strategy's commonest sale, a deduct of one line, sent as one command that carries its own commit
/// (<see cref="SqlDialect.DeductOne"/>, PostgreSQL and MySQL): one round trip instead of a transaction's two or three.
/// With an idempotency key the same command claims the key and stores the sale as its first result
/// (<see cref="SqlDialect.DeductOneKeyed"/>): one round trip instead of a keyed transaction's four or five. When it
/// changes nothing (not enough stock, unknown item, expired holds to give back first, a key already taken) the
/// transaction runs as usual and gives the exact answer: it replays a stored result, refuses a key sent with another
/// request, or refuses a short sale and stores that refusal. The price is in failures: with no separate commit to hold
/// back, a connection that breaks after the command was sent, or a cancellation the server did not confirm, leaves the
/// outcome unknown (<see cref="StockStoreException.OutcomeUnknown"/>), where the transaction would have known that
/// nothing changed. An error the server reports before the command's row comes back still means nothing changed. A
/// keyed sale's outcome is learnt by sending it again with the same key: it replays the stored result or applies once.
/// </summary>
internal sealed class OneCommandSale(SqlExecutor executor)
{
    private const string DeductOneUnknownOutcome =
        "The database failed after the one-line deduct was sent; it may or may not have been applied (it carries no idempotency key). " +
        "Read the item's level or its movements to learn which, or send such deducts with an idempotency key.";

    private const string KeyedDeductOneUnknownOutcome =
        "The database failed after the one-line deduct was sent; it may or may not have been applied. " +
        "Send it again with the same idempotency key: it returns the stored result if it was applied, and applies it once if not.";

    /// <summary>
    /// Whether <paramref name="request"/> takes the one-command path: one line, the atomic strategy, and a dialect that
    /// has the command (for a request with an idempotency key, the keyed command).
    /// </summary>
    private bool IsDeductOne(DeductRequest request) =>
        request.Lines.Count == 1
        && (request.Strategy ?? executor.Options.Strategy) is ConcurrencyStrategy.Atomic or ConcurrencyStrategy.Coalescing
        && CommandFor(request) is not null;

    private string? CommandFor(DeductRequest request) => request.IdempotencyKey is null ? Dialect.DeductOne : Dialect.DeductOneKeyed;

    /// <summary>The one-command attempt for <paramref name="request"/> when it is such a sale, else <see langword="null"/>.</summary>
    public Func<CancellationToken, Task<StockChangeResult?>>? AttemptFor(DeductRequest request) =>
        IsDeductOne(request) ? ct => TryDeductOneAsync(request, ct) : null;

    /// <summary>
    /// The commonest sale, one line, as one autocommitted command (<see cref="SqlDialect.DeductOne"/>, or
    /// <see cref="SqlDialect.DeductOneKeyed"/> with a key): the conditional change and its movement (and the key with its
    /// stored result), in one round trip. Returns <see langword="null"/> when it changed nothing (short, unknown item,
    /// expired holds to give back, a key already taken, or a deadlock before the commit): the caller then runs the
    /// transactional path, which gives the exact answer.
    /// </summary>
    /// <remarks>
    /// With one command there is no separate commit to watch, so the outcome of a failure depends on where it came:
    /// before the command was sent, or reported by the server before the row's result set ended (which the command
    /// only commits after), nothing was changed; a broken connection, a driver timeout or a cancellation the server did
    /// not report after the command was sent, or anything after the row's result set ended, leaves the outcome unknown.
    /// Cancellation asks the server to cancel the command rather than abandoning the connection, so that a
    /// cancelled wait for a row lock is still reported by the server (nothing changed).
    /// </remarks>
    private async Task<StockChangeResult?> TryDeductOneAsync(DeductRequest request, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        await executor.EnsureReadyAsync(cancellationToken).ConfigureAwait(false);
        var line = request.Lines[0];
        var keyed = request.IdempotencyKey is not null;
        var unknownOutcome = keyed ? KeyedDeductOneUnknownOutcome : DeductOneUnknownOutcome;
        var now = executor.Now();
        var sent = false;
        var rowSetEnded = false;
        DbConnection? connection = null;
        try
        {
            connection = await SqlSession.OpenOwnAsync(executor.DataSource, cancellationToken).ConfigureAwait(false);
            var command = connection.CreateCommand();
            await using (command.ConfigureAwait(false))
            {
                command.CommandText = CommandFor(request);
                command.CommandTimeout = executor.Options.CommandTimeout;
                var positional = Dialect.DeductOnePositional;
                AddParameter(command, positional ? "" : "sku", line.Key.Sku, DbType.String);
                AddParameter(command, positional ? "" : "location", line.Key.Location, DbType.String);
                AddParameter(command, positional ? "" : "quantity", (long)line.Quantity, DbType.Int64);
                AddParameter(command, positional ? "" : "now", Dialect.TimeParameter(now), null);
                AddParameter(command, positional ? "" : "reference", request.Reference, DbType.String);
                if (Dialect.DeductOneEchoesSchema)
                {
                    AddParameter(command, positional ? "" : "schema", Dialect.Schema, DbType.String);
                }

                if (keyed)
                {
                    AddParameter(command, positional ? "" : "key", request.IdempotencyKey, DbType.String);
                    AddParameter(command, positional ? "" : "fingerprint", request.GetFingerprint(), DbType.String);
                    if (Dialect.DeductOneKeyedTakesResultHead)
                    {
                        AddParameter(command, positional ? "" : "resultHead", ResultJson.SaleHead(line.Key), DbType.String);
                    }
                }

                if (Dialect.PrepareDeductOne)
                {
                    await command.PrepareAsync(cancellationToken).ConfigureAwait(false);
                }

                cancellationToken.ThrowIfCancellationRequested();
                LevelRow? row = null;
                var cancellation = cancellationToken.Register(static c => CancelQuietly((DbCommand)c!), command);
                try
                {
                    sent = true;
                    var reader = await command.ExecuteReaderAsync(CancellationToken.None).ConfigureAwait(false);
                    await using (reader.ConfigureAwait(false))
                    {
                        long? versionBefore = null;
                        while (reader.FieldCount == 0 || (reader.FieldCount == 1 && reader.GetName(0) == "VersionBefore"))
                        {
                            if (reader.FieldCount == 1 && await reader.ReadAsync(CancellationToken.None).ConfigureAwait(false))
                            {
                                versionBefore = Convert.ToInt64(reader.GetValue(0), System.Globalization.CultureInfo.InvariantCulture);
                            }

                            if (!await reader.NextResultAsync(CancellationToken.None).ConfigureAwait(false))
                            {
                                throw new InvalidOperationException("The one-line deduct returned no row set.");
                            }
                        }

                        while (await reader.ReadAsync(CancellationToken.None).ConfigureAwait(false))
                        {
                            row = ReadOwnLevelRow(reader, line.Key, unknownOutcome);
                        }

                        if (row is not null && versionBefore is { } before && row.Version == before)
                        {
                            row = null;
                        }

                        // From here on only the commit is left: a late cancellation must not reach it.
                        rowSetEnded = true;
                        await cancellation.DisposeAsync().ConfigureAwait(false);
                        while (await reader.NextResultAsync(CancellationToken.None).ConfigureAwait(false))
                        {
                        }
                    }
                }
                finally
                {
                    await cancellation.DisposeAsync().ConfigureAwait(false);
                }

                if (row is null)
                {
                    return null;
                }

                return StockChangeResult.Applied([row.ToLevel()]);
            }
        }
        catch (Exception ex) when (sent && !rowSetEnded && Dialect.IsReplyOfAnotherShape(ex))
        {
            // Rows that do not fit the description the statement was prepared with answer another command, as a row of
            // another item does.
            await RollBackQuietlyAsync(connection).ConfigureAwait(false);
            throw ForeignReply(line.Key, "rows of another shape than the statement's", ex, unknownOutcome);
        }
        catch (Exception ex) when (ex is OperationCanceledException || SqlFailures.IsDriverFailure(ex))
        {
            await RollBackQuietlyAsync(connection).ConfigureAwait(false);
            var nothingChanged = !sent || (!rowSetEnded && Dialect.IsReportedByServer(ex));
            if (keyed && nothingChanged && !cancellationToken.IsCancellationRequested && Dialect.IsIdempotencyKeyTaken(ex))
            {
                // The key was taken before this sale (a replay, a conflict, or a concurrent request that committed first):
                // the command rolled back, and the transactional path replays or refuses it.
                return null;
            }

            SqlFailures.ThrowUnlessHandedOver(executor, ex, nothingChanged, unknownOutcome, cancellationToken);

            // A deadlock or serialization failure changed nothing: the transactional path runs the operation again.
            return null;
        }
        finally
        {
            if (connection is not null)
            {
                await SqlFailures.DisposeQuietlyAsync(connection).ConfigureAwait(false);
            }
        }
    }

    /// <summary>
    /// The row of <see cref="SqlDialect.DeductOne"/>, read by position (the columns of
    /// <see cref="SqlEngine.ItemColumns"/>, in their order): this runs once per sale, where a mapper's per-call
    /// column matching would be most of the client's work.
    /// </summary>
    private static LevelRow ReadLevelRow(DbDataReader reader) => new()
    {
        Sku = reader.GetString(0),
        Location = reader.GetString(1),
        OnHand = reader.GetInt64(2),
        Reserved = reader.GetInt64(3),
        SafetyStock = reader.GetInt64(4),
        BackorderLimit = reader.GetInt64(5),
        LowStockThreshold = reader.GetInt64(6),
        Version = reader.GetInt64(7),
    };

    /// <summary>
    /// The row of <see cref="SqlDialect.DeductOne"/>, taken as the answer only when it provably is: it names the item
    /// asked for and, where the dialect echoes it, the store's schema. Anything else is a reply to another command (a
    /// server session shared with other clients ran their statement), after which nobody knows what was changed where.
    /// </summary>
    /// <exception cref="StockStoreException">The row answers another command; the outcome is unknown.</exception>
    private LevelRow ReadOwnLevelRow(DbDataReader reader, StockKey asked, string unknownOutcome)
    {
        LevelRow row;
        string? schema = null;
        try
        {
            row = ReadLevelRow(reader);
            var preOrder = 8;
            if (Dialect.DeductOneEchoesSchema)
            {
                schema = reader.FieldCount >= 9 ? reader.GetString(8) : null;
                preOrder = 9;
            }

            if (reader.FieldCount == preOrder + 3)
            {
                // The item's pre-order settings and release flag, after the counts (and the schema).
                row.PreOrderLimit = reader.GetInt64(preOrder);
                row.ExpectedRestock = reader.IsDBNull(preOrder + 1) ? null : reader.GetDateTime(preOrder + 1);
                row.Released = reader.GetInt64(preOrder + 2);
            }
        }
        catch (Exception ex) when (ex is InvalidCastException or IndexOutOfRangeException)
        {
            throw ForeignReply(asked, $"a row of another shape ({reader.FieldCount} columns)", ex, unknownOutcome);
        }

        if (row.Sku != asked.Sku || row.Location != asked.Location || (Dialect.DeductOneEchoesSchema && schema != Dialect.Schema))
        {
            throw ForeignReply(asked, $"a row of item {row.Sku}/{row.Location}" + (Dialect.DeductOneEchoesSchema ? $" in schema '{schema}'" : ""), null, unknownOutcome);
        }

        return row;
    }

    private StockStoreException ForeignReply(StockKey asked, string reply, Exception? inner, string unknownOutcome) =>
        SqlFailures.ForeignReply(Dialect, $"one-line deduct of {asked.Sku}/{asked.Location}", reply, inner, unknownOutcome);

    private static void CancelQuietly(DbCommand command)
    {
        try
        {
            command.Cancel();
        }
        catch (Exception ex) when (SqlFailures.IsDriverFailure(ex) || ex is InvalidOperationException)
        {
            // The cancel request could not be sent: the command runs to its end, and its outcome is reported as usual.
        }
    }

    private static void AddParameter(DbCommand command, string name, object? value, DbType? type) =>
        command.Parameters.Add(SqlSession.Bind(command.CreateParameter(), name, value, type));

    /// <summary>Ends a transaction a failed command may have left open on a connection that still works (see <see cref="SqlDialect.DeductOneRollback"/>).</summary>
    private async Task RollBackQuietlyAsync(DbConnection? connection)
    {
        if (connection is not { State: ConnectionState.Open } || Dialect.DeductOneRollback is not { } rollback)
        {
            return;
        }

        try
        {
            var command = connection.CreateCommand();
            await using (command.ConfigureAwait(false))
            {
                command.CommandText = rollback;
                command.CommandTimeout = executor.Options.CommandTimeout;
                await command.ExecuteNonQueryAsync(CancellationToken.None).ConfigureAwait(false);
            }
        }
        catch (Exception ex) when (SqlFailures.IsDriverFailure(ex) || ex is InvalidOperationException)
        {
            // A connection that cannot roll back is broken: the server rolls the transaction back when the session dies.
        }
    }

    private SqlDialect Dialect => executor.Dialect;
}
