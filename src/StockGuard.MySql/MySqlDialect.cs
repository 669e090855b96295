using System.Data;
using System.Data.Common;
using System.Globalization;
using System.Net.Sockets;
using MySqlConnector;
using StockGuard.Sql;

namespace StockGuard.MySql;

/// <summary>
/// MySQL's and MariaDB's SQL text and error codes, for InnoDB under READ COMMITTED. An InnoDB <c>UPDATE</c> reads the
/// newest committed row after waiting for its lock and re-checks its <c>WHERE</c> there, which makes the atomic
/// strategy safe. There is no <c>UPDATE … RETURNING</c>: a change is followed, in the same command and transaction,
/// by <c>SELECT … WHERE ROW_COUNT() &gt; 0</c>, which reads the row this transaction just locked and changed.
/// SKUs, locations and keys are VARBINARY (exact bytes), read back as utf8mb4 text.
/// </summary>
internal sealed class MySqlDialect(string schema, TimeSpan? lockWaitTimeout, TimeSpan changeGapWait) : SqlDialect(schema)
{
    // Server error numbers without a MySqlErrorCode name in MySqlConnector 2.4.
    private const int ConnectionKilled = 1927;     // MariaDB ER_CONNECTION_KILLED
    private const int ServerGone = 2006;           // CR_SERVER_GONE_ERROR
    private const int ServerLost = 2013;           // CR_SERVER_LOST
    private const int StatementTimeout = 1969;     // MariaDB ER_STATEMENT_TIMEOUT (max_statement_time)

    private static readonly Lazy<string> Script = new(() => EmbeddedScript(typeof(MySqlDialect), "StockGuard.MySql.Schema.sql"));
    private static readonly Lazy<string> Upgrade2 = new(() => EmbeddedScript(typeof(MySqlDialect), "StockGuard.MySql.Upgrade2.sql"));
    private static readonly Lazy<string> Upgrade4 = new(() => EmbeddedScript(typeof(MySqlDialect), "StockGuard.MySql.Upgrade4.sql"));

    private readonly string? _setLockWaitTimeout = lockWaitTimeout is { } timeout
        ? $"SET SESSION innodb_lock_wait_timeout = {Math.Max(1, (long)Math.Ceiling(timeout.TotalSeconds)).ToString(CultureInfo.InvariantCulture)}"
        : null;

    public override string StoreName => "mysql";

    /// <summary>
    /// InnoDB's consistent reads at REPEATABLE READ return the transaction's first snapshot, so a version that beat the
    /// optimistic update is never seen again. MySqlConnector begins <see cref="IsolationLevel.Unspecified"/> (and
    /// <see cref="IsolationLevel.Snapshot"/>) as REPEATABLE READ. READ COMMITTED and below read the newest committed
    /// version; SERIALIZABLE reads lock and read it too.
    /// </summary>
    public override bool OptimisticRetrySeesNewerVersions(IsolationLevel isolation) =>
        isolation is not (IsolationLevel.RepeatableRead or IsolationLevel.Snapshot or IsolationLevel.Unspecified);

    public override string Quote(string identifier) => "`" + identifier.Replace("`", "``", StringComparison.Ordinal) + "`";

    /// <inheritdoc/>
    public override string SelectSchemaVersionTableExists =>
        field ??= $"SELECT COUNT(*) FROM information_schema.tables WHERE table_schema = '{Schema.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("'", "''", StringComparison.Ordinal)}' AND table_name = 'stock_schema_version'";

    /// <inheritdoc/>
    /// <remarks>
    /// A named lock of the session: MySQL commits each DDL statement by itself, so no transaction can hold a lock across
    /// the upgrade's <c>ALTER TABLE</c> statements, and two processes upgrading at once would add the same column twice.
    /// One name for the whole server, as PostgreSQL's advisory lock: schemas are created and upgraded rarely. A wait without
    /// limit (a negative <c>@seconds</c>) asks for a year: MySQL takes a negative timeout as no limit, but MariaDB refuses
    /// it with a warning and answers NULL at once, even when the lock is free.
    /// </remarks>
    public override string LockSchema => "SELECT GET_LOCK('stockguard-schema', IF(@seconds < 0, 31536000, @seconds))";

    /// <inheritdoc/>
    public override string UnlockSchema => "DO RELEASE_LOCK('stockguard-schema')";

    public override string SchemaScript => WithoutClientDelimiters(Script.Value).Replace("`stockguard`", Quote(Schema), StringComparison.Ordinal);

