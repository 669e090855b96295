using System.Diagnostics;
using System.Text;
using FluentAssertions;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Npgsql;
using NUnit.Framework;
using StockGuard.Tests.Shared;

namespace StockGuard.PostgreSql.Tests;

/// <summary>Strategy-specific behaviour, contention with another process, the ledger and configuration.</summary>
[TestFixture]
public sealed class PostgreSqlStrategyTests : PostgreSqlFixture
{
    /// <summary>Makes the optimistic update lose its race: it read version v, then a second connection commits v + 1.</summary>
    private async Task<Task<StockChangeResult>> LoseOneRaceAsync(PostgreSqlStockStore store, StockKey key)
    {
        await using var blocker = await LockRowAsync(key);
        var deduct = store.DeductAsync(new DeductRequest(new StockLine(key, 1)));
        await Server.WaitForLockWaiterAsync(blocker);
        await Exec(blocker.Connection, $"UPDATE \"{Schema}\".stock_items SET version = version + 1 WHERE sku = '{key.Sku}'");
        await Exec(blocker.Connection, "COMMIT");
        return deduct;
    }

    [Test]
    public async Task Optimistic_retries_a_lost_race_after_a_back_off_timed_by_the_stores_clock()
    {
        var clock = new TimerWatchingClock(Time);
        await using var store = new PostgreSqlStockStore(Provider.DataSource, Provider.Options().With(ConcurrencyStrategy.Optimistic, o =>
        {
            o.OptimisticBackoff = TimeSpan.FromMilliseconds(100);
            o.MaxOptimisticAttempts = 3;
        }), clock);
        var key = await StockedAsync(store, 5);

        var deduct = await LoseOneRaceAsync(store, key);

        // The one lost race backs off for a random time up to 100 ms on the fake clock (none at all when the draw is 0):
        // nothing completes until the test moves the clock past it.
        if (await Task.WhenAny(deduct, clock.FirstTimer).WaitAsync(TimeSpan.FromSeconds(30)) != deduct)
        {
            deduct.IsCompleted.Should().BeFalse("the retry waits for the back-off on the store's clock");
            Time.Advance(TimeSpan.FromMilliseconds(100));
        }

        (await deduct.WaitAsync(TimeSpan.FromSeconds(30))).Succeeded.Should().BeTrue();
        (await Server.StoredAsync(key)).Should().Be((4L, 0L, 3L), "received (1), the other writer (2), one sale (3)");
    }

    [Test]
    public async Task Optimistic_throws_a_typed_conflict_naming_its_attempts_and_changes_nothing()
    {
        await using var store = CreateStore(ConcurrencyStrategy.Optimistic, configure: o => o.MaxOptimisticAttempts = 1);
        var key = await StockedAsync(store, 5);

        var deduct = await LoseOneRaceAsync(store, key);

        (await FluentActions.Awaiting(() => deduct).Should().ThrowAsync<ConcurrencyConflictException>()).Which.Attempts.Should().Be(1);
        (await Server.StoredAsync(key)).OnHand.Should().Be(5);
    }

    [Test]
    public async Task A_second_process_doing_conditional_updates_with_psql_competes_without_overselling()
    {
        await using var store = CreateStore(ConcurrencyStrategy.Pessimistic);
        var key = await StockedAsync(store, 150);
        var script = new StringBuilder();
        for (var i = 0; i < 100; i++)
        {
            script.Append("UPDATE \"").Append(Schema).Append("\".stock_items SET on_hand = on_hand - 1, version = version + 1 WHERE sku = '")
                .Append(key.Sku).Append("' AND location = 'default' AND on_hand - reserved - safety_stock + backorder_limit >= 1;\n");
        }

        var scriptPath = Path.Combine(Path.GetTempPath(), $"{key.Sku}.sql");
        await File.WriteAllTextAsync(scriptPath, script.ToString());
        var builder = new NpgsqlConnectionStringBuilder(PostgreSqlServer.ConnectionString);
        var psql = new ProcessStartInfo("psql", ["-X", "-h", builder.Host!, "-p", builder.Port.ToString(System.Globalization.CultureInfo.InvariantCulture), "-U", builder.Username!, "-d", builder.Database!, "-f", scriptPath])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        psql.Environment["PGPASSWORD"] = builder.Password;
        Process process;
        try
        {
            process = Process.Start(psql)!;
        }
        catch (System.ComponentModel.Win32Exception ex)
        {
            Assert.Ignore($"psql is not installed: {ex.Message}");
            return;
        }

        using (process)
        {
            var output = process.StandardOutput.ReadToEndAsync();
            var buyers = Enumerable.Range(0, 100).Select(_ => Task.Run(() => store.DeductAsync(new DeductRequest(new StockLine(key, 1))))).ToArray();
            var results = await Task.WhenAll(buyers).WaitAsync(TimeSpan.FromMinutes(2));
            await process.WaitForExitAsync().WaitAsync(TimeSpan.FromMinutes(2));
            process.ExitCode.Should().Be(0, await process.StandardError.ReadToEndAsync());

            var soldByPsql = (await output).Split('\n').Count(l => l.Trim() == "UPDATE 1");
            var soldByStore = results.Count(r => r.Succeeded);
            soldByPsql.Should().BeGreaterThan(0);
            (soldByPsql + soldByStore).Should().Be(150, "200 buyers competed for 150 units");
            (await store.GetLevelAsync(key))!.OnHand.Should().Be(0);
        }

        File.Delete(scriptPath);
    }

