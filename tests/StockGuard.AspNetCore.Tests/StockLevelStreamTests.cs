using System.Net;
using System.Text.Json;
using FluentAssertions;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using NUnit.Framework;
using StockGuard.Changes;
using StockGuard.DependencyInjection;

namespace StockGuard.AspNetCore.Tests;

/// <summary>The level stream over a real store and its real change feed, on the system clock.</summary>
public abstract class StockLevelStreamTests
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(20);

    private IApiStore _store = null!;
    private WebApplication? _app;
    private TaskCompletionSource _streamsEnded = null!;

    protected abstract IApiStore CreateStore();

    [SetUp]
    public void CreateDatabase() => _store = CreateStore();

    [TearDown]
    public async Task Cleanup()
    {
        if (_app is not null)
        {
            await _app.DisposeAsync();
            _app = null;
        }

        await _store.DisposeAsync();
    }

    [Test]
    public async Task A_client_gets_the_level_now_then_the_level_after_a_sale_with_its_position_as_id()
    {
        var (client, stock) = await StartAsync();
        await stock.ReceiveAsync(new ReceiveRequest(new StockLine("A", 5)));
        await stock.ReceiveAsync(new ReceiveRequest(new StockLine("B", 9)));

        using var events = await SseReader.OpenAsync(client, "/stock/levels/A/events");
        var first = await events.NextAsync().WaitAsync(Patience);
        await stock.DeductAsync(new DeductRequest(new StockLine("B", 1)));
        await stock.DeductAsync(new DeductRequest(new StockLine("A", 2)));
        var second = await events.NextAsync().WaitAsync(Patience);

        var feed = _app!.Services.GetRequiredService<IStockChangeFeed>();
        var sale = (await feed.ReadChangesAsync(StockChangePosition.Start)).Changes.Last();
        first.Level.GetProperty("onHand").GetInt64().Should().Be(5);
        first.Level.GetProperty("key").GetString().Should().Be("A");
        StockChangePosition.Parse(first.Id).Should().BeLessThan(sale.Position);
        second.Id.Should().Be(sale.Position.ToString());
        second.Level.GetProperty("key").GetString().Should().Be("A");
        second.Level.GetProperty("onHand").GetInt64().Should().Be(3);
        second.Level.GetProperty("available").GetInt64().Should().Be(3);
        second.Level.GetProperty("version").GetInt64().Should().Be(sale.LevelAfter!.Version);
    }

    [Test]
    public async Task A_client_resuming_with_Last_Event_ID_gets_only_the_later_changes_of_its_item()
    {
        var (client, stock) = await StartAsync();
        await stock.ReceiveAsync(new ReceiveRequest(new StockLine("A", 5)));

        // The client's last event is the first sale's, with its position as the feed gives it. (The feed's last position
        // right after the sale may still be before it: on PostgreSQL any transaction running on the server holds it back.)
        StockChangePosition seen;
        using (var first = await SseReader.OpenAsync(client, "/stock/levels/A/events"))
        {
            await first.NextAsync().WaitAsync(Patience);
            await stock.DeductAsync(new DeductRequest(new StockLine("A", 1)));
            var sale = await first.NextAsync().WaitAsync(Patience);
            sale.Level.GetProperty("onHand").GetInt64().Should().Be(4);
            seen = StockChangePosition.Parse(sale.Id);
        }

        var feed = _app!.Services.GetRequiredService<IStockChangeFeed>();
        await stock.DeductAsync(new DeductRequest(new StockLine("A", 1)));
        await stock.ReceiveAsync(new ReceiveRequest(new StockLine("B", 9)));
        await stock.DeductAsync(new DeductRequest(new StockLine("A", 2)));

        using var events = await SseReader.OpenAsync(client, "/stock/levels/A/events", seen.ToString());
        var one = await events.NextAsync().WaitAsync(Patience);
        var two = await events.NextAsync().WaitAsync(Patience);

        var later = (await feed.ReadChangesAsync(seen)).Changes.Where(c => c.Key == new StockKey("A")).ToList();
        later.Should().HaveCount(2);
        (one.Id, one.Level.GetProperty("onHand").GetInt64()).Should().Be((later[0].Position.ToString(), 3L));
        (two.Id, two.Level.GetProperty("onHand").GetInt64()).Should().Be((later[1].Position.ToString(), 1L));
    }

    [Test]
    public async Task A_catalog_stream_sends_the_levels_of_the_items_that_exist_then_each_change_of_one_of_them()
    {
        var (client, stock) = await StartAsync();
        await stock.ReceiveAsync(new ReceiveRequest(new StockLine("A", 5), new StockLine("B", 9), new StockLine("C", 1)));

        using var events = await SseReader.OpenAsync(client, "/stock/events?key=A&key=NOPE&key=B");
        var a = await events.NextAsync().WaitAsync(Patience);
        var b = await events.NextAsync().WaitAsync(Patience);
        await stock.DeductAsync(new DeductRequest(new StockLine("C", 1)));
        await stock.DeductAsync(new DeductRequest(new StockLine("B", 4)));
        var sale = await events.NextAsync().WaitAsync(Patience);

        (a.Level.GetProperty("key").GetString(), a.Level.GetProperty("onHand").GetInt64()).Should().Be(("A", 5L));
        (b.Level.GetProperty("key").GetString(), b.Level.GetProperty("onHand").GetInt64(), b.Id).Should().Be(("B", 9L, a.Id));
        (sale.Level.GetProperty("key").GetString(), sale.Level.GetProperty("onHand").GetInt64()).Should().Be(("B", 5L));
        var tooMany = await client.GetAsync("/stock/events?" + string.Join("&", Enumerable.Range(0, 101).Select(i => $"key=S{i}")));
        (await TestShop.ProblemAsync(tooMany, 400, StockProblemTypes.InvalidRequest)).GetProperty("detail").GetString().Should().Contain("101");
    }

    [Test]
    public async Task An_unknown_item_is_404_and_a_Last_Event_ID_that_is_no_position_is_400()
    {
        var (client, _) = await StartAsync();

        var unknown = await client.GetAsync("/stock/levels/NOPE/events");
        using var request = new HttpRequestMessage(HttpMethod.Get, "/stock/levels/A/events");
        request.Headers.Add("Last-Event-ID", "yesterday");
        var bad = await client.SendAsync(request);

        unknown.StatusCode.Should().Be(HttpStatusCode.NotFound);
        (await TestShop.ProblemAsync(bad, 400, StockProblemTypes.InvalidRequest)).GetProperty("detail").GetString().Should().Contain("Last-Event-ID");
    }

    [Test]
    public async Task A_silent_stream_sends_heartbeats_and_ends_when_the_client_goes_away()
    {
        var (client, stock) = await StartAsync();
        await stock.ReceiveAsync(new ReceiveRequest(new StockLine("A", 5)));

        using (var events = await SseReader.OpenAsync(client, "/stock/levels/A/events"))
        {
            await events.NextAsync().WaitAsync(Patience);
            (await events.NextCommentAsync().WaitAsync(Patience)).Should().Be(string.Empty);
            (await events.NextCommentAsync().WaitAsync(Patience)).Should().Be(string.Empty);
        }

        // Disposing the response aborts the request: the stream's loop ends and the request completes.
        await _streamsEnded.Task.WaitAsync(Patience);
    }

    private async Task<(HttpClient Client, IStockStore Stock)> StartAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseTestServer();
        builder.Logging.ClearProviders();
        var stock = builder.Services.AddStockGuard();
        _store.Use(stock, autoCreateSchema: true);
        stock.AddAspNetCore(o =>
        {
            o.StreamPollInterval = TimeSpan.FromMilliseconds(20);
            o.StreamHeartbeat = TimeSpan.FromSeconds(1);
        });
        stock.EnsureSchemaOnStartup();
        _app = builder.Build();
        _streamsEnded = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        _app.Use(async (http, next) =>
        {
            await next(http);
            _streamsEnded.TrySetResult();
        });
        _app.UseExceptionHandler();
        _app.MapStockLevelStream();
        _app.MapStockLevelsStream();
        await _app.StartAsync();
        return (_app.GetTestClient(), _app.Services.GetRequiredService<IStockStore>());
    }
}

