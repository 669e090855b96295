using System.Globalization;

namespace StockGuard.Sql.Execution;

/// <summary>
/// Makes sure, once per store, that its tables exist at the version this library writes: created on first use, or
/// only checked when <see cref="SqlStockStoreOptions.AutoCreateSchema"/> is off. Concurrent first callers wait for one.
/// </summary>
internal sealed class SchemaGate : IDisposable
{
    private readonly SemaphoreSlim _gate = new(1, 1);
    private volatile bool _ready;

    /// <summary>Returns at once after the first success; the first callers create or check the schema.</summary>
    public Task EnsureReadyAsync(SqlExecutor executor, CancellationToken cancellationToken) =>
        _ready ? Task.CompletedTask : PrepareAsync(executor, cancellationToken);

    /// <summary>
    /// Upgrades older tables when the engine's script cannot do it by itself, runs the schema script (safe to run again,
    /// from several processes at once) and checks the version. A schema already at this library's version, or a newer
    /// one, is only read: its script would take the locks of its table and index statements even where they change nothing, and
    /// those locks wait for the transactions of the stores already selling on the schema (a process that starts
    /// beside them, as in a rolling deploy) and can deadlock with them.
    /// </summary>
    public async Task CreateAsync(SqlExecutor executor, CancellationToken cancellationToken)
    {
        if (await ReadVersionAsync(executor, cancellationToken).ConfigureAwait(false) >= SqlDialect.SchemaVersion)
        {
            // At this version or a newer one (which keeps what this version uses): an older script must never run on it.
            _ready = true;
            return;
        }

        await executor.RunAsync(
            async s =>
            {
                var dialect = s.Dialect;
                if (dialect.LockSchema is { } lockSchema
                    && await s.QueryRowAsync<long?>(lockSchema, new { seconds = executor.Options.CommandTimeout == 0 ? -1 : executor.Options.CommandTimeout }).ConfigureAwait(false) != 1)
                {
                    throw new StockStoreTimeoutException(
                        $"Another process kept the {dialect.StoreName} schema lock for {executor.Options.CommandTimeout} s while changing the schema; nothing was changed. Try again once it has finished.",
                        null);
                }

                try
                {
                    // Another process may have created or upgraded the schema while this one waited for the lock: then its
                    // script must not run again beside the stores already selling on it.
                    var recorded = await s.QueryRowAsync<long>(dialect.SelectSchemaVersionTableExists, new { }).ConfigureAwait(false) > 0
                        ? await s.QueryRowAsync<int?>(dialect.SelectSchemaVersion, new { }).ConfigureAwait(false)
                        : null;
                    if (recorded >= SqlDialect.SchemaVersion)
                    {
                        return true;
                    }

                    if (dialect.SelectNeedsUpgrade is { } needsUpgrade && await s.QueryRowAsync<long>(needsUpgrade, new { }).ConfigureAwait(false) > 0)
                    {
                        await s.ExecuteAsync(dialect.UpgradeScript, new { }).ConfigureAwait(false);
                    }

                    if (dialect.SelectNeedsUpgrade4 is { } needsUpgrade4 && await s.QueryRowAsync<long>(needsUpgrade4, new { }).ConfigureAwait(false) > 0)
                    {
                        await s.ExecuteAsync(dialect.UpgradeScript4, new { }).ConfigureAwait(false);
                    }
                    else if (recorded < 4 && dialect.MarkItemsReleased is { } markReleased)
                    {
                        // The columns are there but version 4 is not recorded: an upgrade whose statements commit one by
                        // one (MySQL's DDL) stopped after its ALTER TABLE. No store of version 4 or later has sold on these
                        // tables yet, so every item on them predates pre-orders and counts as released.
                        await s.ExecuteAsync(markReleased, new { }).ConfigureAwait(false);
                    }

                    await s.ExecuteAsync(dialect.SchemaScript, new { }).ConfigureAwait(false);
                    return await CheckVersionAsync(s).ConfigureAwait(false);
                }
                finally
                {
                    if (dialect.UnlockSchema is { } unlockSchema)
                    {
                        await s.ExecuteAsync(unlockSchema, new { }).ConfigureAwait(false);
                    }
                }
            },
            cancellationToken,
            ensureReady: false).ConfigureAwait(false);
        _ready = true;
    }

    /// <summary>Reads the recorded schema version without creating anything: <see langword="null"/> when the tables are missing.</summary>
    public static async Task<int?> ReadVersionAsync(SqlExecutor executor, CancellationToken cancellationToken)
    {
        try
        {
            return await executor.RunAsync(s => s.QueryRowAsync<int?>(s.Dialect.SelectSchemaVersion, new { }), cancellationToken, ensureReady: false, readOnly: true)
                .ConfigureAwait(false);
        }
        catch (StockStoreException ex) when (ex.InnerException is { } cause && executor.Dialect.Classify(cause) == SqlFailure.SchemaMissing)
        {
            return null;
        }
    }

    public void Dispose() => _gate.Dispose();

    private async Task PrepareAsync(SqlExecutor executor, CancellationToken cancellationToken)
    {
        await _gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            if (_ready)
            {
                return;
            }

            if (executor.Options.AutoCreateSchema)
            {
                await CreateAsync(executor, cancellationToken).ConfigureAwait(false);
            }
            else
            {
                await executor.RunAsync(CheckVersionAsync, cancellationToken, ensureReady: false).ConfigureAwait(false);
                _ready = true;
            }
        }
        finally
        {
            _gate.Release();
        }
    }

    private static async Task<bool> CheckVersionAsync(SqlSession s)
    {
        var version = await s.QueryRowAsync<int?>(s.Dialect.SelectSchemaVersion, new { }).ConfigureAwait(false);
        if (version is null || version < SqlDialect.SchemaVersion)
        {
            throw new StockStoreException(
                $"The {s.Dialect.StoreName} schema '{s.Dialect.Schema}' is at version {version?.ToString(CultureInfo.InvariantCulture) ?? "none"}; this library needs version {SqlDialect.SchemaVersion}. {SqlFailures.ApplyTheScript(s.Dialect)}",
                null,
                isTransient: false);
        }

        return true;
    }
}
