using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using FluentAssertions;
using NUnit.Framework;
using Shop;

namespace StockGuard.Shop.Tests;

/// <summary>The shop's API without a browser: conditional stock reads and the answers to bad requests.</summary>
[TestFixture]
[NonParallelizable]
public sealed class ShopApiTests
{
    [Test]
    public async Task The_stock_etag_changes_when_a_hold_expires_before_any_sweep()
    {
        await using var shop = await ShopServer.StartAsync([Product("LAST-1", stock: 1)], sweeper: false);
        using var http = new HttpClient { BaseAddress = shop.Address };
        (await http.PostAsJsonAsync("/api/cart/holds", new { sku = "LAST-1", quantity = 1 })).StatusCode.Should().Be(HttpStatusCode.Created);

        using var held = await http.GetAsync(new Uri("/api/stock", UriKind.Relative));
        var tag = held.Headers.ETag!;
        (await StockAsync(held)).Should().Be("LAST-1 0 OutOfStock");
        using var unchanged = await GetAsync(http, tag);
        unchanged.StatusCode.Should().Be(HttpStatusCode.NotModified);

        shop.Clock.Advance(TimeSpan.FromMinutes(10) + TimeSpan.FromSeconds(1));

        using var expired = await GetAsync(http, tag);
        expired.StatusCode.Should().Be(HttpStatusCode.OK);
        expired.Headers.ETag.Should().NotBe(tag);
        (await StockAsync(expired)).Should().Be("LAST-1 1 Low");
        var level = await shop.Store.GetLevelAsync(new StockKey("LAST-1"));
        (level!.OnHand, level.Reserved, level.Available).Should().Be((1, 0, 1));
    }

    [Test]
    public async Task Bad_requests_are_problems_that_change_nothing()
    {
        await using var shop = await ShopServer.StartAsync([Product("KB-75", stock: 2)]);
        using var http = new HttpClient { BaseAddress = shop.Address };

        await ProblemAsync(await http.PostAsJsonAsync("/api/cart/holds", new { sku = "NOPE", quantity = 1 }), HttpStatusCode.NotFound, "Unknown product");
        await ProblemAsync(await http.PostAsJsonAsync("/api/cart/holds", new { sku = "KB-75", quantity = 0 }), HttpStatusCode.BadRequest, null);
        await ProblemAsync(await http.PostAsJsonAsync("/api/cart/holds", new { sku = "KB-75", quantity = 3 }), HttpStatusCode.Conflict, "Not enough stock");
        await ProblemAsync(await http.PostAsJsonAsync("/api/orders", new { sku = "KB-75", quantity = 1 }), HttpStatusCode.BadRequest, "Invalid Idempotency-Key header");
        await ProblemAsync(await http.DeleteAsync(new Uri($"/api/cart/holds/{Guid.NewGuid()}", UriKind.Relative)), HttpStatusCode.NotFound, "Unknown hold");

        using var first = Order("order-1", quantity: 1);
        (await http.SendAsync(first)).StatusCode.Should().Be(HttpStatusCode.OK);
        using var other = Order("order-1", quantity: 2);
        await ProblemAsync(await http.SendAsync(other), HttpStatusCode.UnprocessableEntity, "Idempotency key reused for a different request");

        var level = await shop.Store.GetLevelAsync(new StockKey("KB-75"));
        (level!.OnHand, level.Reserved, level.Available).Should().Be((1, 0, 1));
    }

    [Test]
    public async Task A_hold_released_while_the_card_is_being_authorized_is_not_sold_and_the_payment_is_voided()
    {
        await using var shop = await ShopServer.StartAsync([Product("CAM-4K", stock: 1)], p => p.Delay = TimeSpan.FromSeconds(5));
        using var http = new HttpClient { BaseAddress = shop.Address };
        using var created = await http.PostAsJsonAsync("/api/cart/holds", new { sku = "CAM-4K", quantity = 1 });
        created.StatusCode.Should().Be(HttpStatusCode.Created);
        var holdId = Guid.Parse(created.Headers.Location!.OriginalString.Split('/')[^1]);
        var pending = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        shop.Payments.AnswerPending += (_, _) => pending.TrySetResult();

        var checkout = http.PostAsJsonAsync("/api/checkout", new { holds = new[] { holdId } });
        await pending.Task.WaitAsync(TimeSpan.FromSeconds(30));
        // Another tab empties the cart while the card provider thinks.
        (await shop.Store.ReleaseAsync(holdId)).Outcome.Should().Be(HoldOutcome.Released);
        shop.Clock.Advance(TimeSpan.FromSeconds(5));
        using var answer = await checkout;

        answer.StatusCode.Should().Be(HttpStatusCode.Conflict);
        (await answer.Content.ReadAsStringAsync()).Should().Contain("TooLate");
        (shop.Payments.CapturedCents, shop.Payments.VoidedCents).Should().Be((0, 1000), "nothing was sold, so the whole authorization is given back");
        var level = await shop.Store.GetLevelAsync(new StockKey("CAM-4K"));
        (level!.OnHand, level.Reserved, level.Available).Should().Be((1, 0, 1));
    }

    private static HttpRequestMessage Order(string key, int quantity) => new(HttpMethod.Post, "/api/orders")
    {
        Headers = { { "Idempotency-Key", key } },
        Content = JsonContent.Create(new { sku = "KB-75", quantity }),
    };

    private static async Task<HttpResponseMessage> GetAsync(HttpClient http, EntityTagHeaderValue tag)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, "/api/stock") { Headers = { IfNoneMatch = { tag } } };
        return await http.SendAsync(request);
    }

    private static async Task<string> StockAsync(HttpResponseMessage response)
    {
        using var json = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        return string.Join(", ", json.RootElement.EnumerateArray().Select(s => $"{s.GetProperty("sku").GetString()} {s.GetProperty("available").GetInt64()} {s.GetProperty("status").GetString()}"));
    }

    private static async Task ProblemAsync(HttpResponseMessage response, HttpStatusCode status, string? title)
    {
        using (response)
        {
            response.StatusCode.Should().Be(status);
            response.Content.Headers.ContentType!.MediaType.Should().Be("application/problem+json");
            if (title is not null)
            {
                using var json = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
                json.RootElement.GetProperty("title").GetString().Should().Be(title);
            }
        }
    }

    private static Product Product(string sku, int stock) => new()
    {
        Sku = sku,
        Name = sku,
        PriceCents = 1000,
        InitialStock = stock,
        LowStockThreshold = 1,
    };
}
