namespace StockGuard.Sql;

/// <summary>
/// Every statement a SQL store sends, as one database writes it: the standard text here, an engine's own text in its
/// provider's dialect, which overrides the members that differ (<c>docs/sql/ENGINE.sql</c> shows each engine's final
/// statements in one file). The operations and strategies of this assembly are written once against this class; a
/// provider package derives from it and adds nothing else but its <c>Use…</c> extension. When a strategy needs a
/// per-database difference, this class grows a member; strategies never branch on the database. What the engine is
/// (names, quoting, errors, transactions, time, schema) is its base, <see cref="SqlEngine"/>.
/// </summary>
/// <remarks>
/// <para>Every command binds parameters by name with an <c>@</c> prefix. Item rows are read through
/// <see cref="SqlEngine.ItemColumns"/> into <see cref="LevelRow"/>; hold rows into <see cref="HoldRow"/>; hold lines into
/// <see cref="HoldLineRow"/>. Hold states are stored as the lower-case words <c>active</c>, <c>confirmed</c>,
/// <c>released</c> and <c>expired</c>. Times are UTC, bound through <see cref="SqlEngine.TimeParameter"/>; the store takes them from the database's
/// clock through <see cref="SqlEngine.SelectServerTime"/> or from its <see cref="TimeProvider"/> (see <see cref="SqlClock"/>).</para>
/// <para>Lock order, which every operation keeps so that no two transactions deadlock, whatever process runs them:
/// <b>stock items</b> in <see cref="StockKey.CompareTo"/> order, then <b>hold rows</b> in id order, then <b>hold
/// lines</b>. A hold's lines change (a line is released) only while the line's item is locked, and a hold's state or
/// expiry changes only while every item of its unreleased lines is locked; so a transaction that has locked an item
/// reads that item's hold lines, and the expiry and state of their holds, without locking them, and nothing it reads
/// can change before it commits. No statement locks a hold row or a hold line and then waits for an item: a buyer
/// locks its items, then releases their expired lines; a confirm, release or extend locks its items (in one statement
/// through the hold's lines, see <see cref="LockItemsOfHold"/>, or after reading the hold and its lines unlocked), then
/// locks the hold row and reads it and its lines again; the sweep reads expired holds unlocked, locks their items, then
/// locks the holds still active and expired, skipping any locked elsewhere; the purge locks only finished holds, whose lines are all released.</para>
/// <para>A hold's state and its lines change together: a hold leaves <c>active</c> only in a transaction that leaves
/// none of its lines unreleased, so a finished hold never counts in <c>reserved</c>. Every release of an expired
/// line adds one to its item's stored version, and a level's <c>Version</c> is the stored version plus the number of
/// the item's unreleased lines of expired holds: an expiry raises the version a reader sees at once, and the release
/// that follows leaves it unchanged.</para>
/// </remarks>
internal abstract partial class SqlDialect : SqlEngine
{
    /// <inheritdoc cref="SqlEngine(string)"/>
    protected SqlDialect(string schema)
        : base(schema)
    {
    }

    // ---- Reads -------------------------------------------------------------------------------------------------

    /// <summary>(<c>@sku, @location, @now</c>) → zero or one <see cref="LevelRow"/>, with <c>ExpiredReserved</c> and <c>ExpiredLines</c> set; no lock.</summary>
    public virtual string SelectLevel =>
        field ??= $"SELECT {LevelColumns} FROM {Items} i WHERE i.sku = @sku AND i.location = @location";

    /// <summary>(<c>@sku, @now</c>) → a <see cref="LevelRow"/> per location of the SKU, in location order, with <c>ExpiredReserved</c> and <c>ExpiredLines</c> set; no lock.</summary>
    public virtual string SelectLevelsOfSku =>
        field ??= $"SELECT {LevelColumns} FROM {Items} i WHERE i.sku = @sku ORDER BY i.location";

    /// <summary>(<c>@sku, @location, @now</c>) → zero or one <see cref="LevelRow"/>, with <c>ExpiredReserved</c> and <c>ExpiredLines</c> set, locking the item row until the transaction ends.</summary>
    public virtual string LockLevel => SelectLevel + ForUpdate;

    /// <summary>(<c>@sku, @location</c>): locks the item row until the transaction ends, and reads nothing worth keeping.</summary>
    public virtual string LockItem => field ??= $"SELECT 1 FROM {Items} WHERE sku = @sku AND location = @location{ForUpdate}";

    // ---- Item changes ------------------------------------------------------------------------------------------

