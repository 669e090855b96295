using System.CommandLine;
using System.CommandLine.Parsing;
using StockGuard;

namespace FlashSale;

/// <summary>The command line: which store, how many buyers and how much stock.</summary>
internal sealed record SaleSettings(string Store, int Buyers, int Concurrency, int Stock, int Skus, TimeSpan HoldTimeToLive, string? ConnectionString, ConcurrencyStrategy Strategy, bool Waitlist = false)
{
    /// <summary>How long a waitlist claim holds its unit in the <c>--waitlist</c> run: short, so that lapses pass on within the run.</summary>
    public TimeSpan ClaimWindow { get; init; } = TimeSpan.FromSeconds(5);

    private static readonly string[] StrategyNames = [.. Enum.GetNames<ConcurrencyStrategy>().Select(n => n.ToLowerInvariant())];

    /// <summary>The sale's command: <c>--help</c> prints the usage; a bad value is one error that names it.</summary>
    public static RootCommand Command(Func<SaleSettings, CancellationToken, Task<int>> sale)
    {
        var store = new Option<string>("--store")
        {
            Description = "The store to sell from; sqlite needs no server.",
            HelpName = string.Join('|', Stores.Names),
            DefaultValueFactory = _ => Stores.Default,
        };
        store.CompletionSources.Add(Stores.Names);
        store.Validators.Add(result =>
        {
            var value = result.GetValueOrDefault<string>();
            if (!Stores.Names.Contains(value, StringComparer.Ordinal))
            {
                result.AddError($"Unknown store '{value}' for --store; use one of {string.Join(", ", Stores.Names)}.");
            }
        });

        var strategy = new Option<ConcurrencyStrategy>("--strategy")
        {
            Description = "The concurrency strategy of a database store.",
            HelpName = string.Join('|', StrategyNames),
            DefaultValueFactory = _ => ConcurrencyStrategy.Coalescing,
            CustomParser = result =>
            {
                var token = result.Tokens.Count > 0 ? result.Tokens[^1].Value : string.Empty;
                var index = Array.FindIndex(StrategyNames, n => string.Equals(n, token, StringComparison.OrdinalIgnoreCase));
                if (index < 0)
                {
                    result.AddError($"Unknown strategy '{token}' for --strategy; use one of {string.Join(", ", StrategyNames)}.");
                    return default;
                }

                return Enum.GetValues<ConcurrencyStrategy>()[index];
            },
        };
        strategy.CompletionSources.Add(StrategyNames);

        var buyers = Count("--buyers", 5000, "How many buyers shop, in all.");
        var concurrency = Count("--concurrency", 256, "How many buyers shop at the same time.");
        var stock = Count("--stock", 1000, "Units of each item on sale.");
        var connection = new Option<string?>("--connection")
        {
            Description = "The connection string of a server store (default: the local test server).",
            HelpName = "connection string",
        };

        var waitlist = new Option<bool>("--waitlist")
        {
            Description = "A launch through the waitlist instead: every buyer joins a sold-out item's queue, the stock arrives in slices while " +
                "buy-now buyers hammer the item, claims are bought or left to lapse, and the run checks that units went out in queue order.",
        };

        var command = new RootCommand("A flash sale: many buyers at once against a limited stock, through buy-now and reserve → pay → confirm, with abandoned carts.")
        {
            store, strategy, buyers, concurrency, stock, connection, waitlist,
        };
        command.SetAction((result, ct) => sale(
            new SaleSettings(
                result.GetRequiredValue(store),
                result.GetRequiredValue(buyers),
                result.GetRequiredValue(concurrency),
                result.GetRequiredValue(stock),
                Skus: 4,
                TimeSpan.FromMilliseconds(500),
                result.GetValue(connection),
                result.GetRequiredValue(strategy),
                result.GetValue(waitlist)),
            ct));
        return command;
    }

    private static Option<int> Count(string name, int defaultValue, string description) => new(name)
    {
        Description = description,
        HelpName = "N",
        DefaultValueFactory = _ => defaultValue,
        CustomParser = result =>
        {
            var token = result.Tokens.Count > 0 ? result.Tokens[^1].Value : string.Empty;
            if (int.TryParse(token, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var n) && n > 0)
            {
                return n;
            }

            result.AddError($"Bad value '{token}' for {name}: a whole number from 1 to {int.MaxValue:N0}.");
            return default;
        },
    };
}
