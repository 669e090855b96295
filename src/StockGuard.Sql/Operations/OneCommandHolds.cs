using System.Data;
using System.Data.Common;
using StockGuard.Sql.Execution;

namespace StockGuard.Sql.Operations;

/// <summary>
/// The cart's two commonest steps, each sent as one batch that carries its own commit (<see cref="SqlDialect.ReserveOne"/>,
/// <see cref="SqlDialect.ConfirmHoldOne"/>, <see cref="SqlDialect.ReleaseHoldOne"/>; PostgreSQL): a one-line hold
/// without an idempotency key, and the whole confirm or release of an active hold, one round trip each instead of a
/// transaction's two to four. When a batch changes nothing (short, expired holds to give back, a hold not active or
/// expired, a line given back, waiters to serve) the transactional path runs as usual and gives the exact answer. The
/// price is the one-command sale's (<see cref="Strategies.Atomic.OneCommandSale"/>): a connection that breaks after the
/// batch was sent, or a cancellation the server did not confirm, leaves the outcome unknown.
/// </summary>
internal sealed class OneCommandHolds(SqlExecutor executor)
{
    private const string ReserveUnknownOutcome =
        "The database failed after the one-line hold was sent; it may or may not have been placed (it carries no idempotency key). " +
        "A hold placed so expires at its time-to-live; send holds with an idempotency key to learn which.";

    private const string FinishUnknownOutcome =
        "The database failed after the hold's confirm or release was sent; it may or may not have been applied. " +
        "Send it again: a hold already confirmed or released answers so (WasAlreadyDone) and changes nothing.";

    private SqlDialect Dialect => executor.Dialect;

    /// <summary>Whether <paramref name="request"/> takes the one-command hold: one line, no key, the atomic strategy, the store's own transaction.</summary>
    public bool CanReserve(ReserveRequest request) =>
        Dialect.ReserveOne is not null
        && !executor.InCallerTransaction
        && request.Lines.Count == 1
        && request.IdempotencyKey is null
        && (request.Strategy ?? executor.Options.Strategy) is ConcurrencyStrategy.Atomic or ConcurrencyStrategy.Coalescing;

    /// <summary>The batch that finishes a whole hold in one round trip for <paramref name="operation"/>, or <see langword="null"/>.</summary>
    public IReadOnlyList<string>? FinishBatch(StockOperation operation) =>
        executor.InCallerTransaction ? null : operation switch
        {
            StockOperation.Confirm => Dialect.ConfirmHoldOne,
            StockOperation.Release => Dialect.ReleaseHoldOne,
            _ => null,
        };

    /// <summary>
    /// Places the hold <paramref name="holdId"/> of <paramref name="request"/>'s one line at <paramref name="now"/> in one
    /// command. Returns the item's level after it, or <see langword="null"/> when nothing was changed.
    /// </summary>
    public Task<LevelRow?> TryReserveAsync(ReserveRequest request, Guid holdId, DateTimeOffset now, DateTimeOffset expiresAt, CancellationToken cancellationToken)
    {
        var line = request.Lines[0];
        var parameters = new List<(string, object?, DbType?)>
        {
            ("sku", line.Key.Sku, DbType.String),
            ("location", line.Key.Location, DbType.String),
            ("quantity", (long)line.Quantity, DbType.Int64),
            ("now", Dialect.TimeParameter(now), null),
            ("reference", request.Reference, DbType.String),
        };
        if (Dialect.DeductOneEchoesSchema)
        {
            parameters.Add(("schema", Dialect.Schema, DbType.String));
        }

        parameters.Add(("holdId", Dialect.HoldIdParameter(holdId), null));
        parameters.Add(("expiresAt", Dialect.TimeParameter(expiresAt), null));
        return RunAsync(
            [Dialect.ReserveOne!],
            parameters,
            async reader =>
            {
                LevelRow? row = null;
                while (await reader.ReadAsync(CancellationToken.None).ConfigureAwait(false))
                {
                    row = ReadLevel(reader, line.Key);
                }

                return row;
            },
            ReserveUnknownOutcome,
            cancellationToken);
    }

