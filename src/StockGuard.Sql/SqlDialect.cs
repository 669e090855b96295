using System.Data;
using System.Data.Common;

namespace StockGuard.Sql;

/// <summary>
/// Everything one database does differently: SQL text, how a row is locked, how errors are classified and the
/// schema script. The strategies in this assembly are written once against this class; a provider package
/// derives from it and adds nothing else but its <c>Use…</c> extension. When a strategy needs a per-database
/// difference, this class grows a member; strategies never branch on the database.
/// </summary>
/// <remarks>
/// <para>Every command binds parameters by name with an <c>@</c> prefix. Item rows are read through
/// <see cref="ItemColumns"/> into <see cref="LevelRow"/>; hold rows into <see cref="HoldRow"/>; hold lines into
/// <see cref="HoldLineRow"/>. Hold states are stored as the lower-case words <c>active</c>, <c>confirmed</c>,
/// <c>released</c> and <c>expired</c>. Times are UTC, bound through <see cref="TimeParameter"/>; the store takes them from the database's
/// clock through <see cref="SelectServerTime"/> or from its <see cref="TimeProvider"/> (see <see cref="SqlClock"/>).</para>
/// <para>Lock order, which every operation keeps so that no two transactions deadlock, whatever process runs them:
/// <b>stock items</b> in <see cref="StockKey.CompareTo"/> order, then <b>hold rows</b> in id order, then <b>hold
/// lines</b>. A hold's lines change (a line is released) only while the line's item is locked, and a hold's state or
/// expiry changes only while every item of its unreleased lines is locked; so a transaction that has locked an item
/// reads that item's hold lines, and the expiry and state of their holds, without locking them, and nothing it reads
/// can change before it commits. No statement locks a hold row or a hold line and then waits for an item: a buyer
/// locks its items, then releases their expired lines; a confirm, release or extend reads the hold unlocked, locks its
/// items, then locks the hold row and checks it again; the sweep reads expired holds unlocked, locks their items, then
/// locks the holds still active and expired, skipping any locked elsewhere; the purge locks only finished holds, whose lines are all released.</para>
/// <para>A hold's state and its lines change together: a hold leaves <c>active</c> only in a transaction that leaves
/// none of its lines unreleased, so a finished hold never counts in <c>reserved</c>. Every release of an expired
/// line adds one to its item's stored version, and a level's <c>Version</c> is the stored version plus the number of
/// the item's unreleased lines of expired holds: an expiry raises the version a reader sees at once, and the release
/// that follows leaves it unchanged.</para>
/// </remarks>
internal abstract class SqlDialect
{
    /// <summary>Creates a dialect whose tables live in <paramref name="schema"/>.</summary>
    /// <exception cref="ArgumentException"><paramref name="schema"/> is not a plain identifier.</exception>
    protected SqlDialect(string schema)
    {
        if (!SqlStockStoreOptions.IsPlainIdentifier(schema))
        {
            throw new ArgumentException($"The schema name '{schema}' is not a plain identifier (letters, digits, underscores; not starting with a digit; up to 63 characters).", nameof(schema));
        }

        Schema = schema;
    }

    /// <summary>The version of the schema this library writes and reads. Bump it with every change to the tables.</summary>
    public const int SchemaVersion = 1;

    /// <summary>The schema name, unquoted.</summary>
    public string Schema { get; }

    /// <summary>The store's name in telemetry, e.g. <c>postgresql</c>.</summary>
    public abstract string StoreName { get; }

    /// <summary>Quotes an identifier. Default: the SQL standard's <c>"name"</c>, doubling any quote inside; MySQL uses backticks.</summary>
    public virtual string Quote(string identifier) => "\"" + identifier.Replace("\"", "\"\"", StringComparison.Ordinal) + "\"";

