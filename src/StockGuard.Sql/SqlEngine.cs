using System.Data;
using System.Data.Common;

namespace StockGuard.Sql;

/// <summary>
/// What one database engine is, apart from the statements it runs (<see cref="SqlDialect"/>): the store's schema and
/// quoted table names, how a row is locked, how driver errors are classified, how a transaction begins, how times and
/// ids are bound, the clock and the schema script.
/// </summary>
internal abstract class SqlEngine
{
    /// <summary>Creates an engine whose tables live in <paramref name="schema"/>.</summary>
    /// <exception cref="ArgumentException"><paramref name="schema"/> is not a plain identifier.</exception>
    protected SqlEngine(string schema)
    {
        if (!SqlStockStoreOptions.IsPlainIdentifier(schema))
        {
            throw new ArgumentException($"The schema name '{schema}' is not a plain identifier (letters, digits, underscores; not starting with a digit; up to 63 characters).", nameof(schema));
        }

        Schema = schema;
    }

    /// <summary>
    /// The version of the schema this library writes and reads. Bump it with every change to the tables. Version 2 added
    /// the item's level after each movement (and, on PostgreSQL, the writing transaction's id) for the change feed; version 3
    /// the change consumers' leases, checkpoints and parked changes; version 4 the items' pre-order limit, expected
    /// restock date and release flag, and the backorders; version 5 the waitlists; version 6 the one-line deduct's stored
    /// procedures on MySQL and MariaDB (the other engines only record the version); version 7 the one-line hold's and
    /// the one-line hold's confirm and release stored procedures on MySQL and MariaDB (likewise); version 8 the one-line
    /// deduct's procedures that sell by their conditional update, without a locking read first, on MySQL and MariaDB
    /// (likewise); version 9 the one-line deduct's procedures that also return the item's pre-order settings and release
    /// flag and store them in a keyed sale's result, on MySQL and MariaDB (likewise).
    /// </summary>
    public const int SchemaVersion = 9;

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
    public string Items => field ??= Table("stock_items");

    /// <summary>Holds: one row per hold.</summary>
    public string Holds => field ??= Table("stock_holds");

    /// <summary>Hold lines: one row per held item, with a <c>released</c> flag once its units went back or were sold.</summary>
    public string HoldLines => field ??= Table("stock_hold_lines");

    /// <summary>Idempotency keys and their first results.</summary>
    public string IdempotencyKeys => field ??= Table("stock_idempotency_keys");

    /// <summary>The movement ledger: one row per line of every change.</summary>
    public string Movements => field ??= Table("stock_movements");

    /// <summary>The applied schema versions.</summary>
    public string SchemaVersions => field ??= Table("stock_schema_version");

    /// <summary>The change consumers' leases and checkpoints (schema version 3).</summary>
    public string ChangeConsumers => field ??= Table("stock_change_consumers");

    /// <summary>The changes consumers parked (schema version 3).</summary>
    public string ParkedChanges => field ??= Table("stock_parked_changes");

    /// <summary>The backorders and pre-orders: one row per order line sold below zero, in arrival order (schema version 4).</summary>
    public string BackorderTable => field ??= Table("stock_backorders");

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

    /// <summary>
    /// The item's pre-order settings and release flag (schema version 4), aliased to <see cref="LevelRow"/>'s properties:
    /// every level-returning command selects them after <see cref="ItemColumns"/>.
    /// </summary>
    protected virtual string PreOrderColumns => "pre_order_limit AS PreOrderLimit, expected_restock AS ExpectedRestock, released AS Released";

    /// <summary>
    /// How far the item's availability may go below zero now: its pre-order limit while it is on pre-order (a limit, and
    /// never received), else its backorder limit. Unqualified, for statements on the item row.
    /// </summary>
    protected static string BelowZeroLimit => "(CASE WHEN pre_order_limit > 0 AND released = 0 THEN pre_order_limit ELSE backorder_limit END)";

    /// <summary>The item columns, its pre-order settings, the expired units and the expired lines of the item aliased <c>i</c>: every level-returning command's select list.</summary>
    protected string LevelColumns => field ??= $"{ItemColumns}, {PreOrderColumns}, {ExpiredReservedOfItem} AS ExpiredReserved, {ExpiredLinesOfItem} AS ExpiredLines";

