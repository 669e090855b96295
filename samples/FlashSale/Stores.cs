using Microsoft.Extensions.DependencyInjection;
using StockGuard.DependencyInjection;

namespace FlashSale;

/// <summary>The stores the sale can run on.</summary>
internal static class Stores
{
    public const string Default = "inmemory";

    public static readonly string[] Names = ["inmemory", "sqlite", "mysql"];

    public static void Configure(IStockGuardBuilder builder, SaleSettings settings)
    {
        switch (settings.Store)
        {
            case "inmemory":
                builder.UseInMemory();
                break;
            case "sqlite":
                builder.UseSqlite(settings.ConnectionString ?? "Data Source=flashsale.db");
                break;
            case "mysql":
                builder.UseMySql(settings.ConnectionString ?? "Server=127.0.0.1;Port=3306;User ID=stockguard;Password=stockguard;Database=stockguard");
                break;
            default:
                throw new ArgumentException($"Unknown store '{settings.Store}'. Known: {string.Join(", ", Names)}.");
        }
    }

    public static string Describe(SaleSettings settings) => settings.Store switch
    {
        "inmemory" => "in-memory store",
        "sqlite" => "SQLite store",
        "mysql" => "MySQL store",
        _ => settings.Store,
    };
}