    /// <summary>Reads a schema script embedded in a provider's assembly as <paramref name="resource"/>.</summary>
    /// <exception cref="InvalidOperationException">The resource is missing: the package was built wrong.</exception>
    protected static string EmbeddedScript(Type dialect, string resource)
    {
        ArgumentNullException.ThrowIfNull(dialect);
        using var stream = dialect.Assembly.GetManifestResourceStream(resource)
            ?? throw new InvalidOperationException($"The embedded schema script '{resource}' is missing from {dialect.Assembly.GetName().Name}.");
        using var reader = new StreamReader(stream);
        return reader.ReadToEnd();
    }

    /// <summary>A table's qualified, quoted name.</summary>
    protected string Table(string name) => $"{Quote(Schema)}.{Quote(name)}";

    /// <summary>Stock items: one row per SKU and location.</summary>
    public string Items => Table("stock_items");

    /// <summary>Holds: one row per hold.</summary>
    public string Holds => Table("stock_holds");

    /// <summary>Hold lines: one row per held item, with a <c>released</c> flag once its units went back or were sold.</summary>
    public string HoldLines => Table("stock_hold_lines");

    /// <summary>Idempotency keys and their first results.</summary>
    public string IdempotencyKeys => Table("stock_idempotency_keys");

    /// <summary>The movement ledger: one row per line of every change.</summary>
    public string Movements => Table("stock_movements");

    /// <summary>The applied schema versions.</summary>
    public string SchemaVersions => Table("stock_schema_version");

    /// <summary>
    /// The item columns every level-returning command selects, aliased to <see cref="LevelRow"/>'s properties, in this
    /// order: sku, location, on-hand, reserved, safety stock, backorder limit, low-stock threshold, version (the
    /// one-command sale reads them by position).
    /// </summary>
    protected virtual string ItemColumns =>
        "sku AS Sku, location AS Location, on_hand AS OnHand, reserved AS Reserved, safety_stock AS SafetyStock, " +
        "backorder_limit AS BackorderLimit, low_stock_threshold AS LowStockThreshold, version AS Version";

    /// <summary>The clause that locks the rows a <c>SELECT</c> reads until the transaction ends: <c> FOR UPDATE</c>, or empty where the transaction itself is the lock (SQLite).</summary>
    protected virtual string ForUpdate => " FOR UPDATE";

    /// <summary>The clause that locks the rows a <c>SELECT</c> reads and skips rows other transactions locked, for the sweep.</summary>
    protected virtual string ForUpdateSkipLocked => " FOR UPDATE SKIP LOCKED";

    /// <summary>
    /// The units of unreleased lines of holds expired at <c>@now</c> on the item aliased <c>i</c>: what a read leaves out
    /// of <c>Reserved</c>. The stored <c>reserved</c> counts every unreleased line, so an item with none reserved (most
    /// items, most of the time) skips the look-up.
    /// </summary>
    protected virtual string ExpiredReservedOfItem => ExpiredOfItem("SUM(l.quantity)", "i");

    /// <summary>
    /// The number of unreleased lines of holds expired at <c>@now</c> on the item aliased <c>i</c>: what a read adds to the
    /// stored version, so that an expiry changes the version a reader sees before any release is written.
    /// </summary>
    protected virtual string ExpiredLinesOfItem => ExpiredOfItem("COUNT(*)", "i");

    /// <summary>An aggregate over the unreleased lines of holds expired at <c>@now</c> on the item whose row is named <paramref name="item"/>; 0 when it reserves nothing.</summary>
    protected string ExpiredOfItem(string aggregate, string item) =>
        $"CASE WHEN {item}.reserved = 0 THEN 0 ELSE COALESCE((SELECT {aggregate} FROM {HoldLines} l JOIN {Holds} h ON h.id = l.hold_id " +
        $"WHERE l.sku = {item}.sku AND l.location = {item}.location AND l.released = FALSE AND h.expires_at <= @now), 0) END";

    /// <summary>The item columns, the expired units and the expired lines of the item aliased <c>i</c>: every level-returning command's select list.</summary>
    protected string LevelColumns => $"{ItemColumns}, {ExpiredReservedOfItem} AS ExpiredReserved, {ExpiredLinesOfItem} AS ExpiredLines";