    /// <summary>
    /// The script as the server takes it in one command: the <c>DELIMITER</c> lines are the mysql client's (which would
    /// otherwise split a procedure's body at its first semicolon), and the server ends a procedure at its <c>END</c>.
    /// </summary>
    private static string WithoutClientDelimiters(string script) =>
        string.Join('\n', script.Split('\n').Where(line => !line.StartsWith("DELIMITER ", StringComparison.Ordinal)))
            .Replace("END$$", "END;", StringComparison.Ordinal);

    /// <summary>The ledger exists without its version-2 columns. (MySQL 8 has no <c>ADD COLUMN IF NOT EXISTS</c>, so the script cannot tell by itself.)</summary>
    public override string SelectNeedsUpgrade =>
        "SELECT COUNT(*) FROM information_schema.tables t WHERE t.table_schema = '" + Schema + "' AND t.table_name = 'stock_movements' " +
        "AND NOT EXISTS (SELECT 1 FROM information_schema.columns c WHERE c.table_schema = t.table_schema AND c.table_name = t.table_name AND c.column_name = 'version_after')";

    public override string UpgradeScript => Upgrade2.Value.Replace("`stockguard`", Quote(Schema), StringComparison.Ordinal);

    /// <summary>The item table exists without its version-4 columns.</summary>
    public override string SelectNeedsUpgrade4 =>
        "SELECT COUNT(*) FROM information_schema.tables t WHERE t.table_schema = '" + Schema + "' AND t.table_name = 'stock_items' " +
        "AND NOT EXISTS (SELECT 1 FROM information_schema.columns c WHERE c.table_schema = t.table_schema AND c.table_name = t.table_name AND c.column_name = 'released')";

    public override string UpgradeScript4 => Upgrade4.Value.Replace("`stockguard`", Quote(Schema), StringComparison.Ordinal);

    /// <summary>The UPDATE that ends stockguard-mysql-upgrade-4.sql: its ALTER TABLE commits by itself, so a process stopped between the two leaves the columns without it.</summary>
    public override string MarkItemsReleased => $"UPDATE {Items} SET released = 1 WHERE released = 0";

    // UTC_TIMESTAMP ignores the session's time zone; TIMESTAMPDIFF counts from the epoch without converting.
    public override string SelectServerTime => "SELECT TIMESTAMPDIFF(MICROSECOND, '1970-01-01 00:00:00', UTC_TIMESTAMP(6))";

    /// <summary>MySQL has no <c>ON CONFLICT</c>: a duplicate key sets its first column to itself, which changes nothing.</summary>
    protected override string OnConflictDoNothing(string keyColumns)
    {
        var first = keyColumns.Split(',')[0].Trim();
        return $" ON DUPLICATE KEY UPDATE {first} = {first}";
    }

    /// <summary>Text kept as VARBINARY (its UTF-8 bytes) is read back as text.</summary>
    protected override string AsText(string column) => $"CONVERT({column} USING utf8mb4)";

    /// <summary>The text columns are VARBINARY for exact comparison; the driver would read them as bytes.</summary>
    protected override string ItemColumns =>
        "CONVERT(sku USING utf8mb4) AS Sku, CONVERT(location USING utf8mb4) AS Location, on_hand AS OnHand, reserved AS Reserved, " +
        "safety_stock AS SafetyStock, backorder_limit AS BackorderLimit, low_stock_threshold AS LowStockThreshold, version AS Version";

    /// <summary>The text columns are VARBINARY for exact comparison; the driver would read them as bytes.</summary>
    protected override string BackorderColumns =>
        "b.id AS Id, CONVERT(b.sku USING utf8mb4) AS Sku, CONVERT(b.location USING utf8mb4) AS Location, CONVERT(b.order_reference USING utf8mb4) AS OrderReference, " +
        "b.hold_id AS HoldId, b.kind AS Kind, b.quantity AS Quantity, b.filled AS Filled, b.state AS State";

    /// <summary>
    /// No <c>UPDATE … RETURNING</c>: the row is read back by the same command, in the same transaction, after the change.
    /// <c>ROW_COUNT()</c> is the number of rows the change matched (MySqlConnector asks for found rows, and every change
    /// bumps the version anyway), so a change that matched nothing returns no row. The change holds the row's lock, so
    /// the read sees exactly what it wrote.
    /// </summary>
    protected override string ReturningItem(string update) =>
        $"{update};\nSELECT {LevelColumns} FROM {Items} i " +
        "WHERE ROW_COUNT() > 0 AND i.sku = @sku AND i.location = @location";

