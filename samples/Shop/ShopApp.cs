using Microsoft.Extensions.Options;

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

        // The schema is made before the catalog is stocked and before the first buyer comes; StockGuard's errors are
        // answered as problem details, Idempotency-Key headers are read and checked, and enums are written by name.
        stock.EnsureSchemaOnStartup().AddAspNetCore();
        builder.Services.AddHealthChecks().AddStockGuard();

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