    /// <summary>
    /// Turns an <c>UPDATE</c> or upsert of one item row aliased <c>i</c> (identified by <c>@sku</c> and <c>@location</c>) into a command that
    /// returns the item's new row through <see cref="LevelColumns"/> (with <c>ExpiredReserved</c> and <c>ExpiredLines</c> at <c>@now</c>) when the update applied, and no row when it did
    /// not. Databases with <c>UPDATE … RETURNING</c> append it; others (MySQL) read the row back in the same
    /// transaction, e.g. <c>…; SELECT … WHERE ROW_COUNT() &gt; 0 AND …</c>.
    /// </summary>
    protected virtual string ReturningItem(string update) => $"{update} RETURNING {LevelColumns}";

    // ---- Reads -------------------------------------------------------------------------------------------------

    /// <summary>(<c>@sku, @location, @now</c>) → zero or one <see cref="LevelRow"/>, with <c>ExpiredReserved</c> and <c>ExpiredLines</c> set; no lock.</summary>
    public virtual string SelectLevel =>
        $"SELECT {LevelColumns} FROM {Items} i WHERE i.sku = @sku AND i.location = @location";

    /// <summary>(<c>@sku, @location, @now</c>) → zero or one <see cref="LevelRow"/>, with <c>ExpiredReserved</c> and <c>ExpiredLines</c> set, locking the item row until the transaction ends.</summary>
    public virtual string LockLevel => SelectLevel + ForUpdate;

    // ---- Item changes ------------------------------------------------------------------------------------------

    /// <summary>
    /// The atomic conditional change (<c>@sku, @location, @onHandDelta, @reservedDelta, @quantity</c>): adds the deltas
    /// and bumps the version only when <c>on_hand − reserved − safety_stock + backorder_limit ≥ @quantity</c>,
    /// re-checked by the database after any lock wait. Returns the new row, or no row when short or unknown.
    /// </summary>
    public virtual string ChangeIfSellable => ReturningItem(
        $"UPDATE {Items} AS i SET on_hand = on_hand + @onHandDelta, reserved = reserved + @reservedDelta, version = version + 1 " +
        "WHERE sku = @sku AND location = @location AND on_hand - reserved - safety_stock + backorder_limit >= @quantity");

    /// <summary>(<c>@sku, @location, @onHandDelta, @reservedDelta, @version</c>): the optimistic change, applied only when the row still has <c>@version</c>. Returns the new row or none.</summary>
    public virtual string ChangeIfVersion => ReturningItem(
        $"UPDATE {Items} AS i SET on_hand = on_hand + @onHandDelta, reserved = reserved + @reservedDelta, version = version + 1 " +
        "WHERE sku = @sku AND location = @location AND version = @version");

    /// <summary>(<c>@sku, @location, @onHandDelta, @reservedDelta</c>): an unconditional change of a row the caller locked or need not check. Returns the new row, or none when unknown.</summary>
    public virtual string Change => ReturningItem(
        $"UPDATE {Items} AS i SET on_hand = on_hand + @onHandDelta, reserved = reserved + @reservedDelta, version = version + 1 " +
        "WHERE sku = @sku AND location = @location");

    /// <summary>(<c>@sku, @location, @quantity</c>): a receipt that creates the item (version 1) or adds to it (version + 1). Returns the new row.</summary>
    public abstract string UpsertReceipt { get; }

    /// <summary>(<c>@sku, @location, @safetyStock, @backorderLimit, @lowStockThreshold</c>): sets the policy, creating the item (version 1) or bumping its version. Returns the new row.</summary>
    public abstract string UpsertPolicy { get; }

