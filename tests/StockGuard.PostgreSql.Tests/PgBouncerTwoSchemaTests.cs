using System.Collections.Concurrent;
using FluentAssertions;
using Npgsql;
using NUnit.Framework;

namespace StockGuard.PostgreSql.Tests;

/// <summary>
/// Two stores on two schemas of one database, both behind PgBouncer in transaction pooling mode, selling the same SKUs
/// at once: a transaction may run on a server session another client used a moment before, with the other store's
/// statements. Every sale must land in its own store's schema, and nowhere else.
/// </summary>
[TestFixture]
[NonParallelizable]
public sealed class PgBouncerTwoSchemaTests
{
    private const int Items = 100;
    private const int Stock = 1_000;
    private const int BuyersPerStore = 16;

    private readonly string[] _schemas = [PostgreSqlServer.NewSchemaName("pgb_a"), PostgreSqlServer.NewSchemaName("pgb_b")];

    [OneTimeSetUp]
    public Task ConnectAsync() => PgBouncerServer.EnsureReachableAsync();

    [OneTimeTearDown]
    public async Task DropSchemasAsync()
    {
        foreach (var schema in _schemas)
        {
            await PostgreSqlServer.DropSchemaAsync(schema);
        }
    }

    [Test]
    public Task Key_less_one_line_sales_of_two_stores_through_the_pooler_each_land_in_their_own_schema() =>
        SellConcurrentlyAsync(deductsPerBuyer: 120, keyed: false);

    [Test]
    public Task Keyed_sales_of_two_stores_through_the_pooler_each_land_in_their_own_schema() =>
        SellConcurrentlyAsync(deductsPerBuyer: 30, keyed: true);

    private async Task SellConcurrentlyAsync(int deductsPerBuyer, bool keyed)
    {
        var run = Guid.NewGuid().ToString("N")[..8];
        var skus = Enumerable.Range(0, Items).Select(i => $"pgb-{run}-{i}").ToArray();
        var stores = new PostgreSqlStockStore[2];
        for (var s = 0; s < 2; s++)
        {
            // The same SKUs in both schemas, stocked over a direct connection: only the sales go through the pooler.
            await using (var direct = new PostgreSqlStockStore(PostgreSqlServer.ConnectionString, new PostgreSqlStockStoreOptions { Schema = _schemas[s] }))
            {
                await direct.ReceiveAsync(new ReceiveRequest([.. skus.Select(sku => new StockLine(new StockKey(sku), Stock))]));
            }

            stores[s] = new PostgreSqlStockStore(PgBouncerServer.ConnectionString, new PostgreSqlStockStoreOptions { Schema = _schemas[s] });
        }

        var successes = new int[2];
        var errors = new ConcurrentBag<string>();
        var start = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var buyers = Enumerable.Range(0, 2 * BuyersPerStore).Select(b => Task.Run(async () =>
        {
            var s = b % 2;
            var random = new Random(b);
            await start.Task;
            for (var i = 0; i < deductsPerBuyer; i++)
            {
                var reference = $"{"ab"[s]}-{run}-{b}-{i}";
                var request = new DeductRequest(new StockLine(new StockKey(skus[random.Next(Items)]), 1))
                {
                    Reference = reference,
                    IdempotencyKey = keyed ? reference : null,
                };
                try
                {
                    if ((await stores[s].DeductAsync(request)).Succeeded)
                    {
                        Interlocked.Increment(ref successes[s]);
                    }
                }
                catch (StockStoreException ex)
                {
                    errors.Add($"{(ex.OutcomeUnknown ? "unknown" : "nothing changed")}: {ex.InnerException?.Message ?? ex.Message}");
                }
            }
        })).ToArray();
        start.SetResult();
        await Task.WhenAll(buyers);
        foreach (var store in stores)
        {
            await store.DisposeAsync();
        }

        var report = new List<string>();
        var seen = new List<(long Decrease, long Sales, long Own, long Foreign, long OwnKeys, long ForeignKeys)>();
        for (var s = 0; s < 2; s++)
        {
            seen.Add(await ReadAsync(_schemas[s], run, skus, own: "ab"[s], foreign: "ab"[1 - s]));
            report.Add($"store {"ab"[s]}: {successes[s]} successes, on_hand decrease {seen[s].Decrease}, {seen[s].Own} own sale movements, {seen[s].Foreign} of the other store's, {seen[s].OwnKeys} own keys, {seen[s].ForeignKeys} of the other store's");
        }

        report.Add($"{errors.Count} errors" + string.Concat(errors.GroupBy(e => e[..Math.Min(90, e.Length)]).OrderByDescending(g => g.Count()).Take(4).Select(g => $"; {g.Count()} x {g.Key}")));
        TestContext.Out.WriteLine(string.Join(Environment.NewLine, report));

        var because = string.Join(" | ", report);
        for (var s = 0; s < 2; s++)
        {
            seen[s].Foreign.Should().Be(0, because);
            seen[s].ForeignKeys.Should().Be(0, because);
            seen[s].Sales.Should().Be(seen[s].Own, because);
            seen[s].Own.Should().Be(successes[s], because);
            seen[s].Decrease.Should().Be(successes[s], because);
            seen[s].OwnKeys.Should().Be(keyed ? successes[s] : 0, because);
        }

        errors.Should().BeEmpty(because);
        successes.Sum().Should().Be(2 * BuyersPerStore * deductsPerBuyer, "there is stock for every buyer");
    }

    /// <summary>The schema's view of the run: on-hand decrease, sale movements (all, the store's own, the other store's), idempotency keys (own, other's).</summary>
    private static async Task<(long Decrease, long Sales, long Own, long Foreign, long OwnKeys, long ForeignKeys)> ReadAsync(string schema, string run, string[] skus, char own, char foreign)
    {
        await using var connection = await PostgreSqlServer.OpenAsync();
        await using var command = new NpgsqlCommand(
            $"SELECT (SELECT COALESCE(SUM(@stock - on_hand), 0)::bigint FROM \"{schema}\".stock_items WHERE sku = ANY(@skus)), " +
            $"(SELECT count(*) FROM \"{schema}\".stock_movements WHERE kind = 'sale' AND sku = ANY(@skus)), " +
            $"(SELECT count(*) FROM \"{schema}\".stock_movements WHERE kind = 'sale' AND reference LIKE @own), " +
            $"(SELECT count(*) FROM \"{schema}\".stock_movements WHERE kind = 'sale' AND reference LIKE @foreign), " +
            $"(SELECT count(*) FROM \"{schema}\".stock_idempotency_keys WHERE idempotency_key LIKE @own), " +
            $"(SELECT count(*) FROM \"{schema}\".stock_idempotency_keys WHERE idempotency_key LIKE @foreign)",
            connection);
        command.Parameters.AddWithValue("stock", (long)Stock);
        command.Parameters.AddWithValue("skus", skus);
        command.Parameters.AddWithValue("own", $"{own}-{run}-%");
        command.Parameters.AddWithValue("foreign", $"{foreign}-{run}-%");
        await using var reader = await command.ExecuteReaderAsync();
        await reader.ReadAsync();
        return (reader.GetInt64(0), reader.GetInt64(1), reader.GetInt64(2), reader.GetInt64(3), reader.GetInt64(4), reader.GetInt64(5));
    }
}
