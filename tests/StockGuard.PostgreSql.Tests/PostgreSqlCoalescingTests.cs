using FluentAssertions;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;
using Npgsql;
using NUnit.Framework;
using StockGuard.Testing;

namespace StockGuard.PostgreSql.Tests;

/// <summary>The coalescing suite on PostgreSQL, and what only PostgreSQL shows: which transaction wrote each row.</summary>
[TestFixture]
public sealed class PostgreSqlCoalescingTests : CoalescingTests<CoalescingPostgreSqlTestProvider>
{
    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 3, 1, 9, 0, 0, TimeSpan.Zero));

    [Test]
    public async Task The_buyers_queued_behind_one_flight_are_applied_by_one_transaction_with_their_movements_in_arrival_order()
    {
        var store = CreateStore();
        var key = await StockedAsync(store, 100);
        var (first, queued) = await QueueBehindLockAsync(store, key, [1, 2, 3, 4, 5], (i, line) => new DeductRequest(line) { Reference = $"order-{i}", IdempotencyKey = NewSku("order") });

        await first;
        await Task.WhenAll(queued);

        (await SaleColumnAsync(key, "count(DISTINCT xmin::text)")).Should().Equal(["2"], "the first buyer ran alone; the five queued behind it were applied in one transaction");
        (await SaleColumnAsync(key, "reference")).Should().Equal("order-first", "order-0", "order-1", "order-2", "order-3", "order-4");
    }

    [Test]
    public void Coalescing_limits_out_of_range_are_refused_with_the_setting_named()
    {
        var options = Provider.Options();
        options.Coalescing.MaxBatchSize = 0;
        options.Coalescing.MaxWait = TimeSpan.FromSeconds(2);

        FluentActions.Invoking(() => new PostgreSqlStockStore(Provider.DataSource, options))
            .Should().Throw<OptionsValidationException>()
            .WithMessage("*Coalescing.MaxBatchSize is 0*")
            .WithMessage("*Coalescing.MaxWait is 00:00:02*");
    }

    protected override IStockStore CreateCoalescingStore(int maxTransientRetries, int maxQueueLength) =>
        Provider.CreateStore(_time, o =>
        {
            var options = (PostgreSqlStockStoreOptions)o;
            options.MaxTransientRetries = maxTransientRetries;
            options.Coalescing.MaxQueueLength = maxQueueLength;
        });

    protected override async Task<ILockHolder> LockRowAsync(StockKey key) => new Holder(await PostgreSqlServer.LockRowAsync(Provider.Schema, key));

    protected override async Task<ILockHolder> HoldKeyAsync(string idempotencyKey)
    {
        var connection = await PostgreSqlServer.OpenAsync();
        await PostgreSqlServer.Exec(connection, "BEGIN");
        await using var command = new NpgsqlCommand(
            $"INSERT INTO \"{Provider.Schema}\".stock_idempotency_keys (idempotency_key, fingerprint, result, created_at) VALUES (@k, 'held by the test', NULL, now())",
            connection);
        command.Parameters.AddWithValue("k", idempotencyKey);
        await command.ExecuteNonQueryAsync();
        return new Holder(connection);
    }

    protected override async Task<long> WaitForLockWaiterAsync(ILockHolder holder) =>
        await PostgreSqlServer.WaitForLockWaiterAsync(Provider.Schema, ((Holder)holder).Connection);

    protected override async Task KillAsync(long connectionId)
    {
        await using var killer = await PostgreSqlServer.OpenAsync();
        (await PostgreSqlServer.Exec(killer, $"SELECT pg_terminate_backend({connectionId})")).Should().Be(true);
    }

    protected override async Task<long> LedgerOnHandAsync(StockKey key) => (await PostgreSqlServer.LedgerAsync(Provider.Schema, key)).OnHand;

    /// <summary>One column of the item's sale movements in ledger order, as text.</summary>
    private async Task<string[]> SaleColumnAsync(StockKey key, string column)
    {
        await using var connection = await PostgreSqlServer.OpenAsync();
        await using var command = new NpgsqlCommand(
            $"SELECT ({column})::text FROM \"{Provider.Schema}\".stock_movements WHERE sku = @s AND location = @l AND kind = 'sale'" + (column.StartsWith("count", StringComparison.Ordinal) ? "" : " ORDER BY id"),
            connection);
        command.Parameters.AddWithValue("s", key.Sku);
        command.Parameters.AddWithValue("l", key.Location);
        var values = new List<string>();
        await using var reader = await command.ExecuteReaderAsync();
        while (await reader.ReadAsync())
        {
            values.Add(reader.GetString(0));
        }

        return [.. values];
    }

    private sealed class Holder(NpgsqlConnection connection) : ILockHolder
    {
        public NpgsqlConnection Connection => connection;

        public async Task ReleaseAsync() => await PostgreSqlServer.Exec(connection, "ROLLBACK");

        public ValueTask DisposeAsync() => connection.DisposeAsync();
    }
}