    public override string UpsertReceipt => field ??= ReturningItem(
        $"INSERT INTO {Items} (sku, location, on_hand, reserved, safety_stock, backorder_limit, low_stock_threshold, version, released) " +
        "VALUES (@sku, @location, @quantity, 0, 0, 0, 0, 1, 1) " +
        "ON DUPLICATE KEY UPDATE on_hand = on_hand + @quantity, version = version + 1, released = 1");

    public override string UpsertPolicy => field ??= ReturningItem(
        $"INSERT INTO {Items} (sku, location, on_hand, reserved, safety_stock, backorder_limit, low_stock_threshold, version, pre_order_limit, expected_restock) " +
        "VALUES (@sku, @location, 0, 0, @safetyStock, @backorderLimit, @lowStockThreshold, 1, @preOrderLimit, @expectedRestock) " +
        "ON DUPLICATE KEY UPDATE safety_stock = @safetyStock, backorder_limit = @backorderLimit, low_stock_threshold = @lowStockThreshold, version = version + 1, " +
        "pre_order_limit = @preOrderLimit, expected_restock = @expectedRestock");

    public override string SelectHoldLines =>
        field ??= $"SELECT CONVERT(sku USING utf8mb4) AS Sku, CONVERT(location USING utf8mb4) AS Location, quantity AS Quantity, released AS Released " +
        $"FROM {HoldLines} WHERE hold_id = @holdId ORDER BY line_no";

    /// <summary>
    /// Neither server takes <c>LIMIT</c> in an <c>IN (…)</c> subquery, so the batch is picked in a derived table. A plain
    /// read under READ COMMITTED: no lock on the holds or their lines (a <c>FOR UPDATE SKIP LOCKED</c> over the joined
    /// lines would drop the lines another transaction holds, and the hold would be marked expired without them).
    /// </summary>
    public override string SelectExpiredHolds =>
        field ??= $"SELECT h.id AS HoldId, CONVERT(l.sku USING utf8mb4) AS Sku, CONVERT(l.location USING utf8mb4) AS Location " +
        $"FROM {Holds} h LEFT JOIN {HoldLines} l ON l.hold_id = h.id AND l.released = FALSE " +
        $"WHERE h.id IN (SELECT id FROM (SELECT id FROM {Holds} WHERE state = 'active' AND expires_at <= @now ORDER BY expires_at LIMIT @limit) batch)";

    /// <summary>
    /// A single-table <c>DELETE … LIMIT</c>: MySQL refuses a subquery on the table being deleted from. Lines go by
    /// <c>ON DELETE CASCADE</c>. A hold with an unreleased line is never deleted.
    /// </summary>
    public override string PurgeFinishedHolds =>
        field ??= $"DELETE FROM {Holds} WHERE state <> 'active' AND finished_at <= @before " +
        $"AND NOT EXISTS (SELECT 1 FROM {HoldLines} l WHERE l.hold_id = {Holds}.id AND l.released = FALSE) ORDER BY finished_at LIMIT @limit";

    public override string PurgeIdempotencyKeys =>
        field ??= $"DELETE FROM {IdempotencyKeys} WHERE created_at <= @before ORDER BY created_at LIMIT @limit";

    /// <summary>
    /// One short <c>CALL</c> of the schema's <c>stock_deduct_one_v9</c> procedure (schema version 9), which runs the
    /// transaction, the conditional change, the movement, the new row and the commit on the server. The server keeps
    /// the procedure's parsed statements in the session's routine cache, so a pooled session parses and plans its body
    /// once, where a multi-statement text was parsed on every call. The conditional <c>UPDATE</c> locks the item and
    /// tests the sale's condition on its newest row in one statement (no locking read before it); only when it matched
    /// is the movement written. On MariaDB the <c>UPDATE</c> keeps the changed row in session variables, and the movement
    /// and the level (the movement's row, by <c>INSERT … RETURNING</c>) are written from them, so the item is read once;
    /// MySQL writes them from the changed row and reads it after. The row carries the item's pre-order settings and
    /// release flag after its counts (on MariaDB from the same variables). The row set (empty when nothing changed) comes
    /// before the procedure's <c>COMMIT</c>, so an error reported before it has ended means nothing was committed; the
    /// store then rolls the open transaction back. The command first turns off the session's tracking of its current
    /// database (<see cref="DeductOneSessionSetup"/>). The schema gate guarantees version 9, so the procedure exists;
    /// the procedures of versions 6 and 8 stay for stores of older versions still running.
    /// </summary>
    public override string DeductOne =>
        field ??= DeductOneSessionSetup + $"CALL {Quote(Schema)}.`stock_deduct_one_v9`(@sku, @location, @quantity, @now, @reference)";

