using System.Collections.Frozen;
using Microsoft.Extensions.Options;
using StockGuard;

namespace Shop;

/// <summary>The products on sale, by SKU.</summary>
internal sealed class Catalog(IOptions<ShopOptions> options)
{
    private readonly FrozenDictionary<string, Product> _bySku = options.Value.Products.ToFrozenDictionary(p => p.Sku, StringComparer.Ordinal);

    public IReadOnlyList<Product> Products { get; } = options.Value.Products;

    public IReadOnlyList<StockKey> Keys { get; } = [.. options.Value.Products.Select(p => new StockKey(p.Sku))];

    /// <summary>The product of <paramref name="sku"/>, if the catalog has one.</summary>
    public Product? Find(string? sku) => sku is not null && _bySku.TryGetValue(sku, out var product) ? product : null;

    /// <summary>The product of <paramref name="sku"/>, which the store names, so the catalog has it.</summary>
    /// <exception cref="InvalidOperationException">No product has that SKU.</exception>
    public Product Get(string sku) => Find(sku) ?? throw new InvalidOperationException($"The catalog has no product '{sku}'.");

    public long PriceOf(IEnumerable<StockLine> lines) => lines.Sum(l => Get(l.Key.Sku).PriceCents * l.Quantity);
}

/// <summary>
/// Stocks the catalog when the shop starts: a product the store has never seen receives its opening stock (once, by
/// an idempotency key, even when two shop processes start together), and every product gets its low-stock threshold.
/// </summary>
internal sealed class CatalogStocker(Catalog catalog, IStockStore store) : IHostedService
{
    public async Task StartAsync(CancellationToken cancellationToken)
    {
        foreach (var product in catalog.Products)
        {
            var key = new StockKey(product.Sku);
            if (await store.GetLevelAsync(key, cancellationToken) is null && product.InitialStock > 0)
            {
                await store.ReceiveAsync(
                    new ReceiveRequest(new StockLine(key, product.InitialStock)) { IdempotencyKey = $"opening-stock:{product.Sku}", Reference = "opening stock" },
                    cancellationToken);
            }

            var level = await store.GetLevelAsync(key, cancellationToken);
            if (level is null || level.LowStockThreshold != product.LowStockThreshold)
            {
                await store.SetPolicyAsync(key, new StockPolicy(LowStockThreshold: product.LowStockThreshold), cancellationToken);
            }
        }
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
