using System.Text.RegularExpressions;
using FluentAssertions;
using Microsoft.Playwright;
using NUnit.Framework;
using Shop;
using static Microsoft.Playwright.Assertions;

namespace StockGuard.Shop.Tests;

/// <summary>
/// The shop as buyers use it, in Chromium: every wait is on something a page shows (Playwright's expectations retry
/// until it holds), never a sleep; the fake clock is the only thing that moves time.
/// </summary>
[TestFixture]
[NonParallelizable]
public sealed partial class StorefrontTests
{
    private static readonly TimeSpan HoldTime = TimeSpan.FromMinutes(10);

    private IPlaywright? _playwright;
    private IBrowser? _browser;

    private IBrowser Chromium => _browser ?? throw new InvalidOperationException("The browser did not start.");

    [OneTimeSetUp]
    public async Task LaunchBrowser()
    {
        (_playwright, _browser) = await Browser.LaunchAsync();
        // The machine is small and shared: give a page time, not a wrong answer.
        SetDefaultExpectTimeout(20_000);
    }

    [OneTimeTearDown]
    public async Task CloseBrowser()
    {
        if (_browser is not null)
        {
            await _browser.CloseAsync();
        }

        _playwright?.Dispose();
    }

    [Test]
    public async Task A_held_last_unit_is_out_of_stock_for_another_buyer_until_the_hold_expires()
    {
        await using var shop = await ShopServer.StartAsync([Product("LAST-1", "The last one", stock: 1)]);
        var first = await OpenAsync(shop);
        var second = await OpenAsync(shop);
        await Expect(Stock(first, "LAST-1")).ToHaveTextAsync("Only 1 left");
        await Expect(Stock(second, "LAST-1")).ToHaveTextAsync("Only 1 left");

        await Card(first, "LAST-1").GetByRole(AriaRole.Button, new() { Name = "Add to cart" }).ClickAsync();

        await Expect(CartLine(first)).ToContainTextAsync("1 × The last one");
        await Expect(CartLine(first).Locator(".timer")).ToHaveTextAsync(HeldFor());
        await Expect(Stock(second, "LAST-1")).ToHaveTextAsync("Out of stock");
        await Expect(Card(second, "LAST-1").GetByRole(AriaRole.Button, new() { Name = "Add to cart" })).ToBeDisabledAsync();
        await Expect(Card(second, "LAST-1").GetByRole(AriaRole.Button, new() { Name = "Buy now" })).ToBeDisabledAsync();
        var held = await LevelAsync(shop, "LAST-1");
        (held.OnHand, held.Reserved, held.Available).Should().Be((1, 1, 0));

        // Nobody pays: the hold runs out, and the unit is on sale again without anyone releasing it.
        shop.Clock.Advance(HoldTime + TimeSpan.FromSeconds(1));

        await Expect(Stock(second, "LAST-1")).ToHaveTextAsync("Only 1 left");
        await Expect(Card(second, "LAST-1").GetByRole(AriaRole.Button, new() { Name = "Add to cart" })).ToBeEnabledAsync();
        await Expect(CartLine(first).Locator(".timer")).ToHaveTextAsync("Hold expired: back on sale");
        await Expect(first.GetByRole(AriaRole.Button, new() { Name = "Pay by card" })).ToBeDisabledAsync();
        var released = await LevelAsync(shop, "LAST-1");
        (released.OnHand, released.Reserved, released.Available).Should().Be((1, 0, 1));

        // The second buyer can now hold it, and the first sees it gone again.
        await Card(second, "LAST-1").GetByRole(AriaRole.Button, new() { Name = "Add to cart" }).ClickAsync();
        await Expect(CartLine(second).Locator(".timer")).ToHaveTextAsync(HeldFor());
        await Expect(Stock(first, "LAST-1")).ToHaveTextAsync("Out of stock");
    }

    [Test]
    public async Task Checkout_pays_and_sells_the_held_units()
    {
        await using var shop = await ShopServer.StartAsync([Product("KB-75", "Keyboard", stock: 5, priceCents: 12900, lowStock: 3)]);
        var page = await OpenAsync(shop);
        await Expect(Stock(page, "KB-75")).ToHaveTextAsync("In stock");

        await Card(page, "KB-75").GetByRole(AriaRole.Button, new() { Name = "Add to cart" }).ClickAsync();
        await Card(page, "KB-75").GetByRole(AriaRole.Button, new() { Name = "Add to cart" }).ClickAsync();
        await Expect(CartLine(page)).ToHaveCountAsync(2);
        await Expect(page.Locator("#cart-total")).ToHaveTextAsync("€258.00");
        var holds = await CartLine(page).EvaluateAllAsync<string[]>("lines => lines.map(l => l.dataset.hold)");
        var before = await LevelAsync(shop, "KB-75");
        (before.OnHand, before.Reserved).Should().Be((5, 2));

        await page.GetByRole(AriaRole.Button, new() { Name = "Pay by card" }).ClickAsync();

        await Expect(page.Locator("#message")).ToHaveTextAsync(new Regex(@"^Paid €258\.00\. Order C-[0-9A-F]{8} is on its way\.$"));
        await Expect(CartLine(page)).ToHaveCountAsync(0);
        await Expect(page.Locator("#cart-empty")).ToBeVisibleAsync();
        await Expect(Stock(page, "KB-75")).ToHaveTextAsync("Only 3 left");
        var after = await LevelAsync(shop, "KB-75");
        (after.OnHand, after.Reserved, after.Available).Should().Be((3, 0, 3));
        foreach (var id in holds)
        {
            (await shop.Store.GetHoldAsync(Guid.Parse(id)))!.State.Should().Be(HoldState.Confirmed);
        }
    }

