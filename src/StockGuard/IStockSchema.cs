namespace StockGuard;

/// <summary>
/// The database schema a store keeps its stock in, for start-up and health checks that must not depend on which
/// database holds it. Each SQL store package registers its store as this service in its <c>Use…</c> method; a store
/// without a schema (the in-memory store) registers none.
/// </summary>
public interface IStockSchema
{
    /// <summary>
    /// The schema version this library reads and writes. A database at a newer version serves it too: every version
    /// keeps the tables, columns and procedures that older versions use, so a store of the previous release keeps
    /// working (and may restart) while a rolling deploy of the next one has upgraded the database.
    /// </summary>
    int RequiredVersion { get; }

    /// <summary>
    /// Creates the schema's tables and indexes if missing and records the version. Safe to call again and from several
    /// processes at once. A schema already at <see cref="RequiredVersion"/> or newer is only read: nothing is created,
    /// and no table is locked.
    /// </summary>
    /// <param name="cancellationToken">Cancels the operation.</param>
    /// <exception cref="StockStoreException">The database failed.</exception>
    Task EnsureSchemaAsync(CancellationToken cancellationToken = default);

    /// <summary>Reads the version the database's schema is at, without creating anything.</summary>
    /// <param name="cancellationToken">Cancels the read.</param>
    /// <returns>The version, or <see langword="null"/> when the schema has not been created.</returns>
    /// <exception cref="StockStoreException">The database could not be reached or failed.</exception>
    Task<int?> GetSchemaVersionAsync(CancellationToken cancellationToken = default);
}
