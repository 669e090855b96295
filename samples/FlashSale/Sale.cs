using System.Diagnostics;
using Microsoft.Extensions.DependencyInjection;
using StockGuard;
using StockGuard.Changes;

namespace FlashSale;

/// <summary>The sale itself: stock the items, let the buyers loose, let abandoned holds expire, check every item.</summary>
internal static class Sale
{
    public static async Task<int> RunAsync(SaleSettings settings, CancellationToken cancellationToken)
    {
        // Each run has its own SKUs and order numbers, and on a server its own schema, dropped at the end.
        var run = Guid.NewGuid().ToString("N")[..8];
        var services = new ServiceCollection();
        var stockGuard = services.AddStockGuard(o => o.EnableSweeper = false);
        await using var database = Stores.Configure(stockGuard, settings, run);
        await using var provider = services.BuildServiceProvider();
        var store = provider.GetRequiredService<IStockStore>();

        // The sale's items: one hot SKU everybody wants, and a few others bought in bundles with it.
        var skus = Enumerable.Range(0, settings.Skus).Select(i => new StockKey($"FLASH-{run}-{i:D2}")).ToArray();

        // Every store is a change feed: a reader follows the sale as it happens, as a shop's ERP or search index would.
        var audit = await FeedAudit.StartAsync(provider.GetRequiredService<IStockChangeFeed>(), skus, cancellationToken);
        await store.ReceiveAsync(new ReceiveRequest(skus.Select(k => new StockLine(k, settings.Stock))) { Reference = "opening stock" }, cancellationToken);
        database.Stocked = true;

        Console.WriteLine(
            $"Flash sale on the {Stores.Describe(settings)}: {settings.Buyers:N0} buyers, at most {Math.Min(settings.Concurrency, settings.Buyers):N0} " +
            $"shopping at the same time, {settings.Stock:N0} units of each of {skus.Length} items.");
        var tally = new SaleTally(skus);
        var stopwatch = Stopwatch.StartNew();
        using (var progress = new ProgressLine(tally, settings.Buyers))
        {
            var selling = Parallel.ForEachAsync(
                Enumerable.Range(0, settings.Buyers),
                new ParallelOptions { MaxDegreeOfParallelism = settings.Concurrency, CancellationToken = cancellationToken },
                async (buyer, ct) => await Buyer.ShopAsync(store, skus, $"{run}-{buyer}", settings.HoldTimeToLive, tally, ct));
            var following = audit.FollowAsync(selling, cancellationToken);
            await selling;
            await following;
            stopwatch.Stop();
            progress.Finish();
        }

        // Abandoned carts: their holds expire on their own; the sweep then gives every unit back.
        await Task.Delay(settings.HoldTimeToLive, cancellationToken);
        var swept = await store.SweepAsync(cancellationToken);

        var levels = await store.GetLevelsAsync(skus, cancellationToken);
        await audit.CatchUpAsync(cancellationToken);
        var report = new SaleReport(settings.Stock, skus, tally, levels, swept.ExpiredHolds, stopwatch.Elapsed, audit);
        report.Print(Console.Out);
        return report.Violations.Count == 0 ? 0 : 1;
    }
}
