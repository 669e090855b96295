using NUnit.Framework;
using StockGuard.Sql;
using StockGuard.Testing;

namespace StockGuard.MySql.Tests;

/// <summary>Hosts with clocks minutes apart on one MySQL or MariaDB database: the database's clock decides.</summary>
[TestFixture]
public sealed class MySqlClockSkewTests : ClockSkewTests<AtomicMySqlTestProvider>
{
    protected override TimeSpan MaxClockError => new MySqlStockStoreOptions().MaxClockError;

    protected override IStockStore CreateHostStore(TimeProvider host)
    {
        var options = Provider.Options();
        options.Clock = SqlClock.Database;
        return new MySqlStockStore(Provider.DataSource, options, host);
    }

    protected override async Task<DateTimeOffset> DatabaseNowAsync()
    {
        await using var connection = await MySqlServer.OpenAsync();
        return Utc((DateTime)(await MySqlServer.Exec(connection, "SELECT UTC_TIMESTAMP(6)"))!);
    }

    protected override Task<IReadOnlyList<(string Kind, DateTimeOffset At)>> MovementsAsync(StockKey key) =>
        ItemRows.ReadAsync(
            MySqlServer.OpenAsync,
            $"SELECT kind, occurred_at FROM `{Provider.Database}`.stock_movements WHERE sku = @s AND location = @l ORDER BY id",
            key,
            r => (r.GetString(0), Utc(r.GetDateTime(1))));

    protected override async Task<DateTimeOffset> KeyCreatedAtAsync(string idempotencyKey)
    {
        await using var connection = await MySqlServer.OpenAsync();
        return Utc((DateTime)(await MySqlServer.Exec(connection, $"SELECT created_at FROM `{Provider.Database}`.stock_idempotency_keys WHERE idempotency_key = @k", ("k", idempotencyKey)))!);
    }

    protected override Task<(long OnHand, long Reserved, long Version)> StoredAsync(StockKey key) => MySqlServer.StoredAsync(Provider.Database, key);

    private static DateTimeOffset Utc(DateTime time) => new(DateTime.SpecifyKind(time, DateTimeKind.Utc));
}