    /// <summary>
    /// (<c>@sku, @location, @now</c>): gives back the units of every unreleased line on the item whose hold expired at
    /// <c>@now</c>: lowers <c>reserved</c> by their units and adds one to the version per line (so that the version a
    /// reader sees, which counted those lines, does not move), marks those lines released and writes one
    /// <c>hold_expired</c> movement per line. The caller has locked the item row first (lock order), so the lines and
    /// their holds' expiry, read without locks, cannot change under it. The default is three plain statements in one command.
    /// </summary>
    public virtual string ReleaseExpiredLines
    {
        get
        {
            var expired = $"FROM {HoldLines} l JOIN {Holds} h ON h.id = l.hold_id WHERE l.sku = @sku AND l.location = @location AND l.released = FALSE AND h.expires_at <= @now";
            return
                $"INSERT INTO {Movements} (occurred_at, sku, location, kind, on_hand_delta, reserved_delta, hold_id, reference, note) " +
                $"SELECT @now, l.sku, l.location, 'hold_expired', 0, -l.quantity, l.hold_id, h.reference, NULL {expired};\n" +
                $"UPDATE {Items} SET reserved = reserved - (SELECT COALESCE(SUM(l.quantity), 0) {expired}), version = version + (SELECT COUNT(*) {expired}) " +
                $"WHERE sku = @sku AND location = @location AND EXISTS (SELECT 1 {expired});\n" +
                $"UPDATE {HoldLines} SET released = TRUE WHERE sku = @sku AND location = @location AND released = FALSE " +
                $"AND hold_id IN (SELECT id FROM {Holds} WHERE expires_at <= @now)";
        }
    }

    /// <summary>(<c>@at, @sku, @location, @kind, @onHandDelta, @reservedDelta, @holdId, @reference, @note</c>): one movement row.</summary>
    public virtual string InsertMovement =>
        $"INSERT INTO {Movements} (occurred_at, sku, location, kind, on_hand_delta, reserved_delta, hold_id, reference, note) " +
        "VALUES (@at, @sku, @location, @kind, @onHandDelta, @reservedDelta, @holdId, @reference, @note)";

    // ---- One-line deduct in one command -------------------------------------------------------------------------

    /// <summary>
    /// (<c>@sku, @location, @quantity, @now, @reference</c>) → zero or one <see cref="LevelRow"/>: a one-line sale as one
    /// command that commits on its own, the conditional change of <see cref="ChangeIfSellable"/> (on-hand down by
    /// <c>@quantity</c>) and its <c>sale</c> movement (at <c>@now</c>, with <c>@reference</c>), both or neither. It
    /// serves only an item with no units on hold (<c>reserved = 0</c>), so that it never reads the hold tables: with
    /// nothing on hold, no hold has expired, and the row alone is the level. No row means nothing was changed: the item
    /// is short, unknown, or has units on hold, and the store runs its transactional path, which also gives back
    /// expired holds. A command that returns the row whether or not it changed (MySQL) first
    /// returns the item's version under its lock in a one-column row set named <c>VersionBefore</c>: the change applied
    /// when the version moved. The row's result set is the command's last but for the commit: a failure the server
    /// reports before that result set has ended means nothing was committed. <see langword="null"/> (the default) when
    /// the database has no such command.
    /// </summary>
    public virtual string? DeductOne => null;

    /// <summary>
    /// Whether <see cref="DeductOne"/> names its parameters by position (<c>$1</c> … <c>$5</c> for <c>sku</c>,
    /// <c>location</c>, <c>quantity</c>, <c>now</c>, <c>reference</c>, in that order, and <c>$6</c> for <c>schema</c> when
    /// <see cref="DeductOneEchoesSchema"/>), in which case the store binds them unnamed, in that order. Default:
    /// <see langword="false"/> (named).
    /// </summary>
    public virtual bool DeductOnePositional => false;

    /// <summary>
    /// Whether <see cref="DeductOne"/> is prepared on the server (once per physical connection, kept while the pool keeps
    /// it). Read after the connection was opened. Default: <see langword="false"/>.
    /// </summary>
    public virtual bool PrepareDeductOne => false;

