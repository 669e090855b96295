using System.Globalization;
using StockGuard;

namespace StockGuard.Soak;

/// <summary>
/// One application server of a fleet selling one hot item with the coalescing strategy (<c>--mode hot</c>): each buyer
/// sends its one-unit deducts one after another, each with a reference of its own (and, with <c>--keyed 1</c>, the
/// same text as its idempotency key), and every answer is printed at once as <c>applied REF</c>, <c>refused REF</c> or
/// <c>error REF Type outcome-unknown|nothing-changed</c>, so a test that kills the process still knows what it was told.
/// Ends with <c>done</c>.
/// </summary>
internal static class HotSeller
{
    public static async Task<int> RunAsync(IStockStore store, Func<string, string?, string> option)
    {
        var key = new StockKey(option("sku", null));
        var buyers = int.Parse(option("buyers", "4"), CultureInfo.InvariantCulture);
        var requests = int.Parse(option("requests", "10"), CultureInfo.InvariantCulture);
        var prefix = option("prefix", null);
        var keyed = option("keyed", "0") == "1";
        var output = Console.Out;
        var gate = new Lock();
        var errors = 0;

        void Say(string line)
        {
            lock (gate)
            {
                output.WriteLine(line);
                output.Flush();
            }
        }

        async Task BuyerAsync(int buyer)
        {
            for (var i = 0; i < requests; i++)
            {
                var reference = $"{prefix}-{buyer}-{i}";
                try
                {
                    var result = await store.DeductAsync(new DeductRequest(new StockLine(key, 1))
                    {
                        Reference = reference,
                        IdempotencyKey = keyed ? reference : null,
                        Strategy = ConcurrencyStrategy.Coalescing,
                    });
                    Say($"{(result.Succeeded ? "applied" : "refused")} {reference}");
                }
                catch (StockStoreException ex)
                {
                    Interlocked.Increment(ref errors);
                    Say($"error {reference} {ex.GetType().Name} {(ex.OutcomeUnknown ? "outcome-unknown" : "nothing-changed")}");
                }
            }
        }

        await Task.WhenAll(Enumerable.Range(0, buyers).Select(BuyerAsync));
        Say("done");
        return errors == 0 ? 0 : 1;
    }
}
