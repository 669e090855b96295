using StockGuard.Sql.Execution;
using StockGuard.Sql.Operations;

namespace StockGuard.Sql.Strategies;

/// <summary>The item commands and reads that strategies and operations share, with their parameters bound the same way everywhere.</summary>
internal static class ItemCalls
{
    /// <summary>A command that names one item, without a time.</summary>
    public static SqlCall Key(string sql, StockKey key) => new(sql, new { sku = key.Sku, location = key.Location });

    public static SqlCall Key(string sql, StockKey key, DateTimeOffset now, SqlDialect dialect) =>
        new(sql, new { sku = key.Sku, location = key.Location, now = dialect.TimeParameter(now) });

    public static SqlCall ChangeIfSellable(SqlDialect dialect, TakeLine line, DateTimeOffset now) =>
        new(dialect.ChangeIfSellable, new { sku = line.Key.Sku, location = line.Key.Location, onHandDelta = line.OnHandDelta, reservedDelta = line.ReservedDelta, quantity = (long)line.Quantity, now = dialect.TimeParameter(now) });

    public static SqlCall ChangeIfVersion(SqlDialect dialect, TakeLine line, long version, DateTimeOffset now) =>
        new(dialect.ChangeIfVersion, new { sku = line.Key.Sku, location = line.Key.Location, onHandDelta = line.OnHandDelta, reservedDelta = line.ReservedDelta, version, now = dialect.TimeParameter(now) });

    public static SqlCall Change(SqlDialect dialect, StockKey key, long onHandDelta, long reservedDelta, DateTimeOffset now) =>
        new(dialect.Change, new { sku = key.Sku, location = key.Location, onHandDelta, reservedDelta, now = dialect.TimeParameter(now) });

    /// <summary>The change of a locked row that returns nothing (<see cref="SqlDialect.ChangeLocked"/>).</summary>
    public static SqlCall ChangeLocked(SqlDialect dialect, StockKey key, long onHandDelta, long reservedDelta) =>
        new(dialect.ChangeLocked, new { sku = key.Sku, location = key.Location, onHandDelta, reservedDelta });

    /// <summary>Reads the rows of <paramref name="lines"/> (locking them when <paramref name="lockRows"/>), one round trip.</summary>
    public static Task<LevelRow?[]> ReadAsync(SqlSession session, IReadOnlyList<TakeLine> lines, DateTimeOffset now, bool lockRows)
    {
        var sql = lockRows ? session.Dialect.LockLevel : session.Dialect.SelectLevel;
        return session.QueryEachAsync<LevelRow>([.. lines.Select(l => Key(sql, l.Key, now, session.Dialect))]);
    }

    /// <summary>The keys of the lines whose row is missing or cannot give the line's units by its stored counts.</summary>
    public static List<StockKey> ShortKeys(IReadOnlyList<TakeLine> lines, IReadOnlyList<LevelRow?> rows)
    {
        var keys = new List<StockKey>();
        for (var i = 0; i < lines.Count; i++)
        {
            if (rows[i] is not { } row || row.StoredSellable < lines[i].Quantity)
            {
                keys.Add(lines[i].Key);
            }
        }

        return keys;
    }

    /// <summary>Applies <paramref name="changes"/> then <paramref name="trailing"/> in one round trip; short keys are the lines whose change matched no row.</summary>
    public static async Task<TakeOutcome> ApplyAsync(SqlSession session, IReadOnlyList<TakeLine> lines, IReadOnlyList<SqlCall> changes, IReadOnlyList<SqlCall> trailing)
    {
        var rows = await session.QueryEachAsync<LevelRow>(changes, trailing).ConfigureAwait(false);
        var missed = new List<StockKey>();
        for (var i = 0; i < rows.Length; i++)
        {
            if (rows[i] is null)
            {
                missed.Add(lines[i].Key);
            }
        }

        return missed.Count == 0 ? TakeOutcome.Done(rows!) : TakeOutcome.Short(missed);
    }

    /// <summary>Reads the levels of <paramref name="keys"/> in their order, without locks; <see langword="null"/> for an unknown item.</summary>
    public static Task<LevelRow?[]> ReadLevelsAsync(SqlSession session, IReadOnlyList<StockKey> keys, DateTimeOffset now) =>
        session.QueryEachAsync<LevelRow>([.. keys.Select(k => Key(session.Dialect.SelectLevel, k, now, session.Dialect))]);

    /// <summary>Reads the rows of <paramref name="lines"/> in their order; the first unknown item (in that order) throws.</summary>
    /// <exception cref="StockItemNotFoundException">A line names an unknown item.</exception>
    public static async Task<LevelRow[]> ReadExistingAsync(SqlSession session, IReadOnlyList<StockLine> lines, DateTimeOffset now)
    {
        var rows = await ReadLevelsAsync(session, [.. lines.Select(l => l.Key)], now).ConfigureAwait(false);
        for (var i = 0; i < rows.Length; i++)
        {
            if (rows[i] is null)
            {
                throw new StockItemNotFoundException(lines[i].Key);
            }
        }

        return rows!;
    }

    /// <summary>
    /// Locks the items in key order and gives back their expired holds, whose units go to the items' waitlists first
    /// (<see cref="WaitlistOperations.ServeAsync"/>); returns their rows after that, read by a
    /// statement of their own (none when <paramref name="readBack"/> is off). A locking read cannot serve: under READ
    /// COMMITTED it returns the row as it is after any lock wait, but what it computes from the hold lines comes from the
    /// snapshot it took before waiting, so a confirm that committed during the wait would be counted as still on hold,
    /// and its units sold twice.
    /// </summary>
    public static async Task<LevelRow?[]> LockAndReleaseExpiredAsync(SqlSession session, IReadOnlyList<StockKey> sortedKeys, DateTimeOffset now, bool readBack = true)
    {
        if (sortedKeys.Count == 0)
        {
            return [];
        }

        var dialect = session.Dialect;
        await session.ExecuteAllAsync(
            [
                .. sortedKeys.Select(k => Key(dialect.LockItem, k)),
                .. sortedKeys.Select(k => Key(dialect.ReleaseExpiredLines, k, now, dialect)),
            ]).ConfigureAwait(false);
        await WaitlistOperations.ServeAsync(session, sortedKeys, now).ConfigureAwait(false);
        return readBack ? await ReadLevelsAsync(session, sortedKeys, now).ConfigureAwait(false) : [];
    }
}
