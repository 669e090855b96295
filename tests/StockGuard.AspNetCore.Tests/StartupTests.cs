using FluentAssertions;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;
using NUnit.Framework;
using StockGuard.Sqlite;

namespace StockGuard.AspNetCore.Tests;

/// <summary>What the host finds wrong while it starts, instead of the first buyer finding it.</summary>
public sealed class StartupTests
{
    [Test]
    public async Task EnsureSchemaOnStartup_stops_the_host_when_the_database_cannot_be_opened()
    {
        var missing = Path.Combine(Path.GetTempPath(), $"stockguard-missing-{Guid.NewGuid():N}", "stock.db");
        using var host = Host(s => s.AddStockGuard().UseSqlite($"Data Source={missing};Mode=ReadWrite").EnsureSchemaOnStartup());

        var start = () => host.StartAsync();

        (await start.Should().ThrowAsync<StockStoreException>()).WithMessage("*SQLite*");
    }

    [Test]
    public async Task Options_of_the_http_integration_and_the_health_checks_are_validated_at_start_up()
    {
        using var host = Host(s =>
        {
            s.AddStockGuard().UseInMemory().AddAspNetCore(o => o.RetryAfter = TimeSpan.Zero);
            s.AddHealthChecks().AddStockGuard(o => o.SweeperMissedIntervals = 0);
        });

        var start = () => host.StartAsync();

        var error = (await start.Should().ThrowAsync<AggregateException>()).Which;
        error.InnerExceptions.Should().AllBeOfType<OptionsValidationException>();
        error.InnerExceptions.Select(e => e.Message).Should().SatisfyRespectively(
            e => e.Should().Contain("StockGuardHttpOptions").And.Contain("'RetryAfter'"),
            e => e.Should().Contain("StockGuardHealthCheckOptions").And.Contain("'SweeperMissedIntervals'"));
    }

    [Test]
    public void A_store_registered_after_a_sql_store_takes_its_schema_service_away()
    {
        var path = Path.Combine(Path.GetTempPath(), $"stockguard-web-{Guid.NewGuid():N}.db");
        var services = new ServiceCollection();

        services.AddStockGuard().UseSqlite($"Data Source={path}").UseInMemory();

        services.Should().NotContain(d => d.ServiceType == typeof(IStockSchema));
    }

    [Test]
    public async Task A_sql_store_is_its_own_schema_service()
    {
        var path = Path.Combine(Path.GetTempPath(), $"stockguard-web-{Guid.NewGuid():N}.db");
        try
        {
            var services = new ServiceCollection().AddLogging();
            services.AddStockGuard().UseSqlite($"Data Source={path};Pooling=False");
            await using var provider = services.BuildServiceProvider();

            var schema = provider.GetRequiredService<IStockSchema>();

            schema.Should().BeSameAs(provider.GetRequiredService<IStockStore>()).And.BeOfType<SqliteStockStore>();
            (await schema.GetSchemaVersionAsync()).Should().BeNull();
            await schema.EnsureSchemaAsync();
            (await schema.GetSchemaVersionAsync()).Should().Be(schema.RequiredVersion).And.Be(9, "version 9 holds the one-line deduct procedures of MySQL and MariaDB that return the pre-order settings");
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Test]
    public async Task The_in_memory_store_is_healthy_with_no_schema_to_check()
    {
        using var host = Host(s =>
        {
            s.AddLogging();
            s.AddStockGuard().UseInMemory().EnsureSchemaOnStartup();
            s.AddHealthChecks().AddStockGuard();
        });
        await host.StartAsync();

        var report = await host.Services.GetRequiredService<HealthCheckService>().CheckHealthAsync();
        await host.StopAsync();

        report.Status.Should().Be(HealthStatus.Healthy, string.Join("; ", report.Entries.Select(e => $"{e.Key}: {e.Value.Description}")));
        report.Entries[StockGuardHealthChecks.Schema].Description.Should().Be("The stock store keeps no schema.");
    }

    [Test]
    public async Task A_newer_schema_passes_the_start_up_check_and_the_health_check()
    {
        // A rolling deploy: a newer release upgraded the database, and a process of this release (re)starts on it.
        var path = Path.Combine(Path.GetTempPath(), $"stockguard-web-{Guid.NewGuid():N}.db");
        try
        {
            int newer;
            await using (var created = new SqliteStockStore($"Data Source={path};Pooling=False"))
            {
                await created.EnsureSchemaAsync();
                newer = created.RequiredVersion + 1;
            }

            await using (var connection = new Microsoft.Data.Sqlite.SqliteConnection($"Data Source={path};Pooling=False"))
            {
                await connection.OpenAsync();
                await using var command = connection.CreateCommand();
                command.CommandText = $"INSERT INTO stock_schema_version (version) VALUES ({newer})";
                await command.ExecuteNonQueryAsync();
            }

            using var host = Host(s =>
            {
                s.AddLogging();
                s.AddStockGuard().UseSqlite($"Data Source={path};Pooling=False", o => o.AutoCreateSchema = false).VerifySchemaOnStartup();
                s.AddHealthChecks().AddStockGuard();
            });
            await host.StartAsync();
            var report = await host.Services.GetRequiredService<HealthCheckService>().CheckHealthAsync(c => c.Name == StockGuardHealthChecks.Schema);
            await host.StopAsync();

            var entry = report.Entries[StockGuardHealthChecks.Schema];
            entry.Status.Should().Be(HealthStatus.Healthy, entry.Description);
            entry.Description.Should().Contain($"version {newer}, newer than this library's {newer - 1}");
        }
        finally
        {
            File.Delete(path);
        }
    }

    private static IHost Host(Action<IServiceCollection> configure)
    {
        var builder = Microsoft.Extensions.Hosting.Host.CreateEmptyApplicationBuilder(new HostApplicationBuilderSettings());
        configure(builder.Services);
        return builder.Build();
    }
}
