using StockGuard.Sql.Execution;
using StockGuard.Sql.Strategies;

namespace StockGuard.Sql.Operations;

/// <summary>Storefront reads: levels with expired holds already left out of <c>Reserved</c>, without locks.</summary>
internal sealed class LevelReads(SqlExecutor executor)
{
    public async Task<StockLevel?> GetLevelAsync(StockKey key, CancellationToken cancellationToken)
    {
        CheckKey(key);
        var rows = await executor.ReadAsync((s, now) => ItemCalls.ReadLevelsAsync(s, [key], now), cancellationToken).ConfigureAwait(false);
        return rows[0]?.ToLevel();
    }

    public async Task<IReadOnlyList<StockLevel>> GetLevelsAsync(IEnumerable<StockKey> keys, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(keys);
        var distinct = new List<StockKey>();
        var seen = new HashSet<StockKey>();
        foreach (var key in keys)
        {
            CheckKey(key);
            if (seen.Add(key))
            {
                distinct.Add(key);
            }
        }

        if (distinct.Count == 0)
        {
            return [];
        }

        var rows = await executor.ReadAsync((s, now) => ItemCalls.ReadLevelsAsync(s, distinct, now), cancellationToken).ConfigureAwait(false);
        return [.. rows.Where(r => r is not null).Select(r => r!.ToLevel())];
    }

    /// <exception cref="ArgumentException"><paramref name="key"/> is <see langword="default"/>.</exception>
    public static void CheckKey(StockKey key)
    {
        if (!key.IsValid)
        {
            throw new ArgumentException("default(StockKey) names no stock item.", nameof(key));
        }
    }
}