    /// <summary>
    /// The atomic conditional change (<c>@sku, @location, @onHandDelta, @reservedDelta, @quantity</c>): adds the deltas
    /// and bumps the version only when <c>on_hand − reserved − safety_stock + limit ≥ @quantity</c>, where the limit is
    /// the pre-order limit while the item is on pre-order, else the backorder limit; re-checked by the database after any
    /// lock wait. Returns the new row, or no row when short or unknown.
    /// </summary>
    public virtual string ChangeIfSellable => field ??= ReturningItem(
        $"UPDATE {Items} AS i SET on_hand = on_hand + @onHandDelta, reserved = reserved + @reservedDelta, version = version + 1 " +
        $"WHERE sku = @sku AND location = @location AND on_hand - reserved - safety_stock + {BelowZeroLimit} >= @quantity");

    /// <summary>(<c>@sku, @location, @onHandDelta, @reservedDelta, @version</c>): the optimistic change, applied only when the row still has <c>@version</c>. Returns the new row or none.</summary>
    public virtual string ChangeIfVersion => field ??= ReturningItem(
        $"UPDATE {Items} AS i SET on_hand = on_hand + @onHandDelta, reserved = reserved + @reservedDelta, version = version + 1 " +
        "WHERE sku = @sku AND location = @location AND version = @version");

    /// <summary>(<c>@sku, @location, @onHandDelta, @reservedDelta</c>): an unconditional change of a row the caller locked or need not check. Returns the new row, or none when unknown.</summary>
    public virtual string Change => field ??= ReturningItem(
        $"UPDATE {Items} AS i SET on_hand = on_hand + @onHandDelta, reserved = reserved + @reservedDelta, version = version + 1 " +
        "WHERE sku = @sku AND location = @location");

    /// <summary>
    /// (<c>@sku, @location, @onHandDelta, @reservedDelta</c>): an unconditional change of a row the caller has locked,
    /// returning nothing: a hold's confirm, release, extension or expiry, whose result carries no level, so the
    /// statement reads no hold lines for one.
    /// </summary>
    public virtual string ChangeLocked =>
        field ??= $"UPDATE {Items} SET on_hand = on_hand + @onHandDelta, reserved = reserved + @reservedDelta, version = version + 1 " +
        "WHERE sku = @sku AND location = @location";

    /// <summary>(<c>@sku, @location, @quantity</c>): a receipt that creates the item (version 1) or adds to it (version + 1). Returns the new row.</summary>
    public abstract string UpsertReceipt { get; }

    /// <summary>(<c>@sku, @location, @safetyStock, @backorderLimit, @lowStockThreshold</c>): sets the policy, creating the item (version 1) or bumping its version. Returns the new row.</summary>
    public abstract string UpsertPolicy { get; }

    /// <summary>
    /// (<c>@sku, @location, @now</c>): gives back the units of every unreleased line on the item whose hold expired at
    /// <c>@now</c>: lowers <c>reserved</c> by their units and adds one to the version per line (so that the version a
    /// reader sees, which counted those lines, does not move), marks those lines released and writes one
    /// <c>hold_expired</c> movement per line, in (hold, line) order, each with the item's level right after it (the
    /// running sum of the lines before it, taken from the row before the change). The caller has locked the item row
    /// first (lock order), so the lines and their holds' expiry, read without locks, cannot change under it. The default
    /// is three plain statements in one command.
    /// </summary>
    public virtual string ReleaseExpiredLines
    {
        get
        {
            var expired = $"FROM {HoldLines} l JOIN {Holds} h ON h.id = l.hold_id WHERE l.sku = @sku AND l.location = @location AND l.released = FALSE AND h.expires_at <= @now";
            return
                $"INSERT INTO {Movements} ({MovementColumns}) " +
                "SELECT @now, l.sku, l.location, 'hold_expired', 0, -l.quantity, l.hold_id, h.reference, NULL, " +
                "i.on_hand, i.reserved - SUM(l.quantity) OVER (ORDER BY l.hold_id, l.line_no ROWS UNBOUNDED PRECEDING), i.safety_stock, i.backorder_limit, i.low_stock_threshold, " +
                "i.version + ROW_NUMBER() OVER (ORDER BY l.hold_id, l.line_no) " +
                $"FROM {HoldLines} l JOIN {Holds} h ON h.id = l.hold_id JOIN {Items} i ON i.sku = l.sku AND i.location = l.location " +
                "WHERE l.sku = @sku AND l.location = @location AND l.released = FALSE AND h.expires_at <= @now ORDER BY l.hold_id, l.line_no;\n" +
                $"UPDATE {Items} SET reserved = reserved - (SELECT COALESCE(SUM(l.quantity), 0) {expired}), version = version + (SELECT COUNT(*) {expired}) " +
                $"WHERE sku = @sku AND location = @location AND EXISTS (SELECT 1 {expired});\n" +
                $"UPDATE {HoldLines} SET released = TRUE WHERE sku = @sku AND location = @location AND released = FALSE " +
                $"AND hold_id IN (SELECT id FROM {Holds} WHERE expires_at <= @now)";
        }
    }