    /// <summary>
    /// Whether <see cref="DeductOne"/> takes the schema's name as a sixth parameter (<c>$6</c> or <c>@schema</c>), writes
    /// only when it matches the schema the text names, and returns it as a ninth column after <see cref="ItemColumns"/>:
    /// the store then takes the row as the answer to its own command only when it carries the store's schema (and, as
    /// always, the item it asked for). Default: <see langword="false"/>.
    /// </summary>
    public virtual bool DeductOneEchoesSchema => false;

    /// <summary>
    /// What to change when the server's replies show that the store's server session is shared with other clients (a
    /// prepared statement it did not know, or a reply to another command): the settings for a transaction pooler.
    /// Default: none.
    /// </summary>
    public virtual string PoolerAdvice => "";

    /// <summary>
    /// A command that ends a transaction <see cref="DeductOne"/> may have left open when it failed part-way, sent before
    /// the connection goes back to the pool; <see langword="null"/> (the default) when the command is one statement
    /// that leaves none.
    /// </summary>
    public virtual string? DeductOneRollback => null;

    /// <summary>
    /// Whether <paramref name="exception"/> is, or wraps, an error the server reported for a statement, as opposed to a
    /// failure of the client or the connection (after which the server may have gone on). Default: <see langword="false"/>.
    /// </summary>
    public virtual bool IsReportedByServer(Exception exception) => false;

    // ---- Holds -------------------------------------------------------------------------------------------------

    /// <summary>(<c>@id, @createdAt, @expiresAt, @reference</c>): a new active hold.</summary>
    public virtual string InsertHold =>
        $"INSERT INTO {Holds} (id, state, created_at, expires_at, finished_at, reference) VALUES (@id, 'active', @createdAt, @expiresAt, NULL, @reference)";

    /// <summary>(<c>@holdId, @lineNo, @sku, @location, @quantity</c>): one unreleased hold line.</summary>
    public virtual string InsertHoldLine =>
        $"INSERT INTO {HoldLines} (hold_id, line_no, sku, location, quantity, released) VALUES (@holdId, @lineNo, @sku, @location, @quantity, FALSE)";

    /// <summary>The hold columns <see cref="SelectHold"/> and <see cref="LockHold"/> select, aliased to <see cref="HoldRow"/>'s properties. A database whose driver reads the id as text selects it <c>AS IdText</c>.</summary>
    protected virtual string HoldColumns => "id AS Id, state AS State, created_at AS CreatedAt, expires_at AS ExpiresAt, finished_at AS FinishedAt, reference AS Reference";

    /// <summary>(<c>@id</c>) → zero or one <see cref="HoldRow"/>; no lock.</summary>
    public virtual string SelectHold => $"SELECT {HoldColumns} FROM {Holds} WHERE id = @id";

    /// <summary>(<c>@id</c>) → zero or one <see cref="HoldRow"/>, locking the hold row until the transaction ends.</summary>
    public virtual string LockHold => SelectHold + ForUpdate;

    /// <summary>(<c>@holdId</c>) → the hold's <see cref="HoldLineRow"/>s in line order.</summary>
    public virtual string SelectHoldLines =>
        $"SELECT sku AS Sku, location AS Location, quantity AS Quantity, released AS Released FROM {HoldLines} WHERE hold_id = @holdId ORDER BY line_no";

    /// <summary>(<c>@holdId, @sku, @location</c>): marks one line released; affects one row, or none if it already was.</summary>
    public virtual string ReleaseHoldLine =>
        $"UPDATE {HoldLines} SET released = TRUE WHERE hold_id = @holdId AND sku = @sku AND location = @location AND released = FALSE";

    /// <summary>(<c>@id, @state, @finishedAt</c>): ends an active hold in <c>@state</c> (<c>confirmed</c>, <c>released</c> or <c>expired</c>).</summary>
    public virtual string FinishHold =>
        $"UPDATE {Holds} SET state = @state, finished_at = @finishedAt WHERE id = @id AND state = 'active'";

