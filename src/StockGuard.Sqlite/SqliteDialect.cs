using System.Data;
using System.Data.Common;
using System.Globalization;
using Microsoft.Data.Sqlite;
using StockGuard.Sql;

namespace StockGuard.Sqlite;

/// <summary>
/// SQLite's SQL text and error codes. SQLite has one writer at a time: every operation begins with
/// <c>BEGIN IMMEDIATE</c>, which takes the database's write lock at once, so the transaction itself is the
/// pessimistic lock (no <c>FOR UPDATE</c>) and the atomic and optimistic strategies run serialised too; their
/// conditions still guard every write. Times are fixed-width UTC text, so text comparison is time comparison.
/// </summary>
internal sealed class SqliteDialect() : SqlDialect(MainSchema)
{
    /// <summary>The only schema a SQLite store uses: the database file itself.</summary>
    public const string MainSchema = "main";

    private const string TimeFormat = "yyyy-MM-dd HH:mm:ss.ffffff";

    // SQLite result codes (https://sqlite.org/rescode.html); extended codes keep the primary code in the low byte.
    private const int Busy = 5;
    private const int Locked = 6;
    private const int IoError = 10;
    private const int CannotOpen = 14;
    private const int Error = 1;
    private const int ReadOnly = 8;
    private const int NotADatabase = 26;

    private static readonly Lazy<string> Script = new(() => EmbeddedScript(typeof(SqliteDialect), "StockGuard.Sqlite.Schema.sql"));
    private static readonly Lazy<string> Upgrade2 = new(() => EmbeddedScript(typeof(SqliteDialect), "StockGuard.Sqlite.Upgrade2.sql"));
    private static readonly Lazy<string> Upgrade4 = new(() => EmbeddedScript(typeof(SqliteDialect), "StockGuard.Sqlite.Upgrade4.sql"));

    public override string StoreName => "sqlite";

    /// <summary>Microsoft.Data.Sqlite does not enlist in System.Transactions.</summary>
    public override bool EnlistsInAmbientTransactions => false;

    public override string SchemaScript => Script.Value;

    /// <inheritdoc/>
    public override string SelectSchemaVersionTableExists =>
        field ??= $"SELECT COUNT(*) FROM {Quote(Schema)}.sqlite_master WHERE type = 'table' AND name = 'stock_schema_version'";

    /// <summary>The ledger exists without its version-2 columns; read inside the schema run's <c>BEGIN IMMEDIATE</c>, so no other process upgrades at the same time.</summary>
    public override string SelectNeedsUpgrade =>
        "SELECT COUNT(*) FROM sqlite_master m WHERE m.type = 'table' AND m.name = 'stock_movements' " +
        "AND NOT EXISTS (SELECT 1 FROM pragma_table_info('stock_movements') c WHERE c.name = 'version_after')";

    public override string UpgradeScript => Upgrade2.Value;

    /// <summary>The item table exists without its version-4 columns; read inside the schema run's <c>BEGIN IMMEDIATE</c>.</summary>
    public override string SelectNeedsUpgrade4 =>
        "SELECT COUNT(*) FROM sqlite_master m WHERE m.type = 'table' AND m.name = 'stock_items' " +
        "AND NOT EXISTS (SELECT 1 FROM pragma_table_info('stock_items') c WHERE c.name = 'released')";

    public override string UpgradeScript4 => Upgrade4.Value;

    /// <summary>Empty: <c>BEGIN IMMEDIATE</c> already holds the only write lock until the commit.</summary>
    protected override string ForUpdate => "";

    /// <summary>Empty: with one writer at a time there is nothing to skip.</summary>
    protected override string ForUpdateSkipLocked => "";