    /// <summary>
    /// The movement ledger's columns every insert names, in this order: when, the item, the kind, the deltas, the hold,
    /// reference and note, then the item's level right after the movement (version 2).
    /// </summary>
    protected static string MovementColumns =>
        "occurred_at, sku, location, kind, on_hand_delta, reserved_delta, hold_id, reference, note, " +
        "on_hand_after, reserved_after, safety_stock_after, backorder_limit_after, low_stock_threshold_after, version_after";

    /// <summary>The <c>@holdId</c> parameter where its type must be known from the text (a select list): PostgreSQL casts it.</summary>
    protected virtual string HoldIdValue => "@holdId";

    /// <summary>
    /// (<c>@at, @sku, @location, @kind, @onHandDelta, @reservedDelta, @holdId, @reference, @note</c>): one movement row,
    /// with the item's level after it read from the item row in the same transaction. The caller has changed that row
    /// (once: lines of one item are merged) and holds its lock, so the row is exactly the level the change left.
    /// </summary>
    public virtual string InsertMovement =>
        field ??= $"INSERT INTO {Movements} ({MovementColumns}) " +
        $"SELECT @at, @sku, @location, @kind, @onHandDelta, @reservedDelta, {HoldIdValue}, @reference, @note, " +
        $"i.on_hand, i.reserved, i.safety_stock, i.backorder_limit, i.low_stock_threshold, i.version FROM {Items} i WHERE i.sku = @sku AND i.location = @location";

    // ---- Change feed ---------------------------------------------------------------------------------------------

    /// <summary>The movement columns the feed reads, aliased to <see cref="ChangeRow"/>'s properties.</summary>
    protected virtual string ChangeColumns =>
        field ??= $"id AS Id, {ChangeTransaction} AS Tx, occurred_at AS OccurredAt, sku AS Sku, location AS Location, kind AS Kind, " +
        $"on_hand_delta AS OnHandDelta, reserved_delta AS ReservedDelta, hold_id AS {HoldIdAlias}, reference AS Reference, note AS Note, " +
        "on_hand_after AS OnHandAfter, reserved_after AS ReservedAfter, safety_stock_after AS SafetyStockAfter, " +
        "backorder_limit_after AS BackorderLimitAfter, low_stock_threshold_after AS LowStockThresholdAfter, version_after AS VersionAfter";

    /// <summary>The expression of a movement's transaction position: <c>0</c>, or PostgreSQL's <c>tx</c> as a bigint.</summary>
    protected virtual string ChangeTransaction => "0";

    /// <summary>
    /// (<c>@afterTx, @afterId, @limit</c>) → up to <c>@limit</c> <see cref="ChangeRow"/>s after the position, in feed order,
    /// of committed movements only, none of which can be followed later by a commit at an earlier position. Default: by
    /// id, for an engine whose ids commit in order (SQLite: one writer at a time, and each takes ids above every
    /// committed one).
    /// </summary>
    public virtual string SelectChanges =>
        field ??= $"SELECT {ChangeColumns} FROM {Movements} WHERE id > @afterId ORDER BY id LIMIT @limit";

    /// <summary>
    /// () → the last position the feed can return now (<c>Tx</c>, <c>Id</c>), or no row when there is none;
    /// <see langword="null"/> when the engine must walk the feed to know (MySQL: ids may be in flight below the last one).
    /// </summary>
    public virtual string? SelectLastChange => field ??= $"SELECT {ChangeTransaction} AS Tx, id AS Id FROM {Movements} ORDER BY id DESC LIMIT 1";

    /// <summary>
    /// Whether the feed's ids may have gaps that later fill (an id taken but its row not yet in the index) or never fill
    /// (a rolled-back insert): the store then passes a gap only after it has stayed open for the gap wait. Default: no.
    /// </summary>
    public virtual bool ChangeIdsMayHaveGaps => false;

    /// <summary>
    /// How long after the feed read a highest committed id it passes a gap below it, when <see cref="ChangeIdsMayHaveGaps"/>:
    /// ids are taken in increasing order, so every id below it was taken by then, and an insert writes its row within
    /// moments of taking its id.
    /// </summary>
    public virtual TimeSpan ChangeGapWait => TimeSpan.Zero;