    /// <summary>
    /// Turns an <c>UPDATE</c> or upsert of one item row aliased <c>i</c> (identified by <c>@sku</c> and <c>@location</c>) into a command that
    /// returns the item's new row through <see cref="LevelColumns"/> (with <c>ExpiredReserved</c> and <c>ExpiredLines</c> at <c>@now</c>) when the update applied, and no row when it did
    /// not. Databases with <c>UPDATE … RETURNING</c> append it; others (MySQL) read the row back in the same
    /// transaction, e.g. <c>…; SELECT … WHERE ROW_COUNT() &gt; 0 AND …</c>.
    /// </summary>
    protected virtual string ReturningItem(string update) => $"{update} RETURNING {LevelColumns}";

    /// <summary>
    /// What to change when the server's replies show that the store's server session is shared with other clients (a
    /// prepared statement it did not know, or a reply to another command): the settings for a transaction pooler.
    /// Default: none.
    /// </summary>
    public virtual string PoolerAdvice => "";

    /// <summary>
    /// Whether <paramref name="exception"/> is, or wraps, an error the server reported for a statement, as opposed to a
    /// failure of the client or the connection (after which the server may have gone on). Default: <see langword="false"/>.
    /// </summary>
    public virtual bool IsReportedByServer(Exception exception) => false;

    /// <summary>
    /// Whether <paramref name="exception"/> is the driver's refusal of a reply whose rows do not fit the description of
    /// the statement it sent: the reply answers another command (a server session shared with other clients ran
    /// something else). Default: <see langword="false"/>.
    /// </summary>
    public virtual bool IsReplyOfAnotherShape(Exception exception) => false;

    // ---- Schema ------------------------------------------------------------------------------------------------

    /// <summary>The script that creates every table and index if missing and records <see cref="SchemaVersion"/>; safe to run again and from several processes at once.</summary>
    public abstract string SchemaScript { get; }

    /// <summary>
    /// () → the database server's clock now, in whole microseconds since 1970-01-01 UTC, read when the statement runs
    /// (not when its transaction began) and free of the session's time zone; <see langword="null"/> (the default) when
    /// the database has no server clock of its own (SQLite).
    /// </summary>
    public virtual string? SelectServerTime => null;

    /// <summary>
    /// () → a positive number when the tables exist at an older version that <see cref="UpgradeScript"/> brings up to
    /// date (the movement ledger lacks its version-2 columns), 0 otherwise; <see langword="null"/> (the default) when the
    /// <see cref="SchemaScript"/> upgrades by itself (PostgreSQL's <c>ADD COLUMN IF NOT EXISTS</c>).
    /// </summary>
    public virtual string? SelectNeedsUpgrade => null;

    /// <summary>The statements that bring version-1 tables to version 2, run before <see cref="SchemaScript"/> when <see cref="SelectNeedsUpgrade"/> says so.</summary>
    public virtual string UpgradeScript => "";

    /// <summary>
    /// () → a positive number when the item table exists without its version-4 columns (pre-order limit, expected
    /// restock, release flag), which <see cref="UpgradeScript4"/> adds; <see langword="null"/> (the default) when the
    /// <see cref="SchemaScript"/> adds them by itself. Run after the version-2 upgrade.
    /// </summary>
    public virtual string? SelectNeedsUpgrade4 => null;

    /// <summary>The statements that add the item table's version-4 columns, every existing item counted as released, run when <see cref="SelectNeedsUpgrade4"/> says so.</summary>
    public virtual string UpgradeScript4 => "";

    /// <summary>
    /// () → counts every item released: the last statement of <see cref="UpgradeScript4"/>, run again by itself when the
    /// item table has its version-4 columns but version 4 is not recorded (an upgrade whose statements commit one by one
    /// stopped between them); <see langword="null"/> (the default) when the upgrade is one transaction.
    /// </summary>
    public virtual string? MarkItemsReleased => null;

    /// <summary>() → the highest applied schema version; fails when the schema does not exist.</summary>
    public virtual string SelectSchemaVersion => field ??= $"SELECT MAX(version) FROM {SchemaVersions}";