    [Test]
    public async Task A_declined_card_sells_nothing_and_keeps_the_hold()
    {
        await using var shop = await ShopServer.StartAsync([Product("MS-PRO", "Mouse", stock: 2)], p => p.DeclineRate = 1);
        var page = await OpenAsync(shop);
        await Card(page, "MS-PRO").GetByRole(AriaRole.Button, new() { Name = "Add to cart" }).ClickAsync();
        await Expect(CartLine(page).Locator(".timer")).ToHaveTextAsync(HeldFor());

        await page.GetByRole(AriaRole.Button, new() { Name = "Pay by card" }).ClickAsync();

        await Expect(page.Locator("#message")).ToContainTextAsync("Your card was declined");
        await Expect(CartLine(page).Locator(".timer")).ToHaveTextAsync(HeldFor());
        await Expect(page.GetByRole(AriaRole.Button, new() { Name = "Pay by card" })).ToBeEnabledAsync();
        var level = await LevelAsync(shop, "MS-PRO");
        (level.OnHand, level.Reserved, level.Available).Should().Be((2, 1, 1));
    }

    [Test]
    public async Task A_payment_that_arrives_after_the_hold_expired_sells_nothing()
    {
        await using var shop = await ShopServer.StartAsync([Product("HP-ANC", "Headphones", stock: 1, priceCents: 24900)], p => p.LateRate = 1);
        var buyer = await OpenAsync(shop);
        var other = await OpenAsync(shop);
        await Card(buyer, "HP-ANC").GetByRole(AriaRole.Button, new() { Name = "Add to cart" }).ClickAsync();
        await Expect(CartLine(buyer).Locator(".timer")).ToHaveTextAsync(HeldFor());
        var hold = Guid.Parse((await CartLine(buyer).GetAttributeAsync("data-hold"))!);
        var pending = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        shop.Payments.AnswerPending += (_, _) => pending.TrySetResult();

        await buyer.GetByRole(AriaRole.Button, new() { Name = "Pay by card" }).ClickAsync();
        await Expect(buyer.Locator("#message")).ToHaveTextAsync("Waiting for the payment provider…");
        await pending.Task.WaitAsync(TimeSpan.FromSeconds(30));
        // The card provider answers two seconds after the hold ran out.
        shop.Clock.Advance(HoldTime + TimeSpan.FromSeconds(3));

        await Expect(buyer.Locator("#message")).ToHaveTextAsync("The payment arrived after your holds had expired: nothing was sold, nothing was charged.");
        await Expect(CartLine(buyer).Locator(".timer")).ToHaveTextAsync("Hold expired: back on sale");
        await Expect(Stock(other, "HP-ANC")).ToHaveTextAsync("Only 1 left");
        (await shop.Store.GetHoldAsync(hold))!.State.Should().Be(HoldState.Expired);
        var level = await LevelAsync(shop, "HP-ANC");
        (level.OnHand, level.Reserved, level.Available).Should().Be((1, 0, 1));
        (shop.Payments.CapturedCents, shop.Payments.VoidedCents).Should().Be((0, 24900));
    }

    [Test]
    public async Task Buy_now_retried_after_a_lost_answer_is_bought_once()
    {
        await using var shop = await ShopServer.StartAsync([Product("DOCK-12", "Dock", stock: 4, priceCents: 15900)]);
        var page = await OpenAsync(shop);
        var keys = new List<string>();
        var lost = 0;
        // The first answer is lost on the way back: the order reached the shop, the browser saw a broken connection.
        await page.RouteAsync("**/api/orders", async route =>
        {
            keys.Add(route.Request.Headers["idempotency-key"]);
            if (Interlocked.Increment(ref lost) == 1)
            {
                await route.FetchAsync();
                await route.AbortAsync("connectionreset");
            }
            else
            {
                await route.ContinueAsync();
            }
        });

        await Card(page, "DOCK-12").GetByRole(AriaRole.Button, new() { Name = "Buy now" }).ClickAsync();

        await Expect(page.Locator("#message")).ToHaveTextAsync(
            new Regex(@"^Order B-[0-9A-F]{8} placed: Dock, €159\.00 on invoice\. \(A retry was recognised: nothing was bought twice\.\)$"));
        keys.Should().HaveCount(2).And.OnlyContain(k => k == keys[0]);
        var level = await LevelAsync(shop, "DOCK-12");
        (level.OnHand, level.Reserved).Should().Be((3, 0));
    }