/// <summary>Reads a text/event-stream response an event at a time.</summary>
internal sealed class SseReader : IDisposable
{
    private readonly HttpResponseMessage _response;
    private readonly StreamReader _reader;

    private SseReader(HttpResponseMessage response, Stream body)
    {
        _response = response;
        _reader = new StreamReader(body);
    }

    public static async Task<SseReader> OpenAsync(HttpClient client, string path, string? lastEventId = null)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, path);
        if (lastEventId is not null)
        {
            request.Headers.Add("Last-Event-ID", lastEventId);
        }

        var response = await client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead);
        response.StatusCode.Should().Be(HttpStatusCode.OK);
        response.Content.Headers.ContentType!.MediaType.Should().Be("text/event-stream");
        return new SseReader(response, await response.Content.ReadAsStreamAsync());
    }

    /// <summary>The next event, skipping heartbeats.</summary>
    public async Task<(string Id, JsonElement Level)> NextAsync()
    {
        while (true)
        {
            var (comment, id, data) = await ReadBlockAsync();
            if (comment is null)
            {
                return (id!, JsonDocument.Parse(data!).RootElement.Clone());
            }
        }
    }

    /// <summary>The next heartbeat's text; fails on an event.</summary>
    public async Task<string> NextCommentAsync()
    {
        var (comment, id, _) = await ReadBlockAsync();
        comment.Should().NotBeNull($"a heartbeat was expected, not the event {id}");
        return comment!;
    }

    public void Dispose()
    {
        _reader.Dispose();
        _response.Dispose();
    }

    private async Task<(string? Comment, string? Id, string? Data)> ReadBlockAsync()
    {
        string? comment = null, id = null, data = null;
        while (await _reader.ReadLineAsync() is { } line)
        {
            if (line.Length == 0)
            {
                return (comment, id, data);
            }

            if (line.StartsWith(':'))
            {
                comment = line[1..].Trim();
            }
            else if (line.StartsWith("id: ", StringComparison.Ordinal))
            {
                id = line[4..];
            }
            else if (line.StartsWith("data: ", StringComparison.Ordinal))
            {
                data = line[6..];
            }
        }

        throw new EndOfStreamException("The stream ended.");
    }
}

public sealed class SqliteStockLevelStreamTests : StockLevelStreamTests
{
    protected override IApiStore CreateStore() => new SqliteApiStore();
}

public sealed class PostgreSqlStockLevelStreamTests : StockLevelStreamTests
{
    [OneTimeSetUp]
    public Task RequireServer() => PostgreSqlApiStore.RequireServerAsync();

    protected override IApiStore CreateStore() => new PostgreSqlApiStore();

    [Test]
    public async Task A_container_disposes_the_store_it_resolved_as_store_and_feed_without_failing()
    {
        await using var store = CreateStore();
        var services = new ServiceCollection();
        store.Use(services.AddStockGuard(), autoCreateSchema: true);
        var provider = services.BuildServiceProvider();
        var stock = provider.GetRequiredService<IStockStore>();
        provider.GetRequiredService<IStockChangeFeed>().Should().BeSameAs(stock);

        await provider.Invoking(p => p.DisposeAsync().AsTask()).Should().NotThrowAsync();
    }
}