    /// <summary>() → the highest committed movement id, read before each feed read when <see cref="ChangeIdsMayHaveGaps"/>; <see langword="null"/> otherwise.</summary>
    public virtual string? SelectMaxChangeId => field ??= ChangeIdsMayHaveGaps ? $"SELECT MAX(id) FROM {Movements}" : null;

    /// <summary>
    /// (<c>@sku, @location, @afterId, @limit</c>) → up to <c>@limit</c> of one item's <see cref="ChangeRow"/>s, newest or
    /// oldest first, beyond <c>@afterId</c> when <paramref name="fromCursor"/>. Within one item, id order is commit order
    /// on every engine: each change takes its ids while it holds the item's row lock.
    /// </summary>
    public virtual string SelectHistory(bool newestFirst, bool fromCursor) =>
        $"SELECT {ChangeColumns} FROM {Movements} WHERE sku = @sku AND location = @location" +
        (fromCursor ? (newestFirst ? " AND id < @afterId" : " AND id > @afterId") : "") +
        (newestFirst ? " ORDER BY id DESC" : " ORDER BY id") + " LIMIT @limit";

    // ---- One-line deduct in one command -------------------------------------------------------------------------

    /// <summary>
    /// (<c>@sku, @location, @quantity, @now, @reference</c>) → zero or one <see cref="LevelRow"/>: a one-line sale as one
    /// command that commits on its own, the conditional change of <see cref="ChangeIfSellable"/> (on-hand down by
    /// <c>@quantity</c>) and its <c>sale</c> movement (at <c>@now</c>, with <c>@reference</c>), both or neither. It
    /// serves only an item with no units on hold (<c>reserved = 0</c>), so that it never reads the hold tables: with
    /// nothing on hold, no hold has expired, and the row alone is the level. No row means nothing was changed: the item
    /// is short, unknown, or has units on hold, and the store runs its transactional path, which also gives back
    /// expired holds. It never sells below zero (<c>on_hand − safety_stock ≥ @quantity</c>): a sale on backorder or
    /// pre-order records its backorder, which the transactional path does. A command that returns the row whether or not it changed first
    /// returns the item's version under its lock in a one-column row set named <c>VersionBefore</c>: the change applied
    /// when the version moved. The row's result set is the command's last but for the commit: a failure the server
    /// reports before that result set has ended means nothing was committed. The row's columns are those of
    /// <see cref="SqlEngine.ItemColumns"/> in their order, then, where <see cref="DeductOneEchoesSchema"/>, the schema, and
    /// after it the item's pre-order settings and release flag when the command returns them (a row without them is read
    /// as an item never on pre-order). <see langword="null"/> (the default) when the database has no such command.
    /// </summary>
    public virtual string? DeductOne => null;

    /// <summary>
    /// (<see cref="DeductOne"/>'s parameters, then <c>@key</c> and <c>@fingerprint</c>) → what <see cref="DeductOne"/>
    /// returns: the same one-line sale for a request with an idempotency key, in one command that also claims the key and
    /// stores the sale as the key's first result (the JSON the ledger writes for an applied deduct), all four or none. It
    /// claims the key only for a sale it applies, under the item's lock: a key already taken (a replay, a conflict, or a
    /// concurrent request with the same key, which it waits for) or an item it cannot serve changes nothing and returns
    /// no applied row, or fails with an error <see cref="IsIdempotencyKeyTaken"/> recognises, and the store runs its
    /// transactional path, which replays, refuses or applies with the exact answer. Like <see cref="DeductOne"/> it never
    /// sells below zero (<c>on_hand − safety_stock ≥ @quantity</c>): a sale on backorder or pre-order records its
    /// backorder, which the transactional path does.
    /// <see langword="null"/> (the default) when the database has no such command.
    /// </summary>
    public virtual string? DeductOneKeyed => null;

    /// <summary>
    /// Whether <see cref="DeductOneKeyed"/> takes a last parameter (<c>$9</c> or <c>@resultHead</c>) with the opening of
    /// the stored result, up to the sold level's <c>OnHand</c> (<see cref="Idempotency.ResultJson.SaleHead"/>: the item's
    /// key written by the store, which the command sells only when it names the same row), and completes it from the row
    /// it changed. Default: <see langword="false"/> (the command builds the whole result).
    /// </summary>
    public virtual bool DeductOneKeyedTakesResultHead => false;

    /// <summary>
    /// Whether <see cref="DeductOne"/> and <see cref="DeductOneKeyed"/> name their parameters by position (<c>$1</c> …
    /// <c>$5</c> for <c>sku</c>, <c>location</c>, <c>quantity</c>, <c>now</c>, <c>reference</c>, in that order, <c>$6</c> for
    /// <c>schema</c> when <see cref="DeductOneEchoesSchema"/>, then <c>key</c> and <c>fingerprint</c> for the keyed
    /// command), in which case the store binds them unnamed, in that order. Default:
    /// <see langword="false"/> (named).
    /// </summary>
    public virtual bool DeductOnePositional => false;