    [Test]
    public async Task A_delivery_received_in_the_back_office_shows_on_an_open_storefront()
    {
        await using var shop = await ShopServer.StartAsync([Product("CAM-4K", "Webcam", stock: 0, lowStock: 2)]);
        var storefront = await OpenAsync(shop);
        await Expect(Stock(storefront, "CAM-4K")).ToHaveTextAsync("Out of stock");
        // While nothing changes the storefront's polls are answered 304 Not Modified.
        await storefront.WaitForResponseAsync(r => r.Url.EndsWith("/api/stock", StringComparison.Ordinal) && r.Status == 304);

        var admin = await (await Chromium.NewContextAsync()).NewPageAsync();
        await admin.GotoAsync(new Uri(shop.Address, "/admin.html").ToString());
        await admin.GetByLabel("Product").SelectOptionAsync("CAM-4K");
        await admin.GetByLabel("Units").FillAsync("5");
        await admin.GetByLabel("Delivery note").FillAsync("DN-1001");
        await admin.GetByRole(AriaRole.Button, new() { Name = "Receive" }).ClickAsync();
        await Expect(admin.Locator("#message")).ToHaveTextAsync("Received 5 × CAM-4K: 5 on hand, 5 available.");

        await Expect(Stock(storefront, "CAM-4K")).ToHaveTextAsync("In stock");

        // The same delivery note again changes nothing.
        await admin.GetByRole(AriaRole.Button, new() { Name = "Receive" }).ClickAsync();
        await Expect(admin.Locator("#message")).ToHaveTextAsync("Delivery note DN-1001 was already received: nothing changed.");
        await Expect(admin.Locator("tr[data-sku='CAM-4K'] td").Nth(2)).ToHaveTextAsync("5");
        (await LevelAsync(shop, "CAM-4K")).OnHand.Should().Be(5);
    }

    /// <summary>
    /// The storefront of appsettings.json with a keyboard in the cart. Writes the picture to the file
    /// STOCKGUARD_SHOP_SCREENSHOT names (docs/images/shop.png is made so), else into the test's folder.
    /// </summary>
    [Test]
    public async Task Storefront_screenshot()
    {
        await using var shop = await ShopServer.StartAsync();
        var page = await OpenAsync(shop, new BrowserNewContextOptions { ViewportSize = new() { Width = 1280, Height = 760 } });
        await Card(page, "HP-ANC").GetByRole(AriaRole.Button, new() { Name = "Add to cart" }).ClickAsync();
        await Card(page, "KB-75").GetByRole(AriaRole.Button, new() { Name = "Add to cart" }).ClickAsync();
        await Expect(CartLine(page)).ToHaveCountAsync(2);
        await Expect(Stock(page, "HP-ANC")).ToHaveTextAsync("Only 2 left");
        await Expect(page.Locator("#live")).ToHaveTextAsync(new Regex(@"; [1-9][0-9]* polls? since answered 304 Not Modified$"));

        var file = Environment.GetEnvironmentVariable("STOCKGUARD_SHOP_SCREENSHOT") is { Length: > 0 } path
            ? Path.GetFullPath(path)
            : Path.Combine(TestContext.CurrentContext.WorkDirectory, "shop.png");
        await page.ScreenshotAsync(new PageScreenshotOptions { Path = file });
        new FileInfo(file).Length.Should().BePositive();
        TestContext.AddTestAttachment(file, "The storefront");
    }

    private static Product Product(string sku, string name, int stock, long priceCents = 1000, int lowStock = 1) => new()
    {
        Sku = sku,
        Name = name,
        Description = $"{name} for the test.",
        PriceCents = priceCents,
        InitialStock = stock,
        LowStockThreshold = lowStock,
        Colour = "#2563eb",
    };

    private async Task<IPage> OpenAsync(ShopServer shop, BrowserNewContextOptions? options = null)
    {
        // A context of its own per buyer: its own session storage, so its own cart.
        var context = await Chromium.NewContextAsync(options);
        var page = await context.NewPageAsync();
        await page.GotoAsync(shop.Address.ToString());
        return page;
    }

    private static ILocator Card(IPage page, string sku) => page.Locator($"article[data-sku='{sku}']");

    private static ILocator Stock(IPage page, string sku) => Card(page, sku).Locator(".stock");

    private static ILocator CartLine(IPage page) => page.Locator("#cart-lines li");

    private static async Task<StockLevel> LevelAsync(ShopServer shop, string sku) =>
        await shop.Store.GetLevelAsync(new StockKey(sku)) ?? throw new AssertionException($"{sku} has no stock item.");

    [GeneratedRegex(@"^Held for (10:00|9:[0-5]\d)$")]
    private static partial Regex HeldFor();
}
