using Microsoft.Extensions.DependencyInjection;
using StockGuard.DependencyInjection;

namespace FlashSale;

/// <summary>The stores the sale can run on.</summary>
internal static class Stores
{
    public const string Default = "inmemory";

    public static readonly string[] Names = ["inmemory"];

    public static void Configure(IStockGuardBuilder builder, SaleSettings settings)
    {
        switch (settings.Store)
        {
            case "inmemory":
                builder.UseInMemory();
                break;
            default:
                throw new ArgumentException($"Unknown store '{settings.Store}'. Known: {string.Join(", ", Names)}.");
        }
    }

    public static string Describe(SaleSettings settings) => settings.Store switch
    {
        "inmemory" => "in-memory store",
        _ => settings.Store,
    };
}