    /// <summary>(<c>@id, @expiresAt</c>): moves an active hold's expiry.</summary>
    public virtual string SetHoldExpiry => $"UPDATE {Holds} SET expires_at = @expiresAt WHERE id = @id AND state = 'active'";

    /// <summary>The alias under which commands that return hold ids select them: <c>HoldId</c>, or <c>HoldIdText</c> where the driver reads the id as text (SQLite).</summary>
    protected virtual string HoldIdAlias => "HoldId";

    /// <summary>
    /// (<c>@now, @limit</c>): reads, without locks, up to <c>@limit</c> active holds expired at <c>@now</c> (oldest first)
    /// and returns one <see cref="ClaimedLineRow"/> per unreleased line (with null <c>Sku</c> for a hold that has none
    /// left). The sweep then locks the items of those lines and then the holds (<see cref="LockExpiredHolds"/>): a lock on
    /// a hold or a line taken here, before the items, would break the lock order.
    /// </summary>
    public virtual string SelectExpiredHolds =>
        $"SELECT h.id AS {HoldIdAlias}, l.sku AS Sku, l.location AS Location FROM {Holds} h LEFT JOIN {HoldLines} l ON l.hold_id = h.id AND l.released = FALSE " +
        $"WHERE h.id IN (SELECT id FROM {Holds} WHERE state = 'active' AND expires_at <= @now ORDER BY expires_at LIMIT @limit)";

    /// <summary>
    /// (<c>@now, @h0 … @h{count−1}</c>) → one <see cref="ClaimedLineRow"/> (id only) per named hold that is still active and expired
    /// at <c>@now</c>, locking those holds in id order and skipping any another transaction has locked. The caller has
    /// locked the items of their unreleased lines first, so a store transaction never holds such a hold's lock (it would
    /// hold its items too); a hold skipped here keeps its state, its expired lines are given back anyway, and the next
    /// sweep finishes it.
    /// </summary>
    public virtual string LockExpiredHolds(int count) =>
        $"SELECT id AS {HoldIdAlias} FROM {Holds} WHERE id IN ({string.Join(", ", Enumerable.Range(0, count).Select(i => $"@h{i}"))}) " +
        $"AND state = 'active' AND expires_at <= @now ORDER BY id{ForUpdateSkipLocked}";

    /// <summary>
    /// (<c>@before, @limit</c>): deletes up to <c>@limit</c> finished holds (and their lines) finished at or before
    /// <c>@before</c>, never one that still has an unreleased line (its units would stay reserved for good); returns the count.
    /// </summary>
    public virtual string PurgeFinishedHolds =>
        $"DELETE FROM {Holds} WHERE id IN (SELECT id FROM {Holds} h WHERE state <> 'active' AND finished_at <= @before " +
        $"AND NOT EXISTS (SELECT 1 FROM {HoldLines} l WHERE l.hold_id = h.id AND l.released = FALSE) LIMIT @limit" + ForUpdateSkipLocked + ")";

    // ---- Idempotency ledger ------------------------------------------------------------------------------------

    /// <summary>
    /// (<c>@key, @fingerprint, @createdAt</c>): inserts the key with no result yet; affects one row, or none when the
    /// key exists. A concurrent insert of the same key must wait for the first transaction to end (a unique index does).
    /// </summary>
    public abstract string TryInsertIdempotencyKey { get; }

    /// <summary>(<c>@key</c>) → zero or one <see cref="IdempotencyRow"/>.</summary>
    public virtual string SelectIdempotencyKey =>
        $"SELECT fingerprint AS Fingerprint, result AS Result FROM {IdempotencyKeys} WHERE idempotency_key = @key";

    /// <summary>(<c>@key, @result</c>): stores the first result (JSON text) of a key.</summary>
    public virtual string SetIdempotencyResult => $"UPDATE {IdempotencyKeys} SET result = @result WHERE idempotency_key = @key";

