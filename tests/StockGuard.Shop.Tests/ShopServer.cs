using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Time.Testing;
using Shop;
using StockGuard.DependencyInjection;

namespace StockGuard.Shop.Tests;

/// <summary>
/// The shop on a real Kestrel at a random loopback port, on a SQLite file in a temporary folder, with a fake clock the
/// test advances to make holds expire (the store's reads, its hosted sweeper and the payment provider all take their
/// time from it).
/// </summary>
internal sealed class ShopServer : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly DirectoryInfo _folder;

    private ShopServer(WebApplication app, DirectoryInfo folder, FakeTimeProvider clock)
    {
        _app = app;
        _folder = folder;
        Clock = clock;
        var addresses = app.Services.GetRequiredService<IServer>().Features.GetRequiredFeature<IServerAddressesFeature>().Addresses;
        Address = new Uri(addresses.Single());
    }

    public static readonly DateTimeOffset Start = new(2026, 11, 30, 12, 0, 0, TimeSpan.Zero);

    /// <summary>The shop's clock.</summary>
    public FakeTimeProvider Clock { get; }

    /// <summary>Where the shop listens, e.g. http://127.0.0.1:41234/.</summary>
    public Uri Address { get; }

    /// <summary>The shop's simulated card provider.</summary>
    public PaymentGateway Payments => _app.Services.GetRequiredService<PaymentGateway>();

    /// <summary>The shop's store, to check what the pages show against the stock itself.</summary>
    public IStockStore Store => _app.Services.GetRequiredService<IStockStore>();

    /// <summary>Starts a shop; <paramref name="products"/> replace the catalog of appsettings.json when given.</summary>
    /// <param name="products">The catalog; appsettings.json's when <see langword="null"/>.</param>
    /// <param name="payment">Changes the card provider's settings: approved at once otherwise.</param>
    /// <param name="sweeper">Whether the hosted sweeper releases expired holds; without it only reads leave them out.</param>
    public static async Task<ShopServer> StartAsync(Product[]? products = null, Action<PaymentOptions>? payment = null, bool sweeper = true)
    {
        var folder = Directory.CreateTempSubdirectory("stockguard-shop-");
        var clock = new FakeTimeProvider(Start);
        var app = ShopApp.Create(
            [
                "--urls", "http://127.0.0.1:0",
                "--ConnectionStrings:Sqlite", $"Data Source={Path.Combine(folder.FullName, "shop.db")}",
                "--Shop:PollInterval", "00:00:00.100",
                "--Shop:HoldTime", "00:10:00",
            ],
            builder =>
            {
                builder.Logging.ClearProviders();
                builder.Services.AddSingleton<TimeProvider>(clock);
                builder.Services.PostConfigure<ShopOptions>(o =>
                {
                    if (products is not null)
                    {
                        o.Products = [.. products];
                    }
                });
                builder.Services.PostConfigure<StockGuardOptions>(o => o.EnableSweeper = sweeper);
                builder.Services.PostConfigure<PaymentOptions>(o =>
                {
                    // Approved at once unless the test says otherwise: a payment delay would wait on the fake clock.
                    o.Delay = TimeSpan.Zero;
                    o.DeclineRate = 0;
                    o.LateRate = 0;
                    payment?.Invoke(o);
                });
            });
        await app.StartAsync();
        return new ShopServer(app, folder, clock);
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
        SqliteConnection.ClearAllPools();
        _folder.Delete(recursive: true);
    }
}
