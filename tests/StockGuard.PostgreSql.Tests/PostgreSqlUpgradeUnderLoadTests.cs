using System.Diagnostics;
using FluentAssertions;
using NUnit.Framework;

namespace StockGuard.PostgreSql.Tests;

/// <summary>A store that upgrades the schema while stores of the previous version sell beside it.</summary>
[TestFixture]
public sealed class PostgreSqlUpgradeUnderLoadTests
{
    [Test]
    public async Task A_store_upgrading_the_schema_beside_selling_stores_starts_and_no_sale_fails()
    {
        await (await PostgreSqlServer.OpenOrSkipAsync()).DisposeAsync();
        var schema = PostgreSqlServer.NewSchemaName("rolling");
        try
        {
            var keys = Enumerable.Range(0, 4).Select(i => new StockKey($"rolling-{i}")).ToArray();
            await using var old = new PostgreSqlStockStore(PostgreSqlServer.ConnectionString, new PostgreSqlStockStoreOptions { Schema = schema, Strategy = ConcurrencyStrategy.Pessimistic });
            foreach (var key in keys)
            {
                await old.ReceiveAsync(new ReceiveRequest(new StockLine(key, 1_000_000)));
            }

            int current = old.RequiredVersion;
            await using (var connection = await PostgreSqlServer.OpenAsync())
            {
                await PostgreSqlServer.Exec(connection, $"DELETE FROM \"{schema}\".stock_schema_version WHERE version = {current}");
            }

            using var stop = new CancellationTokenSource();
            var failures = new System.Collections.Concurrent.ConcurrentQueue<Exception>();
            long sales = 0;
            var sellers = Enumerable.Range(0, 6).Select(n => Task.Run(async () =>
            {
                while (!stop.IsCancellationRequested)
                {
                    try
                    {
                        var hold = await old.ReserveAsync(new ReserveRequest(TimeSpan.FromMinutes(5), new StockLine(keys[n % 4], 1), new StockLine(keys[(n + 1) % 4], 1)));
                        await old.ConfirmAsync(hold.Hold!.Id);
                        Interlocked.Increment(ref sales);
                    }
                    catch (StockGuardException ex)
                    {
                        failures.Enqueue(ex);
                    }
                }
            })).ToArray();

            while (Interlocked.Read(ref sales) < 50)
            {
                await Task.Delay(10);
            }

            await using var stats = await PostgreSqlServer.OpenAsync();
            var deadlocksBefore = (long)(await PostgreSqlServer.Exec(stats, "SELECT deadlocks FROM pg_stat_database WHERE datname = current_database()"))!;
            await using var upgrading = new PostgreSqlStockStore(PostgreSqlServer.ConnectionString, new PostgreSqlStockStoreOptions { Schema = schema });
            var watch = Stopwatch.StartNew();
            Exception? startFailure = null;
            try
            {
                await upgrading.EnsureSchemaAsync();
            }
            catch (StockGuardException ex)
            {
                startFailure = ex;
            }

            watch.Stop();
            await stop.CancelAsync();
            await Task.WhenAll(sellers);
            await PostgreSqlServer.Exec(stats, "SELECT pg_stat_clear_snapshot()");
            var deadlocks = (long)(await PostgreSqlServer.Exec(stats, "SELECT deadlocks FROM pg_stat_database WHERE datname = current_database()"))! - deadlocksBefore;
            TestContext.Out.WriteLine($"{deadlocks} deadlocks; start took {watch.ElapsedMilliseconds} ms, {Interlocked.Read(ref sales)} sales, {failures.Count} failures; {startFailure}");
            startFailure.Should().BeNull();
            failures.Should().BeEmpty();
            (await upgrading.GetSchemaVersionAsync()).Should().Be(current);
        }
        finally
        {
            await PostgreSqlServer.DropSchemaAsync(schema);
        }
    }
}