    /// <summary>(<c>@before, @limit</c>): deletes up to <c>@limit</c> keys created at or before <c>@before</c>; returns the count.</summary>
    public virtual string PurgeIdempotencyKeys =>
        $"DELETE FROM {IdempotencyKeys} WHERE idempotency_key IN (SELECT idempotency_key FROM {IdempotencyKeys} WHERE created_at <= @before LIMIT @limit" + ForUpdateSkipLocked + ")";

    // ---- Coalesced batches ------------------------------------------------------------------------------------

    /// <summary>
    /// (<c>@sku, @location, @onHandDelta, @versions, @quantity, @now</c>): a whole batch of sales in one conditional
    /// change: adds <c>@onHandDelta</c> to the on-hand units and <c>@versions</c> (one per sale) to the version only when
    /// the item can sell <c>@quantity</c> units, re-checked after any lock wait. Returns the new row, or none when short or unknown.
    /// </summary>
    public virtual string ChangeBatchIfSellable => ReturningItem(
        $"UPDATE {Items} AS i SET on_hand = on_hand + @onHandDelta, version = version + @versions " +
        "WHERE sku = @sku AND location = @location AND on_hand - reserved - safety_stock + backorder_limit >= @quantity");

    /// <summary>
    /// (<c>@sku, @location, @onHandDelta, @versions</c>): a batch of sales on an item row the caller has locked and
    /// checked: adds <c>@onHandDelta</c> to the on-hand units and <c>@versions</c> (one per sale) to the version.
    /// </summary>
    public virtual string ChangeLockedBatch =>
        $"UPDATE {Items} SET on_hand = on_hand + @onHandDelta, version = version + @versions WHERE sku = @sku AND location = @location";

    /// <summary>One <c>sale</c> movement row per entry of <paramref name="onHandDeltas"/> (with the reference at the same index), in that order, as one command.</summary>
    public virtual SqlCall InsertSaleMovements(DateTimeOffset at, StockKey key, IReadOnlyList<long> onHandDeltas, IReadOnlyList<string?> references)
    {
        var parameters = new Dictionary<string, object?> { ["at"] = TimeParameter(at), ["sku"] = key.Sku, ["location"] = key.Location };
        for (var i = 0; i < onHandDeltas.Count; i++)
        {
            parameters[$"d{i}"] = onHandDeltas[i];
            parameters[$"r{i}"] = references[i];
        }

        return new SqlCall(
            $"INSERT INTO {Movements} (occurred_at, sku, location, kind, on_hand_delta, reserved_delta, hold_id, reference, note) VALUES " +
            string.Join(", ", Enumerable.Range(0, onHandDeltas.Count).Select(i => $"(@at, @sku, @location, 'sale', @d{i}, 0, NULL, @r{i}, NULL)")),
            parameters);
    }

    /// <summary>
    /// Inserts each key (with the fingerprint at the same index and no result) that is not stored yet, in the order
    /// given, and returns the keys it inserted, one row each. As with <see cref="TryInsertIdempotencyKey"/>, a key
    /// another transaction is inserting waits for that transaction to end. Default: <c>INSERT … ON CONFLICT DO NOTHING RETURNING</c>.
    /// </summary>
    public virtual SqlCall ClaimIdempotencyKeys(DateTimeOffset createdAt, IReadOnlyList<string> keys, IReadOnlyList<string> fingerprints) =>
        new(InsertIdempotencyKeys(keys.Count) + " ON CONFLICT (idempotency_key) DO NOTHING RETURNING idempotency_key", KeyParameters(createdAt, keys, fingerprints));

    /// <summary>Stores the first result (JSON text) of each key, the result at the same index.</summary>
    public virtual SqlCall SetIdempotencyResults(IReadOnlyList<string> keys, IReadOnlyList<string> results)
    {
        var parameters = new Dictionary<string, object?>();
        for (var i = 0; i < keys.Count; i++)
        {
            parameters[$"k{i}"] = keys[i];
            parameters[$"r{i}"] = results[i];
        }

        var indexes = Enumerable.Range(0, keys.Count).ToArray();
        return new SqlCall(
            $"UPDATE {IdempotencyKeys} SET result = CASE idempotency_key {string.Join(" ", indexes.Select(i => $"WHEN @k{i} THEN @r{i}"))} END " +
            $"WHERE idempotency_key IN ({string.Join(", ", indexes.Select(i => $"@k{i}"))})",
            parameters);
    }