    /// <summary>
    /// Whether <see cref="DeductOne"/> and <see cref="DeductOneKeyed"/> are prepared on the server (once per physical connection, kept while the pool keeps
    /// it). Read after the connection was opened. Default: <see langword="false"/>.
    /// </summary>
    public virtual bool PrepareDeductOne => false;

    /// <summary>
    /// Whether <see cref="DeductOne"/> and <see cref="DeductOneKeyed"/> take the schema's name as a sixth parameter (<c>$6</c> or <c>@schema</c>), writes
    /// only when it matches the schema the text names, and returns it as a ninth column after <see cref="SqlEngine.ItemColumns"/>:
    /// the store then takes the row as the answer to its own command only when it carries the store's schema (and, as
    /// always, the item it asked for). Default: <see langword="false"/>.
    /// </summary>
    public virtual bool DeductOneEchoesSchema => false;

    /// <summary>
    /// A command that ends a transaction <see cref="DeductOne"/> or <see cref="DeductOneKeyed"/> may have left open when it failed part-way, sent before
    /// the connection goes back to the pool; <see langword="null"/> (the default) when the command is one statement
    /// that leaves none.
    /// </summary>
    public virtual string? DeductOneRollback => null;

    /// <summary>
    /// Whether <paramref name="exception"/> is the error <see cref="DeductOneKeyed"/> raises, having changed nothing, when
    /// its idempotency key was already taken (a command that claims the key without a conflict clause rolls back on
    /// the duplicate): the store then hands the request over to its transactional path. Default: <see langword="false"/>.
    /// </summary>
    /// <param name="exception">The failure the command reported.</param>
    public virtual bool IsIdempotencyKeyTaken(Exception exception) => false;

    // ---- Holds in one command -----------------------------------------------------------------------------------

    /// <summary>
    /// (<see cref="DeductOne"/>'s parameters, then <c>@holdId</c> and <c>@expiresAt</c>) → what <see cref="DeductOne"/>
    /// returns, then the item's pre-order columns and its <c>ExpiredReserved</c> and <c>ExpiredLines</c> at <c>@now</c>:
    /// a one-line hold as one command that commits on its own: <c>reserved</c> raised by <c>@quantity</c> only when the
    /// item has that many units available counting every unreleased line (<c>on_hand − reserved − safety_stock ≥
    /// @quantity</c>, so it never goes below zero and records no backorder), the active hold, its line and its
    /// <c>hold_placed</c> movement, all or none. No row means nothing was changed (short, unknown item, expired holds to
    /// give back, or units only below zero) and the store runs its transactional path. <see langword="null"/> (the
    /// default) when the database has no such command.
    /// </summary>
    public virtual string? ReserveOne => null;

    /// <summary>
    /// (<c>@holdId, @now, @schema</c>, bound like <see cref="DeductOne"/>'s, every statement taking all three) → from
    /// the last statement, one row per line of the hold in line order (<c>HoldId, CreatedAt, ExpiresAt, Reference, Sku,
    /// Location, Quantity, StoreSchema</c>): the whole confirm of an active, unexpired hold sent as one batch that commits
    /// on its own: its items locked in key order, then the hold finished <c>confirmed</c>, every line released, each item's
    /// <c>on_hand</c> and <c>reserved</c> lowered by its line, one <c>hold_confirmed</c> movement per line and the hold's
    /// waiting backorders made a sale's, all or none. It serves only a hold none of whose lines was given back and whose
    /// items nobody waits for. No row means nothing was changed (no such hold, not active, expired, a line given back,
    /// waiters), and the transactional path decides. <see langword="null"/> (the default) when the database has no such batch.
    /// </summary>
    public virtual IReadOnlyList<string>? ConfirmHoldOne => null;

    /// <summary>
    /// The release of <see cref="ConfirmHoldOne"/>: the same batch, the hold finished <c>released</c>, each item's
    /// <c>reserved</c> lowered and one <c>hold_released</c> movement per line; nobody may wait for its items (the units it
    /// gives back would go to them first). <see langword="null"/> (the default) when the database has no such batch.
    /// </summary>
    public virtual IReadOnlyList<string>? ReleaseHoldOne => null;

    // ---- Holds -------------------------------------------------------------------------------------------------

    /// <summary>(<c>@id, @createdAt, @expiresAt, @reference</c>): a new active hold.</summary>
    public virtual string InsertHold =>
        field ??= $"INSERT INTO {Holds} (id, state, created_at, expires_at, finished_at, reference) VALUES (@id, 'active', @createdAt, @expiresAt, NULL, @reference)";