    /// <summary>
    /// Finishes the hold in one batch (<paramref name="batch"/>, from <see cref="FinishBatch"/>). Returns the hold as it
    /// was while active and its lines, or <see langword="null"/> when nothing was changed.
    /// </summary>
    public Task<(HoldRow Hold, List<HoldLineRow> Lines)?> TryFinishAsync(IReadOnlyList<string> batch, Guid holdId, DateTimeOffset now, CancellationToken cancellationToken)
    {
        var parameters = new List<(string, object?, DbType?)> { ("holdId", Dialect.HoldIdParameter(holdId), null), ("now", Dialect.TimeParameter(now), null) };
        if (Dialect.DeductOneEchoesSchema)
        {
            parameters.Add(("schema", Dialect.Schema, DbType.String));
        }

        return RunAsync<(HoldRow, List<HoldLineRow>)?>(
            batch,
            parameters,
            async reader =>
            {
                HoldRow? hold = null;
                var lines = new List<HoldLineRow>();
                while (await reader.ReadAsync(CancellationToken.None).ConfigureAwait(false))
                {
                    hold ??= new HoldRow
                    {
                        Id = reader.GetGuid(0),
                        State = "active",
                        CreatedAt = reader.GetDateTime(1),
                        ExpiresAt = reader.GetDateTime(2),
                        Reference = reader.IsDBNull(3) ? null : reader.GetString(3),
                    };
                    lines.Add(new HoldLineRow { Sku = reader.GetString(4), Location = reader.GetString(5), Quantity = reader.GetInt32(6), Released = false });
                    if (hold.Id != holdId || (Dialect.DeductOneEchoesSchema && reader.GetString(7) != Dialect.Schema))
                    {
                        throw ForeignReply($"the confirm or release of hold {holdId}", $"a row of hold {reader.GetGuid(0)} in schema '{reader.GetString(7)}'", null, FinishUnknownOutcome);
                    }
                }

                return hold is null ? null : (hold, lines);
            },
            FinishUnknownOutcome,
            cancellationToken);
    }