    /// <summary>
    /// The <c>INSERT … VALUES</c> of <paramref name="count"/> keys, without a conflict clause, for <see cref="KeyParameters"/>;
    /// <paramref name="insert"/> is the statement's verb (MySQL: <c>INSERT IGNORE INTO</c>).
    /// </summary>
    protected string InsertIdempotencyKeys(int count, string insert = "INSERT INTO") =>
        $"{insert} {IdempotencyKeys} (idempotency_key, fingerprint, result, created_at) VALUES " +
        string.Join(", ", Enumerable.Range(0, count).Select(i => $"(@k{i}, @f{i}, NULL, @createdAt)"));

    /// <summary>The parameters of <see cref="InsertIdempotencyKeys"/>: <c>@createdAt</c>, then <c>@k0, @f0, …</c>.</summary>
    protected Dictionary<string, object?> KeyParameters(DateTimeOffset createdAt, IReadOnlyList<string> keys, IReadOnlyList<string> fingerprints)
    {
        var parameters = new Dictionary<string, object?> { ["createdAt"] = TimeParameter(createdAt) };
        for (var i = 0; i < keys.Count; i++)
        {
            parameters[$"k{i}"] = keys[i];
            parameters[$"f{i}"] = fingerprints[i];
        }

        return parameters;
    }

    // ---- Schema ------------------------------------------------------------------------------------------------

    /// <summary>The script that creates every table and index if missing and records <see cref="SchemaVersion"/>; safe to run again and from several processes at once.</summary>
    public abstract string SchemaScript { get; }

    /// <summary>
    /// () → the database server's clock now, in whole microseconds since 1970-01-01 UTC, read when the statement runs
    /// (not when its transaction began) and free of the session's time zone; <see langword="null"/> (the default) when
    /// the database has no server clock of its own (SQLite).
    /// </summary>
    public virtual string? SelectServerTime => null;

    /// <summary>() → the highest applied schema version; fails when the schema does not exist.</summary>
    public virtual string SelectSchemaVersion => $"SELECT MAX(version) FROM {SchemaVersions}";

    // ---- Behaviour ---------------------------------------------------------------------------------------------

    /// <summary>
    /// Whether several commands go to the server as one ADO.NET batch (one round trip) when the driver can batch.
    /// Default: <see langword="true"/>. A dialect whose commands hold several statements the driver cannot batch turns it off.
    /// </summary>
    public virtual bool UseBatches => true;

    /// <summary>Begins the transaction every operation runs in. Default: READ COMMITTED. SQLite begins IMMEDIATE, taking the write lock at once.</summary>
    public virtual async ValueTask<DbTransaction> BeginTransactionAsync(DbConnection connection, CancellationToken cancellationToken) =>
        await connection.BeginTransactionAsync(IsolationLevel.ReadCommitted, cancellationToken).ConfigureAwait(false);

    /// <summary>Classifies a driver exception. <see cref="OperationCanceledException"/> never reaches this method.</summary>
    public abstract SqlFailure Classify(Exception exception);

    /// <summary>Cuts a time to what the database stores exactly (default: whole microseconds, rounded down), so that comparisons in SQL and in memory agree.</summary>
    public virtual DateTimeOffset Truncate(DateTimeOffset time) => new(time.UtcTicks - (time.UtcTicks % 10), TimeSpan.Zero);

    /// <summary>The parameter value for a time. Default: a UTC <see cref="DateTime"/>.</summary>
    public virtual object TimeParameter(DateTimeOffset time) => time.UtcDateTime;

    /// <summary>The parameter value for a hold id. Default: the <see cref="Guid"/> itself.</summary>
    public virtual object HoldIdParameter(Guid id) => id;
}