    /// <summary>
    /// <c>RETURNING</c> as on PostgreSQL, except that SQLite's <c>RETURNING</c> does not see the table's alias: the
    /// expired units and lines are correlated on the table's own name.
    /// </summary>
    protected override string ReturningItem(string update) =>
        $"{update} RETURNING {ItemColumns}, {PreOrderColumns}, {ExpiredOfItem("SUM(l.quantity)", "\"stock_items\"")} AS ExpiredReserved, " +
        $"{ExpiredOfItem("COUNT(*)", "\"stock_items\"")} AS ExpiredLines";

    /// <summary>Empty: <c>BEGIN IMMEDIATE</c> already holds the only write lock, so a hold's lines read once cannot change.</summary>
    public override string LockItemsOfHold => "";

    /// <summary>The driver reads the id as text.</summary>
    protected override string HoldIdAlias => "HoldIdText";

    protected override string HoldColumns =>
        "id AS IdText, state AS State, created_at AS CreatedAt, expires_at AS ExpiresAt, finished_at AS FinishedAt, reference AS Reference";

    public override string UpsertReceipt => field ??= ReturningItem(
        $"INSERT INTO {Items} AS i (sku, location, on_hand, reserved, safety_stock, backorder_limit, low_stock_threshold, version, released) " +
        "VALUES (@sku, @location, @quantity, 0, 0, 0, 0, 1, 1) " +
        "ON CONFLICT (sku, location) DO UPDATE SET on_hand = i.on_hand + excluded.on_hand, version = i.version + 1, released = 1");

    public override string UpsertPolicy => field ??= ReturningItem(
        $"INSERT INTO {Items} AS i (sku, location, on_hand, reserved, safety_stock, backorder_limit, low_stock_threshold, version, pre_order_limit, expected_restock) " +
        "VALUES (@sku, @location, 0, 0, @safetyStock, @backorderLimit, @lowStockThreshold, 1, @preOrderLimit, @expectedRestock) " +
        "ON CONFLICT (sku, location) DO UPDATE SET safety_stock = excluded.safety_stock, backorder_limit = excluded.backorder_limit, " +
        "low_stock_threshold = excluded.low_stock_threshold, version = i.version + 1, pre_order_limit = excluded.pre_order_limit, expected_restock = excluded.expected_restock");

    public override string TryInsertIdempotencyKey =>
        field ??= $"INSERT INTO {IdempotencyKeys} (idempotency_key, fingerprint, result, created_at) VALUES (@key, @fingerprint, NULL, @createdAt) " +
        "ON CONFLICT (idempotency_key) DO NOTHING";

    /// <summary><c>BEGIN IMMEDIATE</c>: the write lock at once, waited for up to the busy timeout, so no transaction ever fails to upgrade a read lock later.</summary>
    public override ValueTask<DbTransaction> BeginTransactionAsync(DbConnection connection, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        return ValueTask.FromResult<DbTransaction>(((SqliteConnection)connection).BeginTransaction(IsolationLevel.Serializable, deferred: false));
    }

    /// <summary>
    /// DEFERRED: a read that writes nothing takes its WAL snapshot at its first statement and never waits for the write
    /// lock, so a feed reader runs beside a writer that holds it. The snapshot holds only committed transactions, and
    /// every one of them took its ids above all ids committed before it (one writer at a time): reading by id passes nothing.
    /// </summary>
    public override ValueTask<DbTransaction> BeginReadTransactionAsync(DbConnection connection, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        return ValueTask.FromResult<DbTransaction>(((SqliteConnection)connection).BeginTransaction(IsolationLevel.Serializable, deferred: true));
    }

    public override SqlFailure Classify(Exception exception) => exception switch
    {
        // Busy or locked past the busy timeout (another process, or another connection of this one, kept the write lock).
        SqliteException { SqliteErrorCode: Busy or Locked } => SqlFailure.Timeout,
        // A file that cannot be opened (a folder that does not exist, no permission), is read-only or is not a
        // database: a retry fails the same way.
        SqliteException { SqliteErrorCode: CannotOpen or ReadOnly or NotADatabase } => SqlFailure.Configuration,
        // SQLite has no code of its own for a missing table: SQLITE_ERROR with "no such table: …".
        SqliteException { SqliteErrorCode: Error } e when e.Message.Contains("no such table", StringComparison.Ordinal) => SqlFailure.SchemaMissing,
        SqliteException { SqliteErrorCode: IoError } => SqlFailure.ConnectionBroken,
        TimeoutException or { InnerException: TimeoutException } => SqlFailure.Timeout,
        _ => SqlFailure.Other,
    };

    /// <summary>Fixed-width UTC text with microseconds: ordered as text exactly as in time.</summary>
    public override object TimeParameter(DateTimeOffset time) => time.UtcDateTime.ToString(TimeFormat, CultureInfo.InvariantCulture);

    /// <summary>Lower-case text, as <see cref="HoldColumns"/> reads it back.</summary>
    public override object HoldIdParameter(Guid id) => id.ToString("D");
}