    /// <summary>
    /// Sends <paramref name="statements"/> as one batch, each bound with <paramref name="parameters"/> (by position where
    /// the dialect binds so), and reads the last statement's rows with <paramref name="read"/>. A failure before the batch
    /// was sent, or one the server reported before those rows ended, changed nothing: a deadlock then returns
    /// <see langword="null"/> (the transactional path runs), anything else is thrown as it would be from a transaction.
    /// After that the outcome is unknown. The caller has made the schema and the clock ready (<see cref="SqlExecutor.EnsureReadyAsync"/>).
    /// </summary>
    private async Task<T?> RunAsync<T>(
        IReadOnlyList<string> statements, IReadOnlyList<(string Name, object? Value, DbType? Type)> parameters, Func<DbDataReader, Task<T?>> read, string unknownOutcome, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        var sent = false;
        var rowSetEnded = false;
        DbConnection? connection = null;
        try
        {
            connection = await SqlSession.OpenOwnAsync(executor.DataSource, cancellationToken).ConfigureAwait(false);
            var batch = connection.CreateBatch();
            await using (batch.ConfigureAwait(false))
            {
                batch.Timeout = executor.Options.CommandTimeout;
                foreach (var text in statements)
                {
                    var command = batch.CreateBatchCommand();
                    command.CommandText = text;
                    foreach (var (name, value, type) in parameters)
                    {
                        command.Parameters.Add(SqlSession.Bind(command.CreateParameter(), Dialect.DeductOnePositional ? "" : name, value, type));
                    }

                    batch.BatchCommands.Add(command);
                }

                if (Dialect.PrepareDeductOne)
                {
                    await batch.PrepareAsync(cancellationToken).ConfigureAwait(false);
                }

                cancellationToken.ThrowIfCancellationRequested();
                T? result;
                var cancellation = cancellationToken.Register(static b => CancelQuietly((DbBatch)b!), batch);
                try
                {
                    sent = true;
                    var reader = await batch.ExecuteReaderAsync(CancellationToken.None).ConfigureAwait(false);
                    await using (reader.ConfigureAwait(false))
                    {
                        // The statements before the last lock rows and return nothing worth reading.
                        for (var i = 1; i < statements.Count; i++)
                        {
                            if (!await reader.NextResultAsync(CancellationToken.None).ConfigureAwait(false))
                            {
                                throw new InvalidOperationException("The hold's batch returned fewer row sets than it has statements.");
                            }
                        }

                        result = await read(reader).ConfigureAwait(false);

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

                return result;
            }
        }
        catch (Exception ex) when (sent && !rowSetEnded && Dialect.IsReplyOfAnotherShape(ex))
        {
            // Rows that do not fit the description the statements were prepared with answer another command, as a row of
            // another hold or item does.
            await RollBackQuietlyAsync(connection).ConfigureAwait(false);
            throw ForeignReply("the one-command hold operation", "rows of another shape than its statements'", ex, unknownOutcome);
        }
        catch (Exception ex) when (ex is OperationCanceledException || SqlFailures.IsDriverFailure(ex))
        {
            await RollBackQuietlyAsync(connection).ConfigureAwait(false);
            var nothingChanged = !sent || (!rowSetEnded && Dialect.IsReportedByServer(ex));
            SqlFailures.ThrowUnlessHandedOver(executor, ex, nothingChanged, unknownOutcome, cancellationToken);

            // A deadlock or serialization failure changed nothing: the transactional path runs the operation again.
            return default;
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
    /// The row of <see cref="SqlDialect.ReserveOne"/>, read by position, taken as the answer only when it names the item
    /// asked for and, where the dialect echoes it, the store's schema.
    /// </summary>
    private LevelRow ReadLevel(DbDataReader reader, StockKey asked)
    {
        LevelRow row;
        string? schema = null;
        try
        {
            row = new LevelRow
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
            var next = 8;
            if (Dialect.DeductOneEchoesSchema)
            {
                schema = reader.GetString(next++);
            }

            row.PreOrderLimit = reader.GetInt64(next);
            row.ExpectedRestock = reader.IsDBNull(next + 1) ? null : reader.GetDateTime(next + 1);
            row.Released = reader.GetInt64(next + 2);
            row.ExpiredReserved = reader.GetInt64(next + 3);
            row.ExpiredLines = reader.GetInt64(next + 4);
        }
        catch (Exception ex) when (ex is InvalidCastException or IndexOutOfRangeException)
        {
            throw ForeignReply($"the one-line hold of {asked.Sku}/{asked.Location}", $"a row of another shape ({reader.FieldCount} columns)", ex, ReserveUnknownOutcome);
        }

        if (row.Sku != asked.Sku || row.Location != asked.Location || (Dialect.DeductOneEchoesSchema && schema != Dialect.Schema))
        {
            throw ForeignReply($"the one-line hold of {asked.Sku}/{asked.Location}", $"a row of item {row.Sku}/{row.Location}" + (Dialect.DeductOneEchoesSchema ? $" in schema '{schema}'" : ""), null, ReserveUnknownOutcome);
        }

        return row;
    }

    /// <summary>Ends a transaction a failed batch may have left open on a connection that still works (see <see cref="SqlDialect.DeductOneRollback"/>).</summary>
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

    private StockStoreException ForeignReply(string what, string reply, Exception? inner, string unknownOutcome) =>
        SqlFailures.ForeignReply(Dialect, what, reply, inner, unknownOutcome);

    private static void CancelQuietly(DbBatch batch)
    {
        try
        {
            batch.Cancel();
        }
        catch (Exception ex) when (SqlFailures.IsDriverFailure(ex) || ex is InvalidOperationException)
        {
            // The cancel request could not be sent: the batch runs to its end, and its outcome is reported as usual.
        }
    }
}