    /// <summary>(<c>@holdId, @lineNo, @sku, @location, @quantity</c>): one unreleased hold line.</summary>
    public virtual string InsertHoldLine =>
        field ??= $"INSERT INTO {HoldLines} (hold_id, line_no, sku, location, quantity, released) VALUES (@holdId, @lineNo, @sku, @location, @quantity, FALSE)";

    /// <summary>The hold columns <see cref="SelectHold"/> and <see cref="LockHold"/> select, aliased to <see cref="HoldRow"/>'s properties. A database whose driver reads the id as text selects it <c>AS IdText</c>.</summary>
    protected virtual string HoldColumns => "id AS Id, state AS State, created_at AS CreatedAt, expires_at AS ExpiresAt, finished_at AS FinishedAt, reference AS Reference";

    /// <summary>(<c>@id</c>) → zero or one <see cref="HoldRow"/>; no lock.</summary>
    public virtual string SelectHold => field ??= $"SELECT {HoldColumns} FROM {Holds} WHERE id = @id";

    /// <summary>(<c>@id</c>) → zero or one <see cref="HoldRow"/>, locking the hold row until the transaction ends.</summary>
    public virtual string LockHold => SelectHold + ForUpdate;

    /// <summary>
    /// (<c>@id</c>): when the hold is active, locks the item rows of all its lines in <see cref="StockKey.CompareTo"/>
    /// order, and returns nothing worth reading. A confirm, release or extend sends it in one round trip with
    /// <see cref="LockHold"/> and <see cref="SelectHoldLines"/> after it, which then read the hold and its lines under
    /// those locks (each statement of the round trip starts after the one before it has its locks). The lines' items
    /// never change (a line is only ever released), so the snapshot this statement reads them from names the right rows.
    /// Empty when the transaction already holds every lock it could take (SQLite's <c>BEGIN IMMEDIATE</c>).
    /// <see langword="null"/> (the default) when one statement cannot lock rows in a given order: the store then reads
    /// the hold and its lines first and locks each item by <see cref="LockItem"/>, in key order.
    /// </summary>
    public virtual string? LockItemsOfHold => null;

    /// <summary>(<c>@holdId</c>) → the hold's <see cref="HoldLineRow"/>s in line order.</summary>
    public virtual string SelectHoldLines =>
        field ??= $"SELECT sku AS Sku, location AS Location, quantity AS Quantity, released AS Released FROM {HoldLines} WHERE hold_id = @holdId ORDER BY line_no";

    /// <summary>(<c>@holdId, @sku, @location</c>): marks one line released; affects one row, or none if it already was.</summary>
    public virtual string ReleaseHoldLine =>
        field ??= $"UPDATE {HoldLines} SET released = TRUE WHERE hold_id = @holdId AND sku = @sku AND location = @location AND released = FALSE";

    /// <summary>(<c>@id, @state, @finishedAt</c>): ends an active hold in <c>@state</c> (<c>confirmed</c>, <c>released</c> or <c>expired</c>).</summary>
    public virtual string FinishHold =>
        field ??= $"UPDATE {Holds} SET state = @state, finished_at = @finishedAt WHERE id = @id AND state = 'active'";

    /// <summary>
    /// (<c>@holdId, @sku, @location</c>) → the item's <c>hold_confirmed</c> and <c>return</c> movements that name the hold, as
    /// <see cref="HoldSaleMovementRow"/>s: what the hold sold of the item and what came back against it. Found through the
    /// item's ledger index, then filtered by hold.
    /// </summary>
    public virtual string SelectHoldSaleMovements =>
        field ??= $"SELECT kind AS Kind, on_hand_delta AS OnHandDelta FROM {Movements} " +
        "WHERE sku = @sku AND location = @location AND hold_id = @holdId AND kind IN ('hold_confirmed', 'return')";

    /// <summary>(<c>@id, @expiresAt</c>): moves an active hold's expiry.</summary>
    public virtual string SetHoldExpiry => field ??= $"UPDATE {Holds} SET expires_at = @expiresAt WHERE id = @id AND state = 'active'";

    /// <summary>The alias under which commands that return hold ids select them: <c>HoldId</c>, or <c>HoldIdText</c> where the driver reads the id as text (SQLite).</summary>
    protected virtual string HoldIdAlias => "HoldId";

