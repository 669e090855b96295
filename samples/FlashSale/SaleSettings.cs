using StockGuard;

namespace FlashSale;

/// <summary>The command line: which store, how many buyers and how much stock.</summary>
internal sealed record SaleSettings(string Store, int Buyers, int Concurrency, int Stock, int Skus, TimeSpan HoldTimeToLive, string? ConnectionString, ConcurrencyStrategy Strategy)
{
    public static SaleSettings? Parse(string[] args)
    {
        var settings = new SaleSettings(Stores.Default, 5000, 256, 1000, 4, TimeSpan.FromMilliseconds(500), null, ConcurrencyStrategy.Coalescing);
        for (var i = 0; i < args.Length; i++)
        {
            var value = i + 1 < args.Length ? args[i + 1] : null;
            switch (args[i])
            {
                case "--store" when value is not null: settings = settings with { Store = value }; i++; break;
                case "--buyers" when int.TryParse(value, out var n) && n > 0: settings = settings with { Buyers = n }; i++; break;
                case "--concurrency" when int.TryParse(value, out var n) && n > 0: settings = settings with { Concurrency = n }; i++; break;
                case "--stock" when int.TryParse(value, out var n) && n > 0: settings = settings with { Stock = n }; i++; break;
                case "--connection" when value is not null: settings = settings with { ConnectionString = value }; i++; break;
                case "--strategy" when Enum.TryParse<ConcurrencyStrategy>(value, ignoreCase: true, out var s) && Enum.IsDefined(s): settings = settings with { Strategy = s }; i++; break;
                default:
                    Console.Error.WriteLine($"""
                        Unknown or incomplete option '{args[i]}'.
                        Options: --store {string.Join('|', Stores.Names)}  --buyers N  --concurrency N  --stock N  --strategy atomic|pessimistic|optimistic|coalescing  --connection "…"
                        """);
                    return null;
            }
        }

        return settings;
    }
}
