namespace StockGuard.Testing;

/// <summary>
/// What the shared SQL suites need from a database server that a store does not expose: locks held from a connection
/// of the test's own, a watch on the server's lock waits, a kill, and plain reads of the store's tables. One
/// implementation per server (and per schema), made by the provider's <see cref="ISqlStoreTestProvider.Server"/>; the
/// suites reach the server only through it.
/// </summary>
public interface IStockServer
{
    /// <summary>Where the server listens, for a <see cref="SeveringProxy"/> put in front of it.</summary>
    (string Host, int Port) Endpoint { get; }

    /// <summary>How <see cref="StockAudit"/> reads the store's tables.</summary>
    StockTables Tables { get; }

    /// <summary>
    /// Whether the server always tells a killed connection's client so before it closes the connection (PostgreSQL
    /// does); when it does not (MariaDB), the client cannot tell a kill from a network failure after a command was sent.
    /// </summary>
    bool ReportsKills { get; }

    /// <summary>Locks the item's row from a connection of its own, in a transaction left open.</summary>
    /// <param name="key">An existing item.</param>
    Task<ILockHolder> LockItemAsync(StockKey key);

    /// <summary>Inserts <paramref name="idempotencyKey"/> from a connection of its own, in a transaction left open.</summary>
    /// <param name="idempotencyKey">A key no store has stored.</param>
    Task<ILockHolder> HoldIdempotencyKeyAsync(string idempotencyKey);

    /// <summary>
    /// Waits (bounded, by watching the server) until a connection other than <paramref name="except"/>'s waits for a
    /// lock in the store's schema; returns that connection's server id. Fails the test when none does in 10 seconds.
    /// </summary>
    /// <param name="except">The holder of the lock waited for.</param>
    Task<long> WaitForLockWaiterAsync(ILockHolder except);

    /// <summary>Waits (bounded, by watching the server) until no statement of the store's schema runs.</summary>
    Task WaitUntilIdleAsync();

    /// <summary>Kills a server connection from a connection of its own, as an operator, a crash or a failover would.</summary>
    /// <param name="connectionId">The server's id of the connection, from <see cref="WaitForLockWaiterAsync"/>.</param>
    Task KillConnectionAsync(long connectionId);

    /// <summary>The server's id of <paramref name="connection"/>, for <see cref="KillConnectionAsync"/>.</summary>
    /// <param name="connection">An open connection of the test's own, possibly in a transaction (behind a transaction pooler, ask inside the transaction).</param>
    /// <exception cref="NotSupportedException">The database has no server connections (SQLite).</exception>
    Task<long> ConnectionIdAsync(System.Data.Common.DbConnection connection);

    /// <summary>Whether <paramref name="error"/> is the server's report that a lock wait timed out.</summary>
    /// <param name="error">The inner exception of a <see cref="StockStoreTimeoutException"/>.</param>
    bool IsLockTimeout(Exception? error);

    /// <summary>Whether <paramref name="error"/> is the server's report that it killed the connection.</summary>
    /// <param name="error">The inner exception of a <see cref="StockStoreException"/>.</param>
    bool IsKillReport(Exception? error);

    /// <summary>The sums of the item's movements, on-hand and reserved: they must rebuild the stored counters.</summary>
    /// <param name="key">The item.</param>
    Task<(long OnHand, long Reserved)> LedgerAsync(StockKey key);

    /// <summary>The item's sale movements in ledger order: on-hand delta, reserved delta, reference.</summary>
    /// <param name="key">The item.</param>
    Task<IReadOnlyList<(long OnHand, long Reserved, string? Reference)>> SalesAsync(StockKey key);

    /// <summary>The item's stored counters, expired holds not yet given back included: on-hand, reserved, version.</summary>
    /// <param name="key">An existing item.</param>
    Task<(long OnHand, long Reserved, long Version)> StoredAsync(StockKey key);

    /// <summary>The item's movements in ledger (insertion) order: kind and time.</summary>
    /// <param name="key">The item.</param>
    Task<IReadOnlyList<(string Kind, DateTimeOffset At)>> MovementsAsync(StockKey key);

    /// <summary>When <paramref name="idempotencyKey"/> was stored.</summary>
    /// <param name="idempotencyKey">A stored key.</param>
    Task<DateTimeOffset> KeyCreatedAtAsync(string idempotencyKey);

    /// <summary>The database server's clock now.</summary>
    Task<DateTimeOffset> DatabaseNowAsync();
}
