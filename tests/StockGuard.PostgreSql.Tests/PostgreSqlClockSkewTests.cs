using NUnit.Framework;
using StockGuard.Sql;
using StockGuard.Testing;

namespace StockGuard.PostgreSql.Tests;

/// <summary>Hosts with clocks minutes apart on one PostgreSQL database, directly.</summary>
public sealed class PostgreSqlClockSkewTests : PostgreSqlClockSkewSuite<AtomicPostgreSqlTestProvider>;

/// <summary>The same hosts through PgBouncer in transaction mode: reading the server's clock keeps no session state.</summary>
public sealed class PgBouncerClockSkewTests : PostgreSqlClockSkewSuite<AtomicPgBouncerTestProvider>;

/// <summary>Hosts with clocks minutes apart on one PostgreSQL database: the database's clock decides.</summary>
[TestFixture]
public abstract class PostgreSqlClockSkewSuite<TProvider> : ClockSkewTests<TProvider>
    where TProvider : PostgreSqlTestProvider, new()
{
    protected override TimeSpan MaxClockError => new PostgreSqlStockStoreOptions().MaxClockError;

    protected override IStockStore CreateHostStore(TimeProvider host)
    {
        var options = Provider.Options();
        options.Clock = SqlClock.Database;
        return new PostgreSqlStockStore(Provider.DataSource, options, host);
    }

    protected override async Task<DateTimeOffset> DatabaseNowAsync()
    {
        await using var connection = await PostgreSqlServer.OpenAsync();
        return Utc((DateTime)(await PostgreSqlServer.Exec(connection, "SELECT clock_timestamp()"))!);
    }

    protected override Task<IReadOnlyList<(string Kind, DateTimeOffset At)>> MovementsAsync(StockKey key) =>
        ItemRows.ReadAsync(
            PostgreSqlServer.OpenAsync,
            $"SELECT kind, occurred_at FROM \"{Provider.Schema}\".stock_movements WHERE sku = @s AND location = @l ORDER BY id",
            key,
            r => (r.GetString(0), Utc(r.GetDateTime(1))));

    protected override async Task<DateTimeOffset> KeyCreatedAtAsync(string idempotencyKey)
    {
        await using var connection = await PostgreSqlServer.OpenAsync();
        await using var command = connection.CreateCommand();
        command.CommandText = $"SELECT created_at FROM \"{Provider.Schema}\".stock_idempotency_keys WHERE idempotency_key = @k";
        command.Parameters.AddWithValue("k", idempotencyKey);
        return Utc((DateTime)(await command.ExecuteScalarAsync())!);
    }

    protected override Task<(long OnHand, long Reserved, long Version)> StoredAsync(StockKey key) => PostgreSqlServer.StoredAsync(Provider.Schema, key);

    private static DateTimeOffset Utc(DateTime time) => new(DateTime.SpecifyKind(time, DateTimeKind.Utc));
}
