using System.Data.Common;

namespace StockGuard.Testing;

/// <summary>Reads an item's rows straight from a server store's tables, for tests that check what the store wrote.</summary>
public static class ItemRows
{
    /// <summary>
    /// Runs <paramref name="sql"/>, which names the item as <c>@s</c> (SKU) and <c>@l</c> (location), on a connection of
    /// its own from <paramref name="open"/>, and maps every row with <paramref name="map"/>.
    /// </summary>
    public static async Task<IReadOnlyList<T>> ReadAsync<TConnection, T>(Func<Task<TConnection>> open, string sql, StockKey key, Func<DbDataReader, T> map)
        where TConnection : DbConnection
    {
        ArgumentNullException.ThrowIfNull(open);
        ArgumentNullException.ThrowIfNull(map);
        await using var connection = await open();
        await using var command = connection.CreateCommand();
        command.CommandText = sql;
        command.Parameters.Add(Parameter(command, "s", key.Sku));
        command.Parameters.Add(Parameter(command, "l", key.Location));
        await using var reader = await command.ExecuteReaderAsync();
        var rows = new List<T>();
        while (await reader.ReadAsync())
        {
            rows.Add(map(reader));
        }

        return rows;
    }

    private static DbParameter Parameter(DbCommand command, string name, string value)
    {
        var parameter = command.CreateParameter();
        parameter.ParameterName = name;
        parameter.Value = value;
        return parameter;
    }
}
