// A flash sale: thousands of buyers at once against a limited stock, through the buy-now path and the
// reserve → pay → confirm path, with some carts abandoned so that their holds expire. It prints what was
// received, sold, refused and left, and exits with 1 if any invariant broke.
//
//   dotnet run -c Release --project samples/FlashSale -- [--store inmemory|sqlite|postgres|mysql] [--strategy coalescing|atomic|…]
//       [--connection "…"] [--buyers 5000] [--stock 1000]
//
// The database stores run the Coalescing strategy by default: the buy-now orders for the hot item that arrive
// together are sold by one transaction each, which is what a flash sale needs.
using System.Diagnostics;
using FlashSale;
using Microsoft.Extensions.DependencyInjection;
using StockGuard;

var settings = SaleSettings.Parse(args);
if (settings is null)
{
    return 2;
}

var services = new ServiceCollection();
var stockGuard = services.AddStockGuard(o => o.EnableSweeper = false);
using var database = Stores.Configure(stockGuard, settings);
await using var provider = services.BuildServiceProvider();
var store = provider.GetRequiredService<IStockStore>();

// The sale's items: one hot SKU everybody wants, and a few others bought in bundles with it.
// Each run has its own SKUs and order numbers, so runs against a server database never see each other's.
var run = Guid.NewGuid().ToString("N")[..8];
var skus = Enumerable.Range(0, settings.Skus).Select(i => new StockKey($"FLASH-{run}-{i:D2}")).ToArray();
await store.ReceiveAsync(new ReceiveRequest(skus.Select(k => new StockLine(k, settings.Stock))) { Reference = "opening stock" });
var received = (long)settings.Stock * skus.Length;

Console.WriteLine($"Flash sale on the {Stores.Describe(settings)}: {settings.Buyers:N0} buyers, {settings.Concurrency} at a time, {settings.Stock:N0} units of each of {skus.Length} items.");
var tally = new SaleTally();
var stopwatch = Stopwatch.StartNew();
using var progress = new ProgressLine(tally, settings.Buyers);

await Parallel.ForEachAsync(
    Enumerable.Range(0, settings.Buyers),
    new ParallelOptions { MaxDegreeOfParallelism = settings.Concurrency },
    async (buyer, ct) => await Buyer.ShopAsync(store, skus, $"{run}-{buyer}", settings.HoldTimeToLive, tally, ct));

stopwatch.Stop();
progress.Finish();

// Abandoned carts: their holds expire on their own; the sweep then gives every unit back.
await Task.Delay(settings.HoldTimeToLive);
var swept = await store.SweepAsync();

var levels = await store.GetLevelsAsync(skus);
var left = levels.Sum(l => l.OnHand);
var reserved = levels.Sum(l => l.Reserved);
var report = new SaleReport(received, tally, left, reserved, swept.ExpiredHolds, stopwatch.Elapsed);
report.Print(Console.Out);
return report.Violations.Count == 0 ? 0 : 1;