    /// <summary>
    /// <see cref="DeductOne"/> with its idempotency key: one <c>CALL</c> of <c>stock_deduct_one_keyed_v9</c>. After the
    /// conditional change matched, <c>INSERT IGNORE</c> claims the key with the sale's result (the JSON the ledger writes
    /// for an applied deduct, from the changed row), after waiting for a concurrent request that holds the key; the
    /// movement is written and the sale committed only when this call inserted the key, and rolled back otherwise. A key
    /// already taken or an item the procedure cannot serve changes nothing and returns no row.
    /// </summary>
    public override string DeductOneKeyed =>
        field ??= DeductOneSessionSetup + $"CALL {Quote(Schema)}.`stock_deduct_one_keyed_v9`(@sku, @location, @quantity, @now, @reference, @key, @fingerprint)";

    /// <summary>
    /// The one-line hold as one <c>CALL</c> of the schema's <c>stock_reserve_one</c> procedure (schema version 7): the
    /// item locked by a locking read that tests the hold's condition on the newest row, then the item, the hold, its
    /// line and its <c>hold_placed</c> movement written and the level returned before the procedure's <c>COMMIT</c>, as
    /// <see cref="DeductOne"/> does for the sale.
    /// </summary>
    public override string ReserveOne =>
        field ??= DeductOneSessionSetup + $"CALL {Quote(Schema)}.`stock_reserve_one`(@sku, @location, @quantity, @now, @reference, @holdId, @expiresAt)";

    /// <summary>
    /// The confirm of an active one-line hold as one <c>CALL</c> of <c>stock_finish_hold_one</c> (schema version 7): the
    /// item of its line locked, then the hold, then the line, and the whole confirm written only while the hold is active,
    /// unexpired, its line unreleased and nobody waits for the item. A hold of several lines, or one the procedure cannot
    /// serve, changes nothing and returns no row: the transactional path decides.
    /// </summary>
    public override IReadOnlyList<string> ConfirmHoldOne =>
        field ??= [DeductOneSessionSetup + $"CALL {Quote(Schema)}.`stock_finish_hold_one`(@holdId, @now, TRUE)"];

    /// <inheritdoc cref="ConfirmHoldOne"/>
    public override IReadOnlyList<string> ReleaseHoldOne =>
        field ??= [DeductOneSessionSetup + $"CALL {Quote(Schema)}.`stock_finish_hold_one`(@holdId, @now, FALSE)"];

    /// <summary>
    /// The server runs a procedure in its own database and then returns to the session's, and by default reports that as
    /// a change of the session's database (<c>session_track_schema</c>); MySqlConnector then resets the session the next
    /// time the pool hands it out, which empties the server's routine cache (the procedure would be parsed again on every
    /// sale) and costs a round trip. The procedures never leave the session in another database, so the report is turned
    /// off for the session, with the lock wait timeout when one is set, in the same <c>SET</c>.
    /// </summary>
    private string DeductOneSessionSetup =>
        field ??= "SET SESSION session_track_schema = OFF" +
        (_setLockWaitTimeout is null ? "" : ", " + _setLockWaitTimeout["SET SESSION ".Length..]) + ";\n";