    /// <summary>
    /// (<c>@now, @limit</c>): reads, without locks, up to <c>@limit</c> active holds expired at <c>@now</c> (oldest first)
    /// and returns one <see cref="ExpiredHoldLineRow"/> per unreleased line (with null <c>Sku</c> for a hold that has none
    /// left). The sweep then locks the items of those lines and then the holds (<see cref="LockExpiredHolds"/>): a lock on
    /// a hold or a line taken here, before the items, would break the lock order.
    /// </summary>
    public virtual string SelectExpiredHolds =>
        field ??= $"SELECT h.id AS {HoldIdAlias}, l.sku AS Sku, l.location AS Location FROM {Holds} h LEFT JOIN {HoldLines} l ON l.hold_id = h.id AND l.released = FALSE " +
        $"WHERE h.id IN (SELECT id FROM {Holds} WHERE state = 'active' AND expires_at <= @now ORDER BY expires_at LIMIT @limit)";

    /// <summary>
    /// (<c>@now, @h0 … @h{count−1}</c>) → one <see cref="ExpiredHoldLineRow"/> (id only) per named hold that is still active and expired
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
        field ??= $"DELETE FROM {Holds} WHERE id IN (SELECT id FROM {Holds} h WHERE state <> 'active' AND finished_at <= @before " +
        $"AND NOT EXISTS (SELECT 1 FROM {HoldLines} l WHERE l.hold_id = h.id AND l.released = FALSE) LIMIT @limit" + ForUpdateSkipLocked + ")";

    // ---- Idempotency ledger ------------------------------------------------------------------------------------

    /// <summary>
    /// (<c>@key, @fingerprint, @createdAt</c>): inserts the key with no result yet; affects one row, or none when the
    /// key exists. A concurrent insert of the same key must wait for the first transaction to end (a unique index does).
    /// </summary>
    public abstract string TryInsertIdempotencyKey { get; }

    /// <summary>(<c>@key</c>) → zero or one <see cref="IdempotencyRow"/>.</summary>
    public virtual string SelectIdempotencyKey =>
        field ??= $"SELECT fingerprint AS Fingerprint, result AS Result FROM {IdempotencyKeys} WHERE idempotency_key = @key";

    /// <summary>(<c>@key, @result</c>): stores the first result (JSON text) of a key.</summary>
    public virtual string SetIdempotencyResult => field ??= $"UPDATE {IdempotencyKeys} SET result = @result WHERE idempotency_key = @key";

    /// <summary>(<c>@before, @limit</c>): deletes up to <c>@limit</c> keys created at or before <c>@before</c>; returns the count.</summary>
    public virtual string PurgeIdempotencyKeys =>
        field ??= $"DELETE FROM {IdempotencyKeys} WHERE idempotency_key IN (SELECT idempotency_key FROM {IdempotencyKeys} WHERE created_at <= @before LIMIT @limit" + ForUpdateSkipLocked + ")";

    // ---- Coalesced batches ------------------------------------------------------------------------------------

    /// <summary>
    /// (<c>@sku, @location, @onHandDelta, @versions, @quantity, @now</c>): a whole batch of sales in one conditional
    /// change: adds <c>@onHandDelta</c> to the on-hand units and <c>@versions</c> (one per sale) to the version only when
    /// the item has <c>@quantity</c> units available, re-checked after any lock wait: the whole batch comes from stock, so
    /// none of its sales is a backorder to record. Returns the new row, or none when short or unknown (the batch is then
    /// granted one by one, backorders recorded, on the locked row).
    /// </summary>
    public virtual string ChangeBatchIfSellable => field ??= ReturningItem(
        $"UPDATE {Items} AS i SET on_hand = on_hand + @onHandDelta, version = version + @versions " +
        "WHERE sku = @sku AND location = @location AND on_hand - reserved - safety_stock >= @quantity");

    /// <summary>
    /// (<c>@sku, @location, @onHandDelta, @versions</c>): a batch of sales on an item row the caller has locked and
    /// checked: adds <c>@onHandDelta</c> to the on-hand units and <c>@versions</c> (one per sale) to the version.
    /// </summary>
    public virtual string ChangeLockedBatch =>
        field ??= $"UPDATE {Items} SET on_hand = on_hand + @onHandDelta, version = version + @versions WHERE sku = @sku AND location = @location";

    /// <summary>
    /// A statement that lets a coalesced batch's transaction commit without waiting for its log flush, so the item's row
    /// lock is released at once; <see langword="null"/> where the engine already releases row locks before the flush
    /// (InnoDB) or has one writer at a time (SQLite). A dialect that sets it sets <see cref="CommitFlushBarrier"/> too.
    /// </summary>
    public virtual string? BatchCommitWithoutFlush => null;

