using System.Data.Common;
using System.Globalization;
using FluentAssertions;

namespace StockGuard.Testing;

/// <summary>
/// The part of <see cref="IStockServer"/> that is the same on every server: plain <c>SELECT</c>s over the store's
/// tables, written through <see cref="Tables"/> (a server's quoting and text conversions). A server derives from it and
/// writes only what differs: locks, the watch on lock waits, the kill, its errors and its clock.
/// </summary>
public abstract class SqlStockServer : IStockServer
{
    /// <inheritdoc/>
    public abstract (string Host, int Port) Endpoint { get; }

    /// <inheritdoc/>
    public abstract StockTables Tables { get; }

    /// <inheritdoc/>
    public abstract bool ReportsKills { get; }

    /// <inheritdoc/>
    public abstract Task<ILockHolder> LockItemAsync(StockKey key);

    /// <inheritdoc/>
    public abstract Task<ILockHolder> HoldIdempotencyKeyAsync(string idempotencyKey);

    /// <inheritdoc/>
    public abstract Task<long> WaitForLockWaiterAsync(ILockHolder except);

    /// <inheritdoc/>
    public abstract Task WaitUntilIdleAsync();

    /// <inheritdoc/>
    public abstract Task KillConnectionAsync(long connectionId);

    /// <inheritdoc/>
    public abstract Task<long> ConnectionIdAsync(DbConnection connection);

    /// <inheritdoc/>
    public abstract bool IsLockTimeout(Exception? error);

    /// <inheritdoc/>
    public abstract bool IsKillReport(Exception? error);

    /// <inheritdoc/>
    public abstract Task<DateTimeOffset> DatabaseNowAsync();

    /// <inheritdoc/>
    public async Task<(long OnHand, long Reserved)> LedgerAsync(StockKey key) =>
        (await ItemAsync(
            $"SELECT COALESCE(SUM(on_hand_delta), 0), COALESCE(SUM(reserved_delta), 0) FROM {Tables.Table("stock_movements")} WHERE sku = @s AND location = @l",
            key,
            r => (Long(r, 0), Long(r, 1)))).Single();

    /// <inheritdoc/>
    public Task<IReadOnlyList<(long OnHand, long Reserved, string? Reference)>> SalesAsync(StockKey key) =>
        ItemAsync(
            $"SELECT on_hand_delta, reserved_delta, reference FROM {Tables.Table("stock_movements")} WHERE sku = @s AND location = @l AND kind = 'sale' ORDER BY id",
            key,
            r => (Long(r, 0), Long(r, 1), r.IsDBNull(2) ? null : r.GetString(2)));

    /// <inheritdoc/>
    public async Task<(long OnHand, long Reserved, long Version)> StoredAsync(StockKey key) =>
        (await ItemAsync(
            $"SELECT on_hand, reserved, version FROM {Tables.Table("stock_items")} WHERE sku = @s AND location = @l",
            key,
            r => (Long(r, 0), Long(r, 1), Long(r, 2)))).Should().ContainSingle("the item {0} exists", key).Subject;

    /// <inheritdoc/>
    public Task<IReadOnlyList<(string Kind, DateTimeOffset At)>> MovementsAsync(StockKey key) =>
        ItemAsync(
            $"SELECT {Tables.Text("kind")}, occurred_at FROM {Tables.Table("stock_movements")} WHERE sku = @s AND location = @l ORDER BY id",
            key,
            r => (r.GetString(0), StoredTime(r.GetValue(1))));

    /// <inheritdoc/>
    public async Task<DateTimeOffset> KeyCreatedAtAsync(string idempotencyKey)
    {
        await using var connection = await Tables.Open();
        await using var command = connection.CreateCommand();
        command.CommandText = $"SELECT created_at FROM {Tables.Table("stock_idempotency_keys")} WHERE idempotency_key = @k";
        command.Parameters.Add(Parameter(command, "k", idempotencyKey));
        return StoredTime(await command.ExecuteScalarAsync() ?? throw new InvalidOperationException($"The key '{idempotencyKey}' is not stored."));
    }

    /// <summary>A stored or server time: a UTC <see cref="DateTime"/>, a <see cref="DateTimeOffset"/>, or (SQLite) UTC text.</summary>
    /// <param name="value">What the server returned.</param>
    protected static DateTimeOffset StoredTime(object value) => value switch
    {
        DateTime time => new DateTimeOffset(DateTime.SpecifyKind(time, DateTimeKind.Utc)),
        DateTimeOffset time => time,
        string text => DateTimeOffset.Parse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal),
        _ => throw new InvalidOperationException($"A stored time of type {value.GetType().Name} is not understood."),
    };

    /// <summary>Runs <paramref name="sql"/>, which names the item as <c>@s</c> and <c>@l</c>, and maps every row.</summary>
    private Task<IReadOnlyList<T>> ItemAsync<T>(string sql, StockKey key, Func<DbDataReader, T> map) =>
        ItemRows.ReadAsync(Tables.Open, sql, key, map);

    private static long Long(DbDataReader reader, int ordinal) => Convert.ToInt64(reader.GetValue(ordinal), CultureInfo.InvariantCulture);

    private static DbParameter Parameter(DbCommand command, string name, string value)
    {
        var parameter = command.CreateParameter();
        parameter.ParameterName = name;
        parameter.Value = value;
        return parameter;
    }
}