    /// <summary>
    /// The whole batch (without idempotency keys) as one command that carries its own transaction, so the item's row
    /// lock is held for the server's own work, never across a round trip to the client: the conditional change of the
    /// whole batch (as <see cref="SqlDialect.ChangeBatchIfSellable"/>); one <c>sale</c> movement per request, written by
    /// an <c>INSERT … SELECT</c> from the item row joined to the requests (a <c>JSON_TABLE</c> over <c>@sales</c>, see
    /// <see cref="BindSellBatchSales"/>) only when the change matched (<c>ROW_COUNT()</c> is still the change's there),
    /// with the on-hand units and version after each sale in batch order; the new row; then the commit. The row set comes
    /// before the <c>COMMIT</c>, so an error reported before it has ended means nothing was committed (the store then
    /// rolls the open transaction back). When the item cannot serve the whole batch nothing changes and no row comes
    /// back: the transaction path decides request by request. InnoDB releases the row lock before the commit's log
    /// flush, and the command's answer comes after it: the batch is durable when answered.
    /// </summary>
    public override string SellBatch =>
        field ??= (_setLockWaitTimeout is null ? "" : _setLockWaitTimeout + ";\n") +
        "SET TRANSACTION ISOLATION LEVEL READ COMMITTED;\nSTART TRANSACTION;\n" +
        $"UPDATE {Items} SET on_hand = on_hand + @onHandDelta, version = version + @versions " +
        "WHERE sku = @sku AND location = @location AND on_hand - reserved - safety_stock >= @quantity;\n" +
        $"INSERT INTO {Movements} ({MovementColumns}) " +
        "SELECT @now, i.sku, i.location, 'sale', 0 - s.quantity, 0, NULL, s.reference, NULL, " +
        "i.on_hand + @quantity - SUM(s.quantity) OVER (ORDER BY s.n ROWS UNBOUNDED PRECEDING), i.reserved, i.safety_stock, i.backorder_limit, i.low_stock_threshold, " +
        $"i.version - @versions + s.n FROM {Items} i JOIN JSON_TABLE(@sales, '$[*]' COLUMNS (n FOR ORDINALITY, quantity BIGINT PATH '$[0]', " +
        "reference VARCHAR(200) CHARACTER SET utf8mb4 COLLATE utf8mb4_bin PATH '$[1]')) s " +
        "WHERE ROW_COUNT() > 0 AND i.sku = @sku AND i.location = @location ORDER BY s.n;\n" +
        $"SELECT {LevelColumns} FROM {Items} i WHERE ROW_COUNT() > 0 AND i.sku = @sku AND i.location = @location;\n" +
        "COMMIT";

    /// <summary>
    /// The batch's requests as one JSON text, <c>@sales</c>: an array of <c>[quantity, reference]</c> in batch order
    /// (the reference left out when there is none). The driver has no array parameters, and one text keeps the
    /// command's text the same whatever the batch size.
    /// </summary>
    public override void BindSellBatchSales(DbParameterCollection parameters, Func<DbParameter> create, long[] quantities, string?[] references, int count)
    {
        var buffer = new System.Buffers.ArrayBufferWriter<byte>(16 * count + 16);
        using (var json = new System.Text.Json.Utf8JsonWriter(buffer))
        {
            json.WriteStartArray();
            for (var i = 0; i < count; i++)
            {
                json.WriteStartArray();
                json.WriteNumberValue(quantities[i]);
                if (references[i] is { } reference)
                {
                    json.WriteStringValue(reference);
                }

                json.WriteEndArray();
            }

            json.WriteEndArray();
        }

        var sales = create();
        sales.ParameterName = "sales";
        sales.DbType = DbType.String;
        sales.Value = System.Text.Encoding.UTF8.GetString(buffer.WrittenSpan);
        parameters.Add(sales);
    }

    /// <summary>A batch's command leaves its transaction open when a statement before its <c>COMMIT</c> fails.</summary>
    public override string SellBatchRollback => "ROLLBACK";

    protected override string ChangeColumns =>
        "id AS Id, 0 AS Tx, occurred_at AS OccurredAt, CONVERT(sku USING utf8mb4) AS Sku, CONVERT(location USING utf8mb4) AS Location, kind AS Kind, " +
        "on_hand_delta AS OnHandDelta, reserved_delta AS ReservedDelta, hold_id AS HoldId, reference AS Reference, note AS Note, " +
        "on_hand_after AS OnHandAfter, reserved_after AS ReservedAfter, safety_stock_after AS SafetyStockAfter, " +
        "backorder_limit_after AS BackorderLimitAfter, low_stock_threshold_after AS LowStockThresholdAfter, version_after AS VersionAfter";

    /// <summary>
    /// A locking read in the READ COMMITTED transaction every read runs in: it waits for each row in the range that a
    /// transaction inserted and has not ended, so an uncommitted row is read after its commit (or not at all after its
    /// rollback), never passed. An id taken but not yet inserted is not in the index to wait for: that shows as a gap in
    /// the ids, which the store passes only after the gap wait (<see cref="ChangeIdsMayHaveGaps"/>). Record locks only
    /// (no gap locks under READ COMMITTED), released at the read's commit; writers never wait for them.
    /// </summary>
    public override string SelectChanges =>
        field ??= $"SELECT {ChangeColumns} FROM {Movements} WHERE id > @afterId ORDER BY id LIMIT @limit LOCK IN SHARE MODE";

    public override string? SelectLastChange => null;

    public override bool ChangeIdsMayHaveGaps => true;

    public override TimeSpan ChangeGapWait => changeGapWait;

