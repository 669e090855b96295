namespace StockGuard.Sql;

/// <summary>The change consumers' statements: one lease-and-checkpoint row per consumer, and its parked changes.</summary>
internal abstract partial class SqlDialect
{
    /// <summary>(consumer) → creates the consumer's row, at the feed's start and with no lease, unless it exists.</summary>
    public virtual string InsertChangeConsumer =>
        field ??= $"INSERT INTO {ChangeConsumers} (consumer, checkpoint_tx, checkpoint_seq) VALUES (@consumer, 0, 0){OnConflictDoNothing("consumer")}";

    /// <summary>
    /// (consumer, owner, now, expiresAt) → takes the lease when it is free, expired or already the owner's. The caller reads
    /// <see cref="SelectLeasedConsumer"/> in the same transaction to learn whether it holds it.
    /// </summary>
    public virtual string AcquireChangeLease =>
        field ??= $"UPDATE {ChangeConsumers} SET lease_owner = @owner, lease_expires_at = @expiresAt " +
        "WHERE consumer = @consumer AND (lease_owner IS NULL OR lease_owner = @owner OR lease_expires_at <= @now)";

    /// <summary>(consumer, owner) → the checkpoint (Tx, Id) when <c>owner</c> holds the lease; no row otherwise.</summary>
    public virtual string SelectLeasedConsumer =>
        field ??= $"SELECT checkpoint_tx AS Tx, checkpoint_seq AS Id FROM {ChangeConsumers} WHERE consumer = @consumer AND lease_owner = @owner";

    /// <summary>(consumer, owner, now, expiresAt, tx, seq) → moves the checkpoint and renews the lease, only under the owner's unexpired lease: 1 row, or 0 when it was lost.</summary>
    public virtual string SaveChangeCheckpoint =>
        field ??= $"UPDATE {ChangeConsumers} SET checkpoint_tx = @tx, checkpoint_seq = @seq, lease_expires_at = @expiresAt " +
        "WHERE consumer = @consumer AND lease_owner = @owner AND lease_expires_at > @now";

    /// <summary>(consumer, owner, now) → 1 while the owner holds an unexpired lease, locking the row until the transaction ends.</summary>
    public virtual string LockLeasedConsumer =>
        field ??= $"SELECT 1 FROM {ChangeConsumers} WHERE consumer = @consumer AND lease_owner = @owner AND lease_expires_at > @now{ForUpdate}";

    /// <summary>(consumer, tx, seq, sku, location, kind, attempts, error, parkedAt) → records a parked change; the first record of a position stays.</summary>
    public virtual string InsertParkedChange =>
        field ??= $"INSERT INTO {ParkedChanges} (consumer, position_tx, position_seq, sku, location, kind, attempts, error, parked_at) " +
        "VALUES (@consumer, @tx, @seq, @sku, @location, @kind, @attempts, @error, @parkedAt)" +
        OnConflictDoNothing("consumer, position_tx, position_seq");

    /// <summary>(consumer, owner) → gives the lease up.</summary>
    public virtual string ReleaseChangeLease =>
        field ??= $"UPDATE {ChangeConsumers} SET lease_owner = NULL, lease_expires_at = NULL WHERE consumer = @consumer AND lease_owner = @owner";

    /// <summary>(consumer, limit) → the consumer's parked changes, oldest position first.</summary>
    public virtual string SelectParkedChanges =>
        field ??= "SELECT consumer AS Consumer, position_tx AS Tx, position_seq AS Id, sku AS Sku, location AS Location, kind AS Kind, " +
        $"attempts AS Attempts, error AS Error, parked_at AS ParkedAt FROM {ParkedChanges} WHERE consumer = @consumer " +
        "ORDER BY position_tx, position_seq LIMIT @limit";

    /// <summary>The end of an insert that leaves an existing row with the same <paramref name="keyColumns"/> alone.</summary>
    protected virtual string OnConflictDoNothing(string keyColumns) => $" ON CONFLICT ({keyColumns}) DO NOTHING";
}
