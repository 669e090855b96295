using System.Text.Json.Serialization;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Options;
using StockGuard;

namespace Shop;

/// <summary>Builds the shop: the store the configuration names, the catalog, the API and the pages.</summary>
internal static class ShopApp
{
    /// <summary>The loopback PostgreSQL that eng/servers.sh starts; <c>ConnectionStrings:Postgres</c> names another.</summary>
    public const string PostgresDefault = "Host=127.0.0.1;Port=5432;Username=stockguard;Password=stockguard;Database=stockguard";

    /// <summary>The PostgreSQL schema of the shop's tables.</summary>
    public const string PostgresSchema = "shop";

    /// <summary>
    /// Creates the shop. <paramref name="configure"/> runs last, before the app is built: tests use it to choose the
    /// port and the database file and to put in a fake clock.
    /// </summary>
    public static WebApplication Create(string[] args, Action<WebApplicationBuilder>? configure = null)
    {
        var builder = WebApplication.CreateBuilder(new WebApplicationOptions
        {
            Args = args,
            // The pages and settings are copied beside the program, so the shop starts the same from any folder.
            ContentRootPath = AppContext.BaseDirectory,
        });
        builder.Configuration.AddCommandLine(args, new Dictionary<string, string> { ["--store"] = "Shop:Store" });

        builder.Services.AddOptions<ShopOptions>()
            .Bind(builder.Configuration.GetSection(ShopOptions.Section))
            .ValidateDataAnnotations()
            .Validate(o => o.Products.Select(p => p.Sku).Distinct(StringComparer.Ordinal).Count() == o.Products.Count, "Shop:Products has two products with one SKU.")
            .ValidateOnStart();
        builder.Services.AddOptions<PaymentOptions>()
            .Bind(builder.Configuration.GetSection(PaymentOptions.Section))
            .ValidateDataAnnotations()
            .ValidateOnStart();

        var stock = builder.Services.AddStockGuard();
        var store = builder.Configuration[$"{ShopOptions.Section}:{nameof(ShopOptions.Store)}"] ?? "sqlite";
        switch (store)
        {
            case "sqlite":
                stock.UseSqlite(builder.Configuration.GetConnectionString("Sqlite") ?? $"Data Source={Path.Combine(AppContext.BaseDirectory, "shop.db")}");
                break;
            case "postgres":
                stock.UsePostgreSql(builder.Configuration.GetConnectionString("Postgres") ?? PostgresDefault, o => o.Schema = PostgresSchema);
                break;
            default:
                throw new OptionsValidationException(ShopOptions.Section, typeof(ShopOptions), [$"Shop:Store is '{store}'; use 'sqlite' or 'postgres'."]);
        }

        builder.Services.ConfigureHttpJsonOptions(o => o.SerializerOptions.Converters.Add(new JsonStringEnumConverter()));
        builder.Services.AddProblemDetails();
        builder.Services.AddExceptionHandler<StockProblems>();
        builder.Services.AddHealthChecks().AddCheck<StockStoreHealthCheck>("stock-store");

        builder.Services.AddSingleton<Catalog>();
        builder.Services.AddSingleton<OrderBook>();
        builder.Services.AddSingleton<PaymentGateway>();
        builder.Services.AddSingleton<Checkout>();
        builder.Services.AddHostedService<CatalogStocker>();

        configure?.Invoke(builder);

        var app = builder.Build();
        app.UseExceptionHandler();
        app.UseStatusCodePages();
        app.UseDefaultFiles();
        app.UseStaticFiles();
        app.MapHealthChecks("/healthz");
        app.MapShop();
        return app;
    }
}

/// <summary>Healthy while the store answers a read.</summary>
internal sealed class StockStoreHealthCheck(IStockStore store, Catalog catalog) : IHealthCheck
{
    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        try
        {
            await store.GetLevelsAsync(catalog.Keys.Take(1), cancellationToken);
            return HealthCheckResult.Healthy();
        }
        catch (StockStoreException ex)
        {
            return HealthCheckResult.Unhealthy("The stock store does not answer.", ex);
        }
    }
}