    /// <summary>A failure part-way leaves the command's transaction open: it must not reach the next user of the connection.</summary>
    public override string DeductOneRollback => "ROLLBACK";

    public override bool IsReportedByServer(Exception exception) => exception switch
    {
        // The driver's own errors (a broken connection, a timeout it noticed) carry no SQLSTATE; the server's do.
        MySqlException { SqlState: not null } => true,
        { InnerException: { } inner } => IsReportedByServer(inner),
        _ => false,
    };

    /// <summary>
    /// <c>INSERT IGNORE</c> affects no row when the key exists, and a concurrent insert of the same key waits on the
    /// primary key's lock until the first transaction ends. (The key is at most 384 bytes, so IGNORE never truncates.)
    /// </summary>
    public override string TryInsertIdempotencyKey =>
        field ??= $"INSERT IGNORE INTO {IdempotencyKeys} (idempotency_key, fingerprint, result, created_at) VALUES (@key, @fingerprint, NULL, @createdAt)";

    /// <summary>
    /// <c>INSERT IGNORE</c>, then, in the same command, the keys without a result: a key a committed transaction
    /// stored always has its result, so those are the keys this transaction inserted.
    /// </summary>
    public override SqlCall ClaimIdempotencyKeys(DateTimeOffset createdAt, IReadOnlyList<string> keys, IReadOnlyList<string> fingerprints) =>
        new(
            $"{InsertIdempotencyKeys(keys.Count, "INSERT IGNORE INTO")};\n" +
            $"SELECT CONVERT(idempotency_key USING utf8mb4) FROM {IdempotencyKeys} WHERE result IS NULL AND idempotency_key IN ({string.Join(", ", Enumerable.Range(0, keys.Count).Select(i => $"@k{i}"))})",
            KeyParameters(createdAt, keys, fingerprints));

    /// <summary>READ COMMITTED, after bounding lock waits when <c>LockWaitTimeout</c> is set (every operation of the store sets the same value on its session).</summary>
    public override async ValueTask<DbTransaction> BeginTransactionAsync(DbConnection connection, CancellationToken cancellationToken)
    {
        if (_setLockWaitTimeout is not null)
        {
            var command = connection.CreateCommand();
            await using (command.ConfigureAwait(false))
            {
                command.CommandText = _setLockWaitTimeout;
                await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
            }
        }

        return await connection.BeginTransactionAsync(IsolationLevel.ReadCommitted, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>1 inside a transaction (an XA one too), 0 in autocommit, where a savepoint would stand alone.</summary>
    public override string SelectInTransaction => "SELECT @@in_transaction";

    public override SqlFailure Classify(Exception exception) => exception switch
    {
        // Refused credentials, a missing database, no privilege: a retry fails the same way.
        MySqlException
        {
            ErrorCode: MySqlErrorCode.AccessDenied or MySqlErrorCode.DatabaseAccessDenied or MySqlErrorCode.UnknownDatabase
                or MySqlErrorCode.TableAccessDenied,
        } => SqlFailure.Configuration,
        MySqlException { ErrorCode: MySqlErrorCode.NoSuchTable } => SqlFailure.SchemaMissing,
        MySqlException { ErrorCode: MySqlErrorCode.LockWaitTimeout or MySqlErrorCode.QueryTimeout or MySqlErrorCode.CommandTimeoutExpired } => SqlFailure.Timeout,
        MySqlException { Number: StatementTimeout } => SqlFailure.Timeout,
        MySqlException { ErrorCode: MySqlErrorCode.LockDeadlock } => SqlFailure.Retryable,
        MySqlException { Number: ConnectionKilled or ServerGone or ServerLost } => SqlFailure.ConnectionBroken,
        MySqlException { ErrorCode: MySqlErrorCode.ServerShutdown or MySqlErrorCode.QueryInterrupted or MySqlErrorCode.AbortingConnection or MySqlErrorCode.ClientInteractionTimeout or MySqlErrorCode.UnableToConnectToHost } => SqlFailure.ConnectionBroken,
        MySqlException { InnerException: IOException or SocketException } => SqlFailure.ConnectionBroken,
        MySqlException { IsTransient: true } => SqlFailure.ConnectionBroken,
        MySqlException => SqlFailure.Other,
        TimeoutException or { InnerException: TimeoutException } => SqlFailure.Timeout,
        IOException or SocketException or { InnerException: IOException or SocketException } => SqlFailure.ConnectionBroken,
        _ => SqlFailure.Other,
    };
}
