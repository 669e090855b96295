using System.Net.Http.Json;
using System.Text.Json;
using FluentAssertions;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Time.Testing;
using StockGuard.DependencyInjection;

namespace StockGuard.AspNetCore.Tests;

/// <summary>The body of the test shop's buy-now and receive endpoints.</summary>
public sealed record OrderBody(StockLine[] Lines, string? Reference = null);

/// <summary>
/// A small shop on the package, the way an app would write it: catalog reads and cart holds mapped by the package,
/// buy-now with an Idempotency-Key and an admin receipt of its own, health checks, the schema created at start-up.
/// </summary>
public sealed class TestShop : IAsyncDisposable
{
    private TestShop(WebApplication app, FakeTimeProvider time)
    {
        App = app;
        Time = time;
        Client = app.GetTestClient();
    }

    public WebApplication App { get; }

    public FakeTimeProvider Time { get; }

    public HttpClient Client { get; }

    /// <summary>Lets a test hold the buy-now endpoint open between reading the key and calling the store.</summary>
    public Gate? BuyGate { get; set; }

    public IStockStore Store => App.Services.GetRequiredService<IStockStore>();

    public static async Task<TestShop> StartAsync(IApiStore store, Action<IStockGuardBuilder>? configure = null, bool autoCreateSchema = true, Action<StockGuardOptions>? options = null)
    {
        var time = new FakeTimeProvider(new DateTimeOffset(2026, 11, 30, 18, 0, 0, TimeSpan.Zero));
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseTestServer();
        builder.Logging.ClearProviders();
        builder.Services.AddSingleton<TimeProvider>(time);
        var stock = builder.Services.AddStockGuard(o =>
        {
            o.SweepInterval = TimeSpan.FromMinutes(1);
            options?.Invoke(o);
        });
        store.Use(stock, autoCreateSchema);
        stock.AddAspNetCore();
        configure?.Invoke(stock);
        builder.Services.AddHealthChecks().AddStockGuard();

        var app = builder.Build();
        TestShop? shop = null;
        app.UseExceptionHandler();
        app.MapStockLevels();
        app.MapStockHolds();
        app.MapPost("/buy", async (OrderBody body, HttpContext http, IStockStore stock, CancellationToken cancellationToken) =>
        {
            if (shop!.BuyGate is { } gate)
            {
                await gate.PassAsync();
            }

            var request = new DeductRequest(body.Lines) { IdempotencyKey = http.GetIdempotencyKey(), Reference = body.Reference };
            return StockResults.Change(await stock.DeductAsync(request, cancellationToken));
        }).WithIdempotencyKey();
        app.MapPost("/admin/receive", async (OrderBody body, HttpContext http, IStockStore stock, CancellationToken cancellationToken) =>
            StockResults.Change(await stock.ReceiveAsync(new ReceiveRequest(body.Lines) { IdempotencyKey = http.GetIdempotencyKey() }, cancellationToken)))
            .WithIdempotencyKey(required: false);
        app.MapPost("/buy-one", async (string sku, int quantity, IStockStore stock, CancellationToken cancellationToken) =>
            StockResults.Change(await stock.DeductAsync(new DeductRequest(new StockLine(sku, quantity)), cancellationToken)));
        app.MapGet("/throw/{what}", (string what) => what switch
        {
            "busy" => throw new StockStoreBusyException(new StockKey("HOT"), 64),
            "timeout" => throw new StockStoreTimeoutException("A lock wait timed out. Nothing was changed.", null),
            "transient" => throw new StockStoreException("The connection broke. Nothing was changed.", null, isTransient: true),
            "unknown" => throw new StockStoreException("The connection broke while committing.", null, isTransient: true, outcomeUnknown: true),
            "config" => throw new StockStoreException("The schema 'shop' is missing (relation \"shop.stock_items\" does not exist).", null, isTransient: false),
            "conflict" => throw new ConcurrencyConflictException(5),
            "version" => throw new StockVersionConflictException(new StockKey("A"), 3, 4),
            "expired" => throw new StockGuard.Changes.StockChangePositionExpiredException(new StockGuard.Changes.StockChangePosition(0, 7), new StockGuard.Changes.StockChangePosition(0, 90)),
            "policy" => throw new AllocationPolicyException("nearest-first", "it chose a location that was not a candidate"),
            "app-bug" => throw new ArgumentException("The app's own bug.", nameof(what)),
            _ => Results.Ok(),
        });
        app.MapHealthChecks("/health");

        await app.StartAsync();
        shop = new TestShop(app, time);
        return shop;
    }

    public async Task ReceiveAsync(string sku, int quantity) =>
        (await Store.ReceiveAsync(new ReceiveRequest(new StockLine(sku, quantity)))).Succeeded.Should().BeTrue();

    public Task<HttpResponseMessage> BuyAsync(string? idempotencyKey, params StockLine[] lines)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, "/buy") { Content = JsonContent.Create(new OrderBody(lines), options: JsonSerializerOptions.Web) };
        if (idempotencyKey is not null)
        {
            request.Headers.TryAddWithoutValidation(IdempotencyKeyHeader.Name, idempotencyKey);
        }

        return Client.SendAsync(request);
    }

    public static async Task<JsonElement> ProblemAsync(HttpResponseMessage response, int status, string type)
    {
        var text = await response.Content.ReadAsStringAsync();
        ((int)response.StatusCode).Should().Be(status, text);
        response.Content.Headers.ContentType?.MediaType.Should().Be("application/problem+json", text);
        var problem = JsonDocument.Parse(text).RootElement;
        problem.GetProperty("type").GetString().Should().Be(type, text);
        problem.GetProperty("status").GetInt32().Should().Be(status);
        return problem;
    }

    public static async Task<JsonElement> JsonAsync(HttpResponseMessage response, int status)
    {
        var text = await response.Content.ReadAsStringAsync();
        ((int)response.StatusCode).Should().Be(status, text);
        return JsonDocument.Parse(text).RootElement;
    }

    public async ValueTask DisposeAsync()
    {
        Client.Dispose();
        await App.StopAsync();
        await App.DisposeAsync();
    }
}

/// <summary>Holds a request inside the endpoint until the test opens it.</summary>
public sealed class Gate
{
    private readonly TaskCompletionSource _entered = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly TaskCompletionSource _open = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public Task Entered => _entered.Task;

    public void Open() => _open.TrySetResult();

    public async Task PassAsync()
    {
        _entered.TrySetResult();
        await _open.Task;
    }
}
