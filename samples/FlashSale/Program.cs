// A flash sale: 5,000 buyers (256 shopping at the same time) against a limited stock, through the buy-now path and
// the reserve → pay → confirm path, with some carts abandoned so that their holds expire. It prints what was
// received, sold, refused and left, item by item, and exits with 1 if any invariant broke on any item, with 2 on a
// bad command line or a store that cannot be used (one line on standard error), with 0 otherwise.
//
//   dotnet run -c Release --project samples/FlashSale -- [--store sqlite|inmemory|postgres|mysql] [--strategy coalescing|atomic|…]
//       [--connection "…"] [--buyers 5000] [--concurrency 256] [--stock 1000] [--waitlist]
//   dotnet run -c Release --project samples/FlashSale -- --help
//
// The database stores run the Coalescing strategy by default: the buy-now orders for the hot item that arrive
// together are sold by one transaction each, which is what a flash sale needs.
//
// --waitlist runs a launch through the waitlist instead (docs/backorders.md): every buyer joins the queue of a sold-out
// item, the stock arrives in slices while buy-now buyers hammer the item, claims are bought or left to lapse, and the
// report shows (and checks) that the units went out in queue order and that nobody jumped the queue.
using System.CommandLine.Invocation;
using System.Data.Common;
using FlashSale;
using Microsoft.Extensions.Options;
using StockGuard;

var parsed = SaleSettings.Command(RunAsync).Parse(args);
if (parsed.Action is ParseErrorAction)
{
    Console.Error.WriteLine($"flashsale: {OneLine(parsed.Errors[0].Message)} See --help.");
    return 2;
}

return await parsed.InvokeAsync();

static async Task<int> RunAsync(SaleSettings settings, CancellationToken cancellationToken)
{
    try
    {
        return settings.Waitlist
            ? await WaitlistSale.RunAsync(settings, cancellationToken)
            : await Sale.RunAsync(settings, cancellationToken);
    }
    catch (Exception ex) when (ex is StockStoreException or OptionsValidationException or ArgumentException or DbException)
    {
        // A store that cannot be reached or used, or a malformed connection string: the store's message names the cause.
        Console.Error.WriteLine($"flashsale: {OneLine(ex.Message)}");
        return 2;
    }
}

static string OneLine(string message) => string.Join(' ', message.Split(['\r', '\n', '\t'], StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries));
