using System.Data.Common;

namespace StockGuard.Benchmarks.Load;

/// <summary>Reads the units each SKU of a hand-written baseline has left, for the cell's conservation check.</summary>
internal static class BaselineLevels
{
    /// <summary>
    /// Runs <paramref name="sql"/> (rows of SKU and on-hand units) on <paramref name="connection"/> and returns the units
    /// of each of <paramref name="skus"/> in their order; a SKU without a row has 0.
    /// </summary>
    public static async Task<long[]> ReadAsync(DbConnection connection, string sql, string[] skus, CancellationToken cancellationToken)
    {
        var index = new Dictionary<string, int>(skus.Length, StringComparer.Ordinal);
        for (var i = 0; i < skus.Length; i++)
        {
            index[skus[i]] = i;
        }

        var levels = new long[skus.Length];
        await using var command = connection.CreateCommand();
        command.CommandText = sql;
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            if (index.TryGetValue(reader.GetString(0), out var at))
            {
                levels[at] = reader.GetInt64(1);
            }
        }

        return levels;
    }
}