    /// <summary>
    /// An autocommitted statement whose own durable commit flushes the log past every commit before it: run after a
    /// batch committed with <see cref="BatchCommitWithoutFlush"/> and before any of its callers is answered, it makes
    /// their sales as durable as a synchronous commit would. Concurrent barriers share flushes (group commit).
    /// </summary>
    public virtual string? CommitFlushBarrier => null;

    /// <summary>
    /// (<c>@sku, @location, @onHandDelta, @versions, @quantity, @now, @quantities, @references</c>): a batch of sales
    /// without idempotency keys as one autocommitted statement (or one command that carries its own transaction and
    /// commit, <see cref="SellBatchRollback"/>), when the engine has one: the conditional change of the
    /// whole batch (as <see cref="ChangeBatchIfSellable"/>) and one <c>sale</c> movement per request, quantities and
    /// references in batch order as <see cref="BindSellBatchSales"/> binds them (arrays by default). Returns the new row,
    /// or none when nothing was changed.
    /// </summary>
    public virtual string? SellBatch => null;

    /// <summary>
    /// <see cref="SellBatch"/> for an item that reserves nothing: the same parameters, change and movements, applied
    /// only while the item's <c>reserved</c> is 0, so that no hold of it can have expired and its row returns
    /// <c>ExpiredReserved</c> and <c>ExpiredLines</c> as 0 without the look-ups of the holds behind them. No row means
    /// nothing was changed: the item reserves units, cannot serve the batch, or is unknown. For engines that prepare
    /// every sub-query of a statement on each execution, also those a <c>CASE</c> never runs (PostgreSQL);
    /// <see langword="null"/> (the default) elsewhere, and <see cref="SellBatch"/> serves every batch.
    /// </summary>
    public virtual string? SellBatchUnreserved => null;

    /// <summary>
    /// Binds the requests of <see cref="SellBatch"/>, the first <paramref name="count"/> of each list in batch order.
    /// Default: the arrays <c>@quantities</c> and <c>@references</c>.
    /// </summary>
    public virtual void BindSellBatchSales(System.Data.Common.DbParameterCollection parameters, Func<System.Data.Common.DbParameter> create, long[] quantities, string?[] references, int count)
    {
        parameters.Add(Execution.SqlSession.Bind(create(), "quantities", quantities));
        parameters.Add(Execution.SqlSession.Bind(create(), "references", references));
    }

    /// <summary>
    /// Ends the transaction <see cref="SellBatch"/> leaves open when one of its statements fails before its commit (a
    /// command that carries its own <c>START TRANSACTION</c>), or <see langword="null"/> when the statement is one
    /// autocommitted statement.
    /// </summary>
    public virtual string? SellBatchRollback => null;

    /// <summary>
    /// A batch of commands sent in one round trip of which each command commits on its own, as if sent alone in
    /// autocommit, or <see langword="null"/> where the driver cannot: <see cref="SellBatch"/> and
    /// <see cref="CommitFlushBarrier"/> then go together, the row lock released at the first commit and the answer
    /// back once the second made both durable.
    /// </summary>
    public virtual System.Data.Common.DbBatch? CreateSeparateCommitsBatch(System.Data.Common.DbConnection connection) => null;

    /// <summary>
    /// One <c>sale</c> movement row per sale of a coalesced batch, in batch order, as one command: each with its on-hand
    /// delta, reference and the item's on-hand units and version right after it, the rest of the level from
    /// <paramref name="after"/> (the stored row, which sales do not change).
    /// </summary>
    public virtual SqlCall InsertSaleMovements(DateTimeOffset at, StockKey key, IReadOnlyList<SaleMovement> sales, LevelRow after)
    {
        var parameters = new Dictionary<string, object?>
        {
            ["at"] = TimeParameter(at), ["sku"] = key.Sku, ["location"] = key.Location, ["reserved"] = after.Reserved,
            ["safetyStock"] = after.SafetyStock, ["backorderLimit"] = after.BackorderLimit, ["lowStockThreshold"] = after.LowStockThreshold,
        };
        for (var i = 0; i < sales.Count; i++)
        {
            parameters[$"d{i}"] = sales[i].OnHandDelta;
            parameters[$"r{i}"] = sales[i].Reference;
            parameters[$"o{i}"] = sales[i].OnHandAfter;
            parameters[$"v{i}"] = sales[i].VersionAfter;
        }

        return new SqlCall(
            $"INSERT INTO {Movements} ({MovementColumns}) VALUES " +
            string.Join(", ", Enumerable.Range(0, sales.Count).Select(i => $"(@at, @sku, @location, 'sale', @d{i}, 0, NULL, @r{i}, NULL, @o{i}, @reserved, @safetyStock, @backorderLimit, @lowStockThreshold, @v{i})")),
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
}