    /// <summary>
    /// () → 1 when the schema's version table exists, 0 when it does not; never fails for a missing schema, so that a
    /// transaction may ask before it reads the version (a failed statement ends a PostgreSQL transaction).
    /// </summary>
    public abstract string SelectSchemaVersionTableExists { get; }

    /// <summary>
    /// (@seconds) → 1 once this session holds the lock that serialises schema changes across processes (held to the end
    /// of the transaction, or until <see cref="UnlockSchema"/>); anything else when it was not granted within
    /// <c>@seconds</c> (negative: without limit). <see langword="null"/> (the default) when the schema transaction's own lock serialises them
    /// (SQLite's write lock).
    /// </summary>
    public virtual string? LockSchema => null;

    /// <summary>() → releases the lock <see cref="LockSchema"/> took, when it outlives the transaction; <see langword="null"/> (the default) when it does not.</summary>
    public virtual string? UnlockSchema => null;

    // ---- Behaviour ---------------------------------------------------------------------------------------------

    /// <summary>
    /// Whether several commands go to the server as one ADO.NET batch (one round trip) when the driver can batch.
    /// Default: <see langword="true"/>. A dialect whose commands hold several statements the driver cannot batch turns it off.
    /// </summary>
    public virtual bool UseBatches => true;

    /// <summary>Begins the transaction every operation runs in. Default: READ COMMITTED. SQLite begins IMMEDIATE, taking the write lock at once.</summary>
    public virtual async ValueTask<DbTransaction> BeginTransactionAsync(DbConnection connection, CancellationToken cancellationToken) =>
        await connection.BeginTransactionAsync(IsolationLevel.ReadCommitted, cancellationToken).ConfigureAwait(false);

    /// <summary>
    /// Whether the optimistic strategy's retry can see a newer version in a caller's transaction begun at
    /// <paramref name="isolation"/>. Default: <see langword="true"/> (on PostgreSQL a frozen snapshot turns a concurrent
    /// change into a serialization failure, which ends the operation; it never loops). MySQL and MariaDB say no for
    /// REPEATABLE READ, where every retry reads the transaction's first snapshot again.
    /// </summary>
    public virtual bool OptimisticRetrySeesNewerVersions(IsolationLevel isolation) => true;

    /// <summary>
    /// A query that returns 1 when the connection is in a transaction, for a caller's connection enlisted in an ambient
    /// transaction; null where a savepoint outside a transaction is an error anyway (<see cref="IsOutsideTransaction"/>).
    /// MySQL and MariaDB take a savepoint outside a transaction silently, and then commit every write at once.
    /// </summary>
    public virtual string? SelectInTransaction => null;

    /// <summary>Whether <paramref name="exception"/> says a savepoint was asked for outside a transaction.</summary>
    public virtual bool IsOutsideTransaction(Exception exception) => false;

    /// <summary>Whether a connection of this engine can enlist in an ambient (System.Transactions) transaction. SQLite's cannot.</summary>
    public virtual bool EnlistsInAmbientTransactions => true;

    /// <summary>
    /// Begins the transaction of a read that writes nothing (the change feed). Default: as <see cref="BeginTransactionAsync"/>.
    /// SQLite begins DEFERRED, so that the read takes a snapshot without waiting for the write lock.
    /// </summary>
    public virtual ValueTask<DbTransaction> BeginReadTransactionAsync(DbConnection connection, CancellationToken cancellationToken) =>
        BeginTransactionAsync(connection, cancellationToken);

    /// <summary>Classifies a driver exception. <see cref="OperationCanceledException"/> never reaches this method.</summary>
    public abstract SqlFailure Classify(Exception exception);

    /// <summary>Cuts a time to what the database stores exactly (default: whole microseconds, rounded down), so that comparisons in SQL and in memory agree.</summary>
    public virtual DateTimeOffset Truncate(DateTimeOffset time) => new(time.UtcTicks - (time.UtcTicks % 10), TimeSpan.Zero);

    /// <summary>The parameter value for a time. Default: a UTC <see cref="DateTime"/>.</summary>
    public virtual object TimeParameter(DateTimeOffset time) => time.UtcDateTime;

    /// <summary>The parameter value for a hold id. Default: the <see cref="Guid"/> itself.</summary>
    public virtual object HoldIdParameter(Guid id) => id;
}