    [Test]
    public async Task The_movement_ledger_rebuilds_on_hand_and_reserved_through_every_kind_of_change()
    {
        await using var store = CreateStore(ConcurrencyStrategy.Pessimistic);
        var key = await StockedAsync(store, 20);
        var ttl = TimeSpan.FromMinutes(10);
        await store.DeductAsync(new DeductRequest(new StockLine(key, 3)) { Reference = "order-1" });
        await store.ReceiveAsync(new ReceiveRequest(new StockLine(key, 1)) { Kind = StockMovementKind.Return });
        await store.AdjustAsync(new AdjustRequest(key, -2, "damaged"));
        var confirmed = (await store.ReserveAsync(new ReserveRequest(ttl, new StockLine(key, 4)))).Hold!;
        var released = (await store.ReserveAsync(new ReserveRequest(ttl, new StockLine(key, 2)))).Hold!;
        await store.ReserveAsync(new ReserveRequest(TimeSpan.FromMinutes(1), new StockLine(key, 5)));
        await store.ConfirmAsync(confirmed.Id);
        await store.ReleaseAsync(released.Id);
        await store.ReserveAsync(new ReserveRequest(ttl * 3, new StockLine(key, 1)));
        Time.Advance(TimeSpan.FromMinutes(2));
        (await store.DeductAsync(new DeductRequest(new StockLine(key, 11)))).Succeeded.Should().BeTrue("the expired hold of 5 is given back lazily");

        var stored = await Server.StoredAsync(key);
        stored.Should().Be((1L, 1L, stored.Version));
        (await Server.LedgerAsync(key)).Should().Be((stored.OnHand, stored.Reserved));
    }

    [TestCase("bad;name")]
    [TestCase("quo\"te")]
    [TestCase("1starts_with_digit")]
    [TestCase("has space")]
    [TestCase("")]
    public async Task A_schema_name_that_is_not_a_plain_identifier_is_rejected_at_configuration(string schema)
    {
        FluentActions.Invoking(() => new PostgreSqlStockStore(PostgreSqlServer.ConnectionString, new PostgreSqlStockStoreOptions { Schema = schema }))
            .Should().Throw<OptionsValidationException>().WithMessage("*PostgreSqlStockStoreOptions.Schema*");

        var services = new ServiceCollection();
        services.AddStockGuard().UsePostgreSql(PostgreSqlServer.ConnectionString, o => o.Schema = schema);
        await using var provider = services.BuildServiceProvider();
        FluentActions.Invoking(() => provider.GetRequiredService<IOptions<PostgreSqlStockStoreOptions>>().Value)
            .Should().Throw<OptionsValidationException>().WithMessage("*Schema*");
    }

    [Test]
    public async Task UsePostgreSql_registers_a_working_store_that_creates_its_schema()
    {
        var schema = PostgreSqlServer.NewSchemaName("di");
        var services = new ServiceCollection();
        services.AddSingleton<TimeProvider>(Time);
        services.AddStockGuard(o => o.EnableSweeper = false).UsePostgreSql(PostgreSqlServer.ConnectionString, o => o.Schema = schema);
        try
        {
            await using (var provider = services.BuildServiceProvider())
            {
                var store = provider.GetRequiredService<IStockStore>();
                store.Should().BeOfType<PostgreSqlStockStore>();
                var key = new StockKey("di-" + Guid.NewGuid().ToString("N"));
                (await store.ReceiveAsync(new ReceiveRequest(new StockLine(key, 2)))).Succeeded.Should().BeTrue();
                (await store.GetLevelAsync(key))!.OnHand.Should().Be(2);
            }
        }
        finally
        {
            await PostgreSqlServer.DropSchemaAsync(schema);
        }
    }

    [Test]
    public async Task EnsureSchemaAsync_is_idempotent_and_safe_to_run_concurrently()
    {
        var schema = PostgreSqlServer.NewSchemaName("ensure");
        try
        {
            var stores = Enumerable.Range(0, 4).Select(_ => new PostgreSqlStockStore(Provider.DataSource, new PostgreSqlStockStoreOptions { Schema = schema })).ToArray();
            await Task.WhenAll(stores.Select(s => s.EnsureSchemaAsync()));
            await stores[0].EnsureSchemaAsync();
            await using var connection = await OpenAsync();
            (await Exec(connection, $"SELECT count(*) - count(DISTINCT version) FROM \"{schema}\".stock_schema_version")).Should().Be(0L, "each version is recorded once however many stores create the schema");
            (await Exec(connection, $"SELECT max(version) FROM \"{schema}\".stock_schema_version")).Should().Be(stores[0].RequiredVersion);
        }
        finally
        {
            await PostgreSqlServer.DropSchemaAsync(schema);
        }
    }
}
