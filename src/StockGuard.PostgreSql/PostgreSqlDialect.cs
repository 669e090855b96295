using System.Net.Sockets;
using Npgsql;
using StockGuard.Sql;

namespace StockGuard.PostgreSql;

/// <summary>
/// PostgreSQL's SQL text and error codes. Under READ COMMITTED an <c>UPDATE</c> re-checks its <c>WHERE</c> on the newest
/// row version after a lock wait, which makes the atomic strategy safe. Nothing here outlives a transaction on the
/// server session (the schema script's advisory lock is a transaction's), but for the one-line deduct prepared on a
/// session-bound path (<see cref="PrepareDeductOne"/>).
/// </summary>
internal sealed class PostgreSqlDialect(string schema, PostgreSqlConnections connections) : SqlDialect(schema)
{
    private static readonly Lazy<string> Script = new(() => EmbeddedScript(typeof(PostgreSqlDialect), "StockGuard.PostgreSql.Schema.sql"));

    public override string StoreName => "postgresql";

    /// <inheritdoc/>
    public override string SelectSchemaVersionTableExists => field ??= $"SELECT CASE WHEN to_regclass('{SchemaVersions.Replace("'", "''", StringComparison.Ordinal)}') IS NULL THEN 0 ELSE 1 END";

    /// <inheritdoc/>
    /// <remarks>The schema script's own advisory lock, taken first, so that the transaction re-reads the version under it.</remarks>
    public override string LockSchema => "SELECT 1 FROM (SELECT pg_advisory_xact_lock(hashtext('stockguard-schema'))) AS l";

    /// <inheritdoc/>
    public override string SchemaScript => Script.Value.Replace("\"stockguard\"", Quote(Schema), StringComparison.Ordinal);

    // clock_timestamp(), not now(): now() stands still for the whole transaction.
    public override string SelectServerTime => "SELECT (EXTRACT(EPOCH FROM clock_timestamp()) * 1000000)::bigint";

    public override string UpsertReceipt => field ??= ReturningItem(
        $"INSERT INTO {Items} AS i (sku, location, on_hand, reserved, safety_stock, backorder_limit, low_stock_threshold, version, released) " +
        "VALUES (@sku, @location, @quantity, 0, 0, 0, 0, 1, 1) " +
        "ON CONFLICT (sku, location) DO UPDATE SET on_hand = i.on_hand + EXCLUDED.on_hand, version = i.version + 1, released = 1");

    public override string UpsertPolicy => field ??= ReturningItem(
        $"INSERT INTO {Items} AS i (sku, location, on_hand, reserved, safety_stock, backorder_limit, low_stock_threshold, version, pre_order_limit, expected_restock) " +
        "VALUES (@sku, @location, 0, 0, @safetyStock, @backorderLimit, @lowStockThreshold, 1, @preOrderLimit, @expectedRestock::timestamptz) " +
        "ON CONFLICT (sku, location) DO UPDATE SET safety_stock = EXCLUDED.safety_stock, backorder_limit = EXCLUDED.backorder_limit, " +
        "low_stock_threshold = EXCLUDED.low_stock_threshold, version = i.version + 1, pre_order_limit = EXCLUDED.pre_order_limit, expected_restock = EXCLUDED.expected_restock");

    /// <summary>
    /// One statement (so it batches): the lines are released, their movements written and the item's count lowered (and
    /// its version raised by one per line) together. Every part sees the row as it was before the statement (the caller
    /// locked it), so each movement's level is that row less the lines before it.
    /// </summary>
    public override string ReleaseExpiredLines =>
        field ??= $"WITH freed AS (UPDATE {HoldLines} l SET released = TRUE FROM {Holds} h " +
        "WHERE h.id = l.hold_id AND l.sku = @sku AND l.location = @location AND l.released = FALSE AND h.expires_at <= @now " +
        "RETURNING l.hold_id, l.line_no, l.sku, l.location, l.quantity, h.reference), " +
        $"moved AS (INSERT INTO {Movements} ({MovementColumns}) " +
        "SELECT @now, f.sku, f.location, 'hold_expired', 0, -f.quantity, f.hold_id, f.reference, NULL, " +
        "i.on_hand, i.reserved - SUM(f.quantity) OVER (ORDER BY f.hold_id, f.line_no ROWS UNBOUNDED PRECEDING), i.safety_stock, i.backorder_limit, i.low_stock_threshold, " +
        $"i.version + ROW_NUMBER() OVER (ORDER BY f.hold_id, f.line_no) FROM freed f JOIN {Items} i ON i.sku = f.sku AND i.location = f.location ORDER BY f.hold_id, f.line_no) " +
        $"UPDATE {Items} SET reserved = reserved - (SELECT SUM(quantity) FROM freed), version = version + (SELECT COUNT(*) FROM freed) " +
        "WHERE sku = @sku AND location = @location AND EXISTS (SELECT 1 FROM freed)";

    /// <summary>
    /// One autocommitted statement: the change, the movement in a data-modifying CTE (run to completion with the
    /// statement, so both or neither), and the new row. PostgreSQL commits only after the statement completed, so an
    /// error reported before its <c>CommandComplete</c> means nothing was committed. The statement never names the hold
    /// tables (see <see cref="SqlDialect.DeductOne"/>), so that each execution opens and locks only the two tables it writes.
    /// The schema's name is both in the text and in <c>$6</c>, and the row carries it back: the statement writes only
    /// when it was sent by a store of its own schema, so that a prepared statement another client's store left on a
    /// pooled server session under the same name can never sell in this schema for that store, nor this store's
    /// parameters sell in another schema through it (see <see cref="DeductOneEchoesSchema"/>).
    /// </summary>
    public override string DeductOne =>
        field ??= $"WITH changed AS (UPDATE {Items} AS i SET on_hand = on_hand - $3, version = version + 1 " +
        $"WHERE sku = $1 AND location = $2 AND $6::text = {SchemaLiteral} AND reserved = 0 AND on_hand - safety_stock >= $3 RETURNING i.*), " +
        $"moved AS (INSERT INTO {Movements} ({MovementColumns}) " +
        "SELECT $4, sku, location, 'sale', -$3, 0, NULL, $5, NULL, on_hand, reserved, safety_stock, backorder_limit, low_stock_threshold, version FROM changed) " +
        $"SELECT {ItemColumns}, {SchemaLiteral} AS StoreSchema, {PreOrderColumns} FROM changed";

    /// <summary>
    /// One autocommitted statement, like <see cref="DeductOne"/>: <c>changed</c> applies the sale under the same condition
    /// (re-checked on the newest row after any lock wait, so the row is visited once), <c>claimed</c> inserts the key
    /// (<c>$7</c>, fingerprint <c>$8</c>) with the sale's result: its opening as the store wrote it (<c>$9</c>, see
    /// <see cref="DeductOneKeyedTakesResultHead"/>) and the numbers of the row <c>changed</c> returns (the level the sale
    /// leaves), read as jsonb, which stores the same value <c>jsonb_build_object</c> would for a fraction of its work
    /// (that function looks up how to write each of its arguments on every call); <c>moved</c> writes its movement. The key is inserted without <c>ON CONFLICT</c>: a key already
    /// stored, or held by a concurrent request that commits first (the insert waits for it on the key's index entry),
    /// raises a unique violation that rolls the whole statement back, sale included, and the store hands the request
    /// over to its transactional path, which replays or refuses it (<see cref="IsIdempotencyKeyTaken"/>). So the key is
    /// stored with a result exactly when the sale applies. A sale this statement cannot serve inserts no key.
    /// </summary>
    public override string DeductOneKeyed =>
        field ??= $"WITH changed AS (UPDATE {Items} AS i SET on_hand = on_hand - $3, version = version + 1 " +
        $"WHERE sku = $1 AND location = $2 AND $6::text = {SchemaLiteral} AND reserved = 0 AND on_hand - safety_stock >= $3 RETURNING i.*), " +
        $"claimed AS (INSERT INTO {IdempotencyKeys} (idempotency_key, fingerprint, result, created_at) " +
        "SELECT $7, $8, CAST($9::text || on_hand || ',\"Reserved\":' || reserved || ',\"Safety\":' || safety_stock || " +
        "',\"Backorder\":' || backorder_limit || ',\"Low\":' || low_stock_threshold || ',\"Version\":' || version || " +
        $"{PreOrderResultFields} || '}}],\"Short\":[]}}' AS jsonb), $4 FROM changed), " +
        $"moved AS (INSERT INTO {Movements} ({MovementColumns}) " +
        "SELECT $4, sku, location, 'sale', -$3, 0, NULL, $5, NULL, on_hand, reserved, safety_stock, backorder_limit, low_stock_threshold, version FROM changed) " +
        $"SELECT {ItemColumns}, {SchemaLiteral} AS StoreSchema, {PreOrderColumns} FROM changed";

    /// <summary>
    /// The level's pre-order settings and release flag in a stored result, written as the store's own results write them
    /// (<c>ResultJson</c>): each only when set, the expected restock in UTC with its fraction of a second trimmed of
    /// trailing zeros and a <c>+00:00</c> offset, so that the stored text is the one the transactional path stores.
    /// </summary>
    private static string PreOrderResultFields =>
        "CASE WHEN pre_order_limit <> 0 THEN ',\"Pre\":' || pre_order_limit ELSE '' END || " +
        "CASE WHEN expected_restock IS NULL THEN '' ELSE ',\"Restock\":\"' || to_char(expected_restock AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS') || " +
        "CASE WHEN date_part('microseconds', expected_restock)::bigint % 1000000 = 0 THEN '' " +
        "ELSE '.' || rtrim(to_char(expected_restock AT TIME ZONE 'UTC', 'US'), '0') END || '+00:00\"' END || " +
        "CASE WHEN released <> 0 THEN ',\"Released\":true' ELSE '' END";

    /// <inheritdoc />
    public override bool DeductOneKeyedTakesResultHead => true;

    /// <summary>unique_violation (23505) on the idempotency keys' primary key: <see cref="DeductOneKeyed"/> met a key already taken.</summary>
    public override bool IsIdempotencyKeyTaken(Exception exception) => exception switch
    {
        PostgresException { SqlState: PostgresErrorCodes.UniqueViolation, TableName: "stock_idempotency_keys" } taken => taken.SchemaName == Schema,
        { InnerException: { } inner } => IsIdempotencyKeyTaken(inner),
        _ => false,
    };

    /// <summary>
    /// The items of an active hold's lines, locked in one statement: PostgreSQL locks the rows a <c>SELECT … ORDER BY … FOR
    /// UPDATE</c> returns after sorting them, so in key order (the key columns are <c>COLLATE "C"</c>: byte order, which
    /// is <see cref="StockKey.CompareTo"/>'s order but between a character above U+E000 and one outside the Basic
    /// Multilingual Plane; two holds whose items differ only so could meet in a deadlock, which the server reports and
    /// the store runs again).
    /// </summary>
    public override string LockItemsOfHold =>
        field ??= $"SELECT 1 FROM {Items} i WHERE (i.sku, i.location) IN (SELECT l.sku, l.location FROM {HoldLines} l JOIN {Holds} h ON h.id = l.hold_id " +
        "WHERE h.id = @id AND h.state = 'active') ORDER BY i.sku, i.location FOR UPDATE";

    /// <summary>
    /// One autocommitted statement, like <see cref="DeductOne"/> (positional, the schema echoed): <c>changed</c> raises
    /// <c>reserved</c> only when the units are available counting every unreleased line, re-checked on the newest row
    /// after any lock wait; <c>held</c>, <c>line</c> and <c>moved</c> write the hold (<c>$7</c>, expiring at <c>$8</c>),
    /// its line and its <c>hold_placed</c> movement from that row. The level's expired units and lines are looked up as
    /// every level-returning change looks them up (the item has units on hold now), in one pass over its open lines.
    /// </summary>
    public override string ReserveOne =>
        field ??= $"WITH changed AS (UPDATE {Items} AS i SET reserved = reserved + $3, version = version + 1 " +
        $"WHERE sku = $1 AND location = $2 AND $6::text = {SchemaLiteral} AND on_hand - reserved - safety_stock >= $3 RETURNING i.*), " +
        $"held AS (INSERT INTO {Holds} (id, state, created_at, expires_at, finished_at, reference) SELECT $7, 'active', $4, $8, NULL::timestamptz, $5 FROM changed), " +
        $"line AS (INSERT INTO {HoldLines} (hold_id, line_no, sku, location, quantity, released) SELECT $7, 0, sku, location, $3, FALSE FROM changed), " +
        $"moved AS (INSERT INTO {Movements} ({MovementColumns}) " +
        "SELECT $4, sku, location, 'hold_placed', 0, $3, $7, $5, NULL, on_hand, reserved, safety_stock, backorder_limit, low_stock_threshold, version FROM changed) " +
        $"SELECT {ItemColumns}, {SchemaLiteral} AS StoreSchema, {PreOrderColumns}, COALESCE(e.units, 0) AS ExpiredReserved, e.lines AS ExpiredLines " +
        $"FROM changed i CROSS JOIN LATERAL (SELECT SUM(l.quantity) AS units, COUNT(*) AS lines FROM {HoldLines} l JOIN {Holds} h ON h.id = l.hold_id " +
        "WHERE l.sku = i.sku AND l.location = i.location AND l.released = FALSE AND h.expires_at <= $4) e";

    /// <summary>
    /// Two statements sent as one batch, which runs as one implicit transaction (one round trip, one commit): the first
    /// locks the items of the active, unexpired hold's lines in key order (as <see cref="LockItemsOfHold"/>); the
    /// second starts after it holds them, so its snapshot shows the hold, its lines and the items' waiters as they stay
    /// until the commit (each changes only under those locks), and it writes (see <see cref="FinishHoldOne"/>).
    /// </summary>
    public override IReadOnlyList<string> ConfirmHoldOne => field ??= [LockItemsOfActiveHold, FinishHoldOne("confirmed")];

    /// <inheritdoc cref="ConfirmHoldOne"/>
    public override IReadOnlyList<string> ReleaseHoldOne => field ??= [LockItemsOfActiveHold, FinishHoldOne("released")];

    /// <summary>(<c>$1</c> hold, <c>$2</c> now, <c>$3</c> schema): the items of an active hold unexpired at <c>$2</c>, locked in key order.</summary>
    private string LockItemsOfActiveHold =>
        field ??= $"SELECT 1 FROM {Items} i WHERE (i.sku, i.location) IN (SELECT l.sku, l.location FROM {HoldLines} l JOIN {Holds} h ON h.id = l.hold_id " +
        $"WHERE l.hold_id = $1 AND h.id = $1 AND {ActiveAt("h", "$2")} AND $3::text = {SchemaLiteral}) ORDER BY i.sku, i.location FOR UPDATE";

    /// <summary>
    /// Whether the hold <paramref name="alias"/> is active and unexpired at <paramref name="now"/>, written as a <c>CASE</c>
    /// so that the planner cannot match it to the partial index of active holds by expiry and looks the hold up by its
    /// primary key: that index keeps an entry for every hold changed since the table's last vacuum, so a scan of it
    /// for one hold grows with the holds placed recently (every confirm would read them all).
    /// </summary>
    private static string ActiveAt(string alias, string now) =>
        $"CASE {alias}.state WHEN 'active' THEN {alias}.expires_at > {now} ELSE FALSE END";

    /// <summary>
    /// (<c>$1</c> hold, <c>$2</c> now, <c>$3</c> schema), after the items are locked: <c>fin</c> finishes the hold in
    /// <paramref name="state"/> only while it is active, unexpired, none of its lines released (a buyer whose clock
    /// called it expired gave one back: the transactional path expires it) and nobody waits for one of its items (units
    /// given back go to them first: the transactional path serves them); <c>rel</c> releases its lines (found by the hold's
    /// key, as <c>fin</c> finds the hold: see <see cref="ActiveAt"/>), <c>changed</c>
    /// lowers each item by its line (a confirm takes the units off hand too), <c>moved</c> writes one movement per line
    /// in line order from the item's new row, and a confirm's <c>sold</c> makes the hold's waiting backorders a sale's
    /// (<see cref="SqlDialect.ConfirmHoldBackorders"/>, nothing given back). Each step runs only on the rows of the one
    /// before it, so all or none apply.
    /// </summary>
    private string FinishHoldOne(string state)
    {
        var confirm = state == "confirmed";
        return
            $"WITH fin AS (UPDATE {Holds} h SET state = '{state}', finished_at = $2 " +
            $"WHERE h.id = $1 AND {ActiveAt("h", "$2")} AND $3::text = {SchemaLiteral} " +
            $"AND NOT EXISTS (SELECT 1 FROM {HoldLines} l WHERE l.hold_id = $1 AND (l.released " +
            $"OR EXISTS (SELECT 1 FROM {Waitlist} w WHERE w.sku = l.sku AND w.location = l.location AND w.state = 'waiting'))) " +
            "RETURNING h.id, h.created_at, h.expires_at, h.reference), " +
            $"rel AS (UPDATE {HoldLines} l SET released = TRUE FROM fin WHERE l.hold_id = $1 AND l.hold_id = fin.id AND l.released IS NOT TRUE RETURNING l.line_no, l.sku, l.location, l.quantity), " +
            $"changed AS (UPDATE {Items} i SET {(confirm ? "on_hand = i.on_hand - r.quantity, " : "")}reserved = i.reserved - r.quantity, version = i.version + 1 " +
            "FROM rel r WHERE i.sku = r.sku AND i.location = r.location " +
            "RETURNING i.sku, i.location, i.on_hand, i.reserved, i.safety_stock, i.backorder_limit, i.low_stock_threshold, i.version), " +
            $"moved AS (INSERT INTO {Movements} ({MovementColumns}) " +
            $"SELECT $2, r.sku, r.location, '{(confirm ? "hold_confirmed" : "hold_released")}', {(confirm ? "-r.quantity" : "0")}, -r.quantity, fin.id, fin.reference, NULL, " +
            "c.on_hand, c.reserved, c.safety_stock, c.backorder_limit, c.low_stock_threshold, c.version " +
            "FROM rel r JOIN changed c ON c.sku = r.sku AND c.location = r.location CROSS JOIN fin ORDER BY r.line_no)" +
            (confirm
                ? $", sold AS (UPDATE {BackorderTable} b SET " +
                  "state = CASE WHEN b.quantity > b.filled THEN b.state WHEN b.filled > 0 THEN 'filled' ELSE 'cancelled' END, " +
                  "quantity = CASE WHEN b.quantity > b.filled THEN b.quantity WHEN b.filled > 0 THEN b.filled ELSE b.quantity END, hold_id = NULL " +
                  "FROM rel r WHERE b.hold_id = $1 AND b.sku = r.sku AND b.location = r.location AND b.state = 'waiting') "
                : " ") +
            $"SELECT fin.id AS HoldId, fin.created_at AS CreatedAt, fin.expires_at AS ExpiresAt, fin.reference AS Reference, " +
            $"r.sku AS Sku, r.location AS Location, r.quantity AS Quantity, {SchemaLiteral} AS StoreSchema FROM fin CROSS JOIN rel r ORDER BY r.line_no";
    }

    /// <summary>Positional: Npgsql then sends the text as it is, without parsing it for named parameters on every call.</summary>
    public override bool DeductOnePositional => true;

    public override bool DeductOneEchoesSchema => true;

    /// <summary>
    /// A batch's row lock is held through its commit; with a synchronous commit that includes the WAL flush, so the
    /// batches of several processes on one item would queue one flush each. Committed asynchronously, the lock goes at
    /// once, and <see cref="CommitFlushBarrier"/> makes the batch durable before anyone is answered.
    /// </summary>
    public override string BatchCommitWithoutFlush => "SET LOCAL synchronous_commit = off";

    /// <summary>
    /// The whole batch as one autocommitted statement, so the row lock is held for the statement's own execution and
    /// its commit, never for a round trip to the client: the conditional change of the whole batch, one <c>sale</c>
    /// movement per request in a data-modifying CTE (each with the on-hand units and version right after it, in batch
    /// order), and the transaction's <c>synchronous_commit</c> set off so that the commit does not wait for its flush
    /// either (<see cref="CommitFlushBarrier"/> follows before anyone is answered). Returns the new row, or none when
    /// the item cannot serve the whole batch (or is unknown): nothing was changed, and the transaction path decides.
    /// </summary>
    public override string SellBatch => field ??= SellBatchAfter(ChangeBatchIfSellable);

    /// <summary>
    /// <see cref="SellBatch"/> with <c>reserved = 0</c> in the change's condition and no look-up of expired holds in
    /// its row. PostgreSQL starts the plan of every sub-query in a statement on each execution, also of one that a
    /// <c>CASE</c> then never runs; on a hot item's batch the two look-ups of <see cref="SellBatch"/>'s row cost the
    /// server about a tenth of the statement (each a join of the holds and their lines, with an aggregate).
    /// </summary>
    public override string SellBatchUnreserved =>
        field ??= SellBatchAfter(
            $"UPDATE {Items} AS i SET on_hand = on_hand + @onHandDelta, version = version + @versions " +
            "WHERE sku = @sku AND location = @location AND reserved = 0 AND on_hand - safety_stock >= @quantity " +
            $"RETURNING {ItemColumns}, {PreOrderColumns}, CAST(0 AS bigint) AS ExpiredReserved, CAST(0 AS bigint) AS ExpiredLines");

    /// <summary>
    /// The batch statement around <paramref name="change"/> (an <c>UPDATE</c> of the item that returns its new row):
    /// one <c>sale</c> movement per request in a data-modifying CTE, each with the on-hand units and version right after
    /// it in batch order, and the transaction's <c>synchronous_commit</c> set off.
    /// </summary>
    private string SellBatchAfter(string change) =>
        $"WITH changed AS ({change}), " +
        $"moved AS (INSERT INTO {Movements} ({MovementColumns}) " +
        "SELECT @now, c.sku, c.location, 'sale', -s.quantity, 0, NULL, s.reference, NULL, " +
        "c.onhand + @quantity - SUM(s.quantity) OVER (ORDER BY s.n ROWS UNBOUNDED PRECEDING), c.reserved, c.safetystock, c.backorderlimit, c.lowstockthreshold, " +
        "c.version - @versions + s.n FROM changed c CROSS JOIN unnest(@quantities::bigint[], @references::text[]) WITH ORDINALITY AS s(quantity, reference, n) ORDER BY s.n), " +
        "relaxed AS (SELECT set_config('synchronous_commit', 'off', true) AS setting) " +
        "SELECT changed.* FROM changed CROSS JOIN relaxed";

    /// <summary>
    /// Assigns a transaction id, so its commit writes a commit record and (at the server's synchronous_commit) flushes
    /// the WAL up to it, past the batch's commit record. Plain autocommit: safe behind a transaction pooler.
    /// </summary>
    public override string CommitFlushBarrier => "SELECT pg_current_xact_id()";

    /// <summary>
    /// With error barriers Npgsql ends each command with its own Sync: each runs in an implicit transaction of its own
    /// and commits before the next starts (a <c>set_config(…, true)</c> in one does not reach the next). Behind a
    /// transaction pooler each is one transaction too, sent in order.
    /// </summary>
    public override System.Data.Common.DbBatch CreateSeparateCommitsBatch(System.Data.Common.DbConnection connection) =>
        new NpgsqlBatch((NpgsqlConnection)connection) { EnableErrorBarriers = true };

    /// <summary>Prepared on a session-bound path only: behind a transaction pooler the next transaction may run on a session that has another client's statement under that name.</summary>
    public override bool PrepareDeductOne => !connections.TransactionPooled;

    public override string PoolerAdvice =>
        field ??= $"Behind a transaction pooler (PgBouncer, PgCat, Odyssey, Supavisor, RDS Proxy) set {nameof(PostgreSqlStockStoreOptions)}.{nameof(PostgreSqlStockStoreOptions.Pooling)} = " +
        $"{nameof(PostgreSqlPooling.Transaction)} and Max Auto Prepare=0 on the data source: no statement may be prepared on the server.";

    /// <summary>
    /// Whether the server refused a statement because its session did not know the prepared statement the connection
    /// named, already had one of that name, or had another statement under it: the signs of a server session shared
    /// with other clients, reported before the statement ran.
    /// </summary>
    internal static bool IsStatementLost(PostgresException exception) => exception.SqlState switch
    {
        PostgresErrorCodes.InvalidSqlStatementName or PostgresErrorCodes.DuplicatePreparedStatement => true,
        PostgresErrorCodes.ProtocolViolation => exception.MessageText.Contains("prepared statement", StringComparison.Ordinal),
        PostgresErrorCodes.FeatureNotSupported => exception.MessageText.Contains("cached plan", StringComparison.Ordinal),
        _ => false,
    };

    /// <summary>The schema's name as a SQL string literal (a plain identifier holds no quote).</summary>
    private string SchemaLiteral => field ??= $"'{Schema}'";

    /// <summary>
    /// Npgsql throws an <see cref="ArgumentException"/> for a data row whose columns differ from the prepared statement's
    /// row description, and wraps it when it then fails to read the rest of the reply.
    /// </summary>
    public override bool IsReplyOfAnotherShape(Exception exception) => exception switch
    {
        ArgumentException => true,
        AggregateException aggregate => aggregate.InnerExceptions.Any(IsReplyOfAnotherShape),
        { InnerException: { } inner } => IsReplyOfAnotherShape(inner),
        _ => false,
    };

    public override bool IsReportedByServer(Exception exception) => exception switch
    {
        PostgresException => true,
        { InnerException: { } inner } => IsReportedByServer(inner),
        _ => false,
    };

    public override string TryInsertIdempotencyKey =>
        field ??= $"INSERT INTO {IdempotencyKeys} (idempotency_key, fingerprint, result, created_at) VALUES (@key, @fingerprint, NULL, @createdAt) " +
        "ON CONFLICT (idempotency_key) DO NOTHING";

    public override string SetIdempotencyResult => field ??= $"UPDATE {IdempotencyKeys} SET result = CAST(@result AS jsonb) WHERE idempotency_key = @key";

    /// <summary>Arrays and <c>unnest</c>: one statement text whatever the batch size, so that it can be prepared.</summary>
    public override SqlCall InsertSaleMovements(DateTimeOffset at, StockKey key, IReadOnlyList<SaleMovement> sales, LevelRow after) => new(
        $"INSERT INTO {Movements} ({MovementColumns}) " +
        "SELECT @at, @sku, @location, 'sale', t.d, 0, NULL, t.r, NULL, t.o, @reserved, @safetyStock, @backorderLimit, @lowStockThreshold, t.v " +
        "FROM unnest(@deltas, @references, @onHands, @versions) WITH ORDINALITY AS t(d, r, o, v, n) ORDER BY t.n",
        new
        {
            at = TimeParameter(at), sku = key.Sku, location = key.Location, reserved = after.Reserved, safetyStock = after.SafetyStock,
            backorderLimit = after.BackorderLimit, lowStockThreshold = after.LowStockThreshold,
            deltas = sales.Select(m => m.OnHandDelta).ToArray(), references = sales.Select(m => m.Reference).ToArray(),
            onHands = sales.Select(m => m.OnHandAfter).ToArray(), versions = sales.Select(m => m.VersionAfter).ToArray(),
        });

    /// <summary>The writing transaction's id (<c>xid8</c>), as a bigint (by text: xid8 has no cast to bigint).</summary>
    protected override string ChangeTransaction => "tx::text::bigint";

    /// <summary>
    /// Ids are taken at insert and commit out of order, so the feed is ordered by the writing transaction's id, then the
    /// row's, and reads only rows of transactions below the oldest one still running (the snapshot's xmin): every such
    /// transaction has ended, so no row can later commit at an earlier position. A long transaction holds the feed back.
    /// </summary>
    public override string SelectChanges =>
        field ??= $"SELECT {ChangeColumns} FROM {Movements} " +
        "WHERE (tx, id) > (CAST(CAST(@afterTx AS text) AS xid8), @afterId) AND tx < pg_snapshot_xmin(pg_current_snapshot()) " +
        "ORDER BY tx, id LIMIT @limit";

    public override string SelectLastChange =>
        field ??= $"SELECT {ChangeTransaction} AS Tx, id AS Id FROM {Movements} WHERE tx < pg_snapshot_xmin(pg_current_snapshot()) ORDER BY tx DESC, id DESC LIMIT 1";

    /// <summary>A select list gives a parameter no type of its own; the hold id is a uuid.</summary>
    protected override string HoldIdValue => "CAST(@holdId AS uuid)";

    public override SqlCall ClaimIdempotencyKeys(DateTimeOffset createdAt, IReadOnlyList<string> keys, IReadOnlyList<string> fingerprints) => new(
        $"INSERT INTO {IdempotencyKeys} (idempotency_key, fingerprint, result, created_at) " +
        "SELECT t.k, t.f, NULL, @createdAt FROM unnest(@keys, @fingerprints) WITH ORDINALITY AS t(k, f, n) ORDER BY t.n " +
        "ON CONFLICT (idempotency_key) DO NOTHING RETURNING idempotency_key",
        new { createdAt = TimeParameter(createdAt), keys = keys.ToArray(), fingerprints = fingerprints.ToArray() });

    public override SqlCall SetIdempotencyResults(IReadOnlyList<string> keys, IReadOnlyList<string> results) => new(
        $"UPDATE {IdempotencyKeys} k SET result = CAST(t.r AS jsonb) FROM unnest(@keys, @results) AS t(k, r) WHERE k.idempotency_key = t.k",
        new { keys = keys.ToArray(), results = results.ToArray() });

    /// <summary>no_active_sql_transaction (25P01): a savepoint outside a transaction block.</summary>
    public override bool IsOutsideTransaction(Exception exception) => exception is PostgresException { SqlState: PostgresErrorCodes.NoActiveSqlTransaction };

    public override SqlFailure Classify(Exception exception) => exception switch
    {
        PostgresException lost when IsStatementLost(lost) => SqlFailure.StatementLost,
        { InnerException: PostgresException lost } when IsStatementLost(lost) => SqlFailure.StatementLost,
        // Refused credentials or role, a missing database, no privilege: a retry fails the same way.
        PostgresException
        {
            SqlState: PostgresErrorCodes.InvalidPassword or PostgresErrorCodes.InvalidAuthorizationSpecification
                or PostgresErrorCodes.InvalidCatalogName or PostgresErrorCodes.InsufficientPrivilege,
        } => SqlFailure.Configuration,
        PostgresException { SqlState: PostgresErrorCodes.UndefinedTable or PostgresErrorCodes.InvalidSchemaName } => SqlFailure.SchemaMissing,
        PostgresException { SqlState: PostgresErrorCodes.LockNotAvailable or PostgresErrorCodes.QueryCanceled } => SqlFailure.Timeout,
        PostgresException { SqlState: PostgresErrorCodes.DeadlockDetected or PostgresErrorCodes.SerializationFailure } => SqlFailure.Retryable,
        PostgresException { SqlState: var state } when state.StartsWith("08", StringComparison.Ordinal) || state.StartsWith("57P", StringComparison.Ordinal) => SqlFailure.ConnectionBroken,
        PostgresException => SqlFailure.Other,
        TimeoutException or { InnerException: TimeoutException } => SqlFailure.Timeout,
        IOException or SocketException or { InnerException: IOException or SocketException } => SqlFailure.ConnectionBroken,
        NpgsqlException { IsTransient: true } => SqlFailure.ConnectionBroken,
        _ => SqlFailure.Other,
    };
}
