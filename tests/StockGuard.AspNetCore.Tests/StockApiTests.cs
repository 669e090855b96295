using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using FluentAssertions;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using NUnit.Framework;
using StockGuard.DependencyInjection;

namespace StockGuard.AspNetCore.Tests;

/// <summary>The package over a real store: every StockGuard error as the right problem, idempotency keys, ETags, health, start-up.</summary>
public abstract class StockApiTests
{
    private IApiStore _store = null!;
    private TestShop? _shop;

    protected abstract IApiStore CreateStore();

    private TestShop Shop => _shop ?? throw new InvalidOperationException("Start the shop first.");

    [SetUp]
    public void CreateDatabase() => _store = CreateStore();

    [TearDown]
    public async Task Cleanup()
    {
        if (_shop is not null)
        {
            await _shop.DisposeAsync();
            _shop = null;
        }

        await _store.DisposeAsync();
    }

    [Test]
    public async Task An_unknown_item_is_404_and_nothing_is_taken()
    {
        await StartAsync();
        await Shop.ReceiveAsync("A", 5);

        var response = await Shop.BuyAsync("k-1", new StockLine("A", 1), new StockLine("NOPE", 1));

        var problem = await TestShop.ProblemAsync(response, 404, StockProblemTypes.ItemNotFound);
        problem.GetProperty("key").GetString().Should().Be("NOPE");
        problem.GetProperty("detail").GetString().Should().Contain("NOPE").And.Contain("Nothing was changed");
        (await Shop.Store.GetLevelAsync("A"))!.OnHand.Should().Be(5);
    }

    [Test]
    public async Task An_unknown_hold_is_404_to_a_read_and_to_a_confirm()
    {
        await StartAsync();
        var id = Guid.NewGuid();

        var read = await Shop.Client.GetAsync($"/stock/holds/{id}");
        var confirm = await Shop.Client.PostAsync($"/stock/holds/{id}/confirm", null);

        (await TestShop.ProblemAsync(read, 404, StockProblemTypes.HoldNotFound)).GetProperty("holdId").GetGuid().Should().Be(id);
        (await TestShop.ProblemAsync(confirm, 404, StockProblemTypes.HoldNotFound)).GetProperty("holdId").GetGuid().Should().Be(id);
    }

    [Test]
    public async Task A_quantity_of_zero_and_a_200_character_sku_are_400_naming_the_rule()
    {
        await StartAsync();

        var zero = await Shop.Client.PostAsync("/buy-one?sku=A&quantity=0", null);
        var longSku = await Shop.Client.PostAsync($"/buy-one?sku={new string('x', 200)}&quantity=1", null);
        using var body = new StringContent("""{"lines":[{"key":"A","quantity":0}]}""", System.Text.Encoding.UTF8, "application/json");
        body.Headers.Add(IdempotencyKeyHeader.Name, "\"k-zero\"");
        var zeroInBody = await Shop.Client.PostAsync("/buy", body);

        (await TestShop.ProblemAsync(zero, 400, StockProblemTypes.InvalidRequest)).GetProperty("errors").GetProperty("quantity")[0].GetString()
            .Should().Contain("quantity").And.Contain("0");
        (await TestShop.ProblemAsync(longSku, 400, StockProblemTypes.InvalidRequest)).GetProperty("detail").GetString()
            .Should().Be("The SKU is 200 characters long; at most 128 are accepted.");
        (await TestShop.ProblemAsync(zeroInBody, 400, StockProblemTypes.InvalidRequest)).GetProperty("detail").GetString().Should().Contain("quantity");
    }

    [Test]
    public async Task An_argument_error_of_the_app_itself_stays_a_500()
    {
        await StartAsync();

        var response = await Shop.Client.GetAsync("/throw/app-bug");

        response.StatusCode.Should().Be(HttpStatusCode.InternalServerError);
        (await response.Content.ReadAsStringAsync()).Should().NotContain("The app's own bug");
    }

    [TestCase("busy", StockProblemTypes.Busy)]
    [TestCase("timeout", StockProblemTypes.Timeout)]
    [TestCase("transient", StockProblemTypes.Unavailable)]
    [TestCase("unknown", StockProblemTypes.OutcomeUnknown)]
    public async Task Busy_timeout_transient_and_unknown_outcome_are_503_with_retry_after(string what, string type)
    {
        await StartAsync();

        var response = await Shop.Client.GetAsync($"/throw/{what}");

        var problem = await TestShop.ProblemAsync(response, 503, type);
        response.Headers.RetryAfter!.Delta.Should().Be(TimeSpan.FromSeconds(1));
        if (what == "unknown")
        {
            problem.GetProperty("title").GetString().Should().Be("Outcome unknown");
            problem.GetProperty("detail").GetString().Should().Contain("may or may not have been applied").And.Contain("same Idempotency-Key");
            problem.GetProperty("outcomeUnknown").GetBoolean().Should().BeTrue();
        }
    }

    [Test]
    public async Task A_stale_version_is_409_expired_changes_410_and_a_failing_allocation_policy_500_each_with_its_facts()
    {
        await StartAsync();

        var version = await TestShop.ProblemAsync(await Shop.Client.GetAsync("/throw/version"), 409, StockProblemTypes.VersionConflict);
        var expired = await TestShop.ProblemAsync(await Shop.Client.GetAsync("/throw/expired"), 410, StockProblemTypes.ChangesExpired);
        var policy = await TestShop.ProblemAsync(await Shop.Client.GetAsync("/throw/policy"), 500, StockProblemTypes.AllocationPolicyFailed);

        version.GetProperty("expectedVersion").GetInt64().Should().Be(3);
        version.GetProperty("actualVersion").GetInt64().Should().Be(4);
        expired.GetProperty("oldestRetained").GetString().Should().Be("0:90");
        policy.GetProperty("policy").GetString().Should().Be("nearest-first");
    }

    [Test]
    public async Task A_store_failure_a_retry_cannot_cure_is_500_without_the_store_s_words_and_a_conflict_is_409_with_retry_after()
    {
        await StartAsync();

        var config = await Shop.Client.GetAsync("/throw/config");
        var conflict = await Shop.Client.GetAsync("/throw/conflict");

        (await TestShop.ProblemAsync(config, 500, StockProblemTypes.StoreFailed)).GetProperty("detail").GetString().Should().NotContain("shop.stock_items");
        (await TestShop.ProblemAsync(conflict, 409, StockProblemTypes.ConcurrencyConflict)).GetProperty("attempts").GetInt32().Should().Be(5);
        conflict.Headers.RetryAfter!.Delta.Should().Be(TimeSpan.FromSeconds(1));
    }

    [Test]
    public async Task Lack_of_stock_is_a_409_listing_the_short_lines_and_takes_nothing()
    {
        await StartAsync();
        await Shop.ReceiveAsync("A", 5);
        await Shop.ReceiveAsync("B", 1);

        var response = await Shop.BuyAsync("k-short", new StockLine("A", 2), new StockLine("B", 3));

        var problem = await TestShop.ProblemAsync(response, 409, StockProblemTypes.InsufficientStock);
        var shortLine = problem.GetProperty("shortLines").EnumerateArray().Should().ContainSingle().Subject;
        shortLine.GetProperty("key").GetString().Should().Be("B");
        shortLine.GetProperty("requested").GetInt32().Should().Be(3);
        shortLine.GetProperty("sellable").GetInt64().Should().Be(1);
        (await Shop.Store.GetLevelAsync("A"))!.OnHand.Should().Be(5);
    }

    [Test]
    public async Task An_idempotency_key_retried_with_the_same_body_replays_and_with_another_body_is_422()
    {
        await StartAsync();
        await Shop.ReceiveAsync("A", 10);

        var first = await Shop.BuyAsync("\"order-7\"", new StockLine("A", 3));
        var retry = await Shop.BuyAsync("\"order-7\"", new StockLine("A", 3));
        var reuse = await Shop.BuyAsync("\"order-7\"", new StockLine("A", 4));

        (await TestShop.JsonAsync(first, 200)).GetProperty("succeeded").GetBoolean().Should().BeTrue();
        first.Headers.Contains("Idempotent-Replayed").Should().BeFalse();
        (await TestShop.JsonAsync(retry, 200)).GetProperty("isReplay").GetBoolean().Should().BeTrue();
        retry.Headers.GetValues("Idempotent-Replayed").Should().Equal("true");
        (await TestShop.ProblemAsync(reuse, 422, StockProblemTypes.IdempotencyKeyReused)).GetProperty("idempotencyKey").GetString().Should().Be("order-7");
        (await Shop.Store.GetLevelAsync("A"))!.OnHand.Should().Be(7);
    }

    [TestCase(null)]
    [TestCase("")]
    [TestCase("\"unterminated")]
    [TestCase("\"a\" trailing")]
    [TestCase("two words")]
    public async Task A_missing_or_malformed_idempotency_key_is_400_and_takes_nothing(string? key)
    {
        await StartAsync();
        await Shop.ReceiveAsync("A", 10);

        var response = await Shop.BuyAsync(key, new StockLine("A", 1));

        await TestShop.ProblemAsync(response, 400, StockProblemTypes.IdempotencyKeyInvalid);
        (await Shop.Store.GetLevelAsync("A"))!.OnHand.Should().Be(10);
    }

    [Test]
    public async Task A_request_whose_key_is_still_in_flight_is_409_and_the_first_one_completes_alone()
    {
        await StartAsync();
        await Shop.ReceiveAsync("A", 10);
        var gate = new Gate();
        Shop.BuyGate = gate;

        var first = Shop.BuyAsync("\"order-8\"", new StockLine("A", 2));
        await gate.Entered;
        var second = await Shop.BuyAsync("\"order-8\"", new StockLine("A", 2));
        gate.Open();

        await TestShop.ProblemAsync(second, 409, StockProblemTypes.IdempotencyKeyInFlight);
        second.Headers.RetryAfter!.Delta.Should().Be(TimeSpan.FromSeconds(1));
        (await TestShop.JsonAsync(await first, 200)).GetProperty("succeeded").GetBoolean().Should().BeTrue();
        (await Shop.Store.GetLevelAsync("A"))!.OnHand.Should().Be(8);
    }

    [Test]
    public async Task A_level_carries_its_version_as_etag_and_if_none_match_answers_304_until_it_changes()
    {
        await StartAsync();
        await Shop.ReceiveAsync("A", 10);
        var version = (await Shop.Store.GetLevelAsync("A"))!.Version;

        var first = await Shop.Client.GetAsync("/stock/levels/A");
        var etag = first.Headers.ETag!;
        var same = await SendAsync(HttpMethod.Get, "/stock/levels/A", ("If-None-Match", etag.Tag));
        await Shop.ReceiveAsync("A", 1);
        var changed = await SendAsync(HttpMethod.Get, "/stock/levels/A", ("If-None-Match", etag.Tag));

        etag.Tag.Should().Be($"\"{version}\"");
        etag.IsWeak.Should().BeFalse();
        same.StatusCode.Should().Be(HttpStatusCode.NotModified);
        same.Headers.ETag!.Tag.Should().Be(etag.Tag);
        (await same.Content.ReadAsByteArrayAsync()).Should().BeEmpty();
        (await TestShop.JsonAsync(changed, 200)).GetProperty("onHand").GetInt64().Should().Be(11);
        changed.Headers.ETag!.Tag.Should().Be($"\"{version + 1}\"");
    }

    [Test]
    public async Task A_level_reads_well_in_json_key_as_text_status_by_name_nothing_internal()
    {
        await StartAsync();
        await Shop.Store.ReceiveAsync(new ReceiveRequest(new StockLine("TSHIRT-M", 3, "berlin")));

        var response = await Shop.Client.GetAsync("/stock/levels/TSHIRT-M@berlin");
        var many = await Shop.Client.GetAsync("/stock/levels?key=TSHIRT-M@berlin&key=NOPE");
        var missing = await Shop.Client.GetAsync("/stock/levels/NOPE");

        var level = await TestShop.JsonAsync(response, 200);
        level.EnumerateObject().Select(p => p.Name).Should().Equal(
            "key", "onHand", "reserved", "safetyStock", "backorderLimit", "lowStockThreshold", "version", "available", "preOrderLimit", "expectedRestock", "isReleased", "isPreOrder", "belowZeroLimit", "sellable", "status");
        level.GetProperty("key").GetString().Should().Be("TSHIRT-M@berlin");
        level.GetProperty("status").GetString().Should().Be("InStock");
        (await TestShop.JsonAsync(many, 200)).EnumerateArray().Select(l => l.GetProperty("key").GetString()).Should().Equal("TSHIRT-M@berlin");
        await TestShop.ProblemAsync(missing, 404, StockProblemTypes.ItemNotFound);
    }

    [Test]
    public async Task A_cart_hold_is_made_read_confirmed_once_and_then_refuses_a_release_with_409()
    {
        await StartAsync();
        await Shop.ReceiveAsync("A", 5);

        var made = await Shop.Client.PostAsJsonAsync(
            "/stock/holds", new StockHoldRequest([new StockLine("A", 2)], TimeSpan.FromMinutes(10), "cart-1"), StockGuardJson.Options);
        var created = await TestShop.JsonAsync(made, 201);
        var id = created.GetProperty("hold").GetProperty("id").GetGuid();
        var read = await TestShop.JsonAsync(await Shop.Client.GetAsync(made.Headers.Location), 200);
        var confirmed = await TestShop.JsonAsync(await Shop.Client.PostAsync($"/stock/holds/{id}/confirm", null), 200);
        var again = await TestShop.JsonAsync(await Shop.Client.PostAsync($"/stock/holds/{id}/confirm", null), 200);
        var release = await Shop.Client.PostAsync($"/stock/holds/{id}/release", null);

        made.Headers.Location!.ToString().Should().Be($"/stock/holds/{id}");
        read.GetProperty("state").GetString().Should().Be("Active");
        read.GetProperty("lines")[0].GetProperty("key").GetString().Should().Be("A");
        confirmed.GetProperty("outcome").GetString().Should().Be("Confirmed");
        again.GetProperty("wasAlreadyDone").GetBoolean().Should().BeTrue();
        var problem = await TestShop.ProblemAsync(release, 409, StockProblemTypes.HoldState);
        problem.GetProperty("state").GetString().Should().Be("Confirmed");
        var level = (await Shop.Store.GetLevelAsync("A"))!;
        (level.OnHand, level.Reserved).Should().Be((3L, 0L));
    }

    [Test]
    public async Task A_hold_confirmed_after_its_expiry_is_409_and_sells_nothing()
    {
        await StartAsync();
        await Shop.ReceiveAsync("A", 5);
        var made = await TestShop.JsonAsync(
            await Shop.Client.PostAsJsonAsync("/stock/holds", new StockHoldRequest([new StockLine("A", 2)], TimeSpan.FromMinutes(10)), StockGuardJson.Options), 201);
        var id = made.GetProperty("hold").GetProperty("id").GetGuid();

        Shop.Time.Advance(TimeSpan.FromMinutes(11));
        var confirm = await Shop.Client.PostAsync($"/stock/holds/{id}/confirm", null);

        (await TestShop.ProblemAsync(confirm, 409, StockProblemTypes.HoldExpired)).GetProperty("holdId").GetGuid().Should().Be(id);
        var level = (await Shop.Store.GetLevelAsync("A"))!;
        (level.OnHand, level.Available).Should().Be((5L, 5L));
    }

    [Test]
    public async Task A_hold_that_lacks_stock_is_409_with_the_short_lines()
    {
        await StartAsync();
        await Shop.ReceiveAsync("A", 1);

        var response = await Shop.Client.PostAsJsonAsync(
            "/stock/holds", new StockHoldRequest([new StockLine("A", 2)], TimeSpan.FromMinutes(10)), StockGuardJson.Options);

        var problem = await TestShop.ProblemAsync(response, 409, StockProblemTypes.InsufficientStock);
        problem.GetProperty("shortLines")[0].GetProperty("sellable").GetInt64().Should().Be(1);
    }

    [Test]
    public async Task The_schema_is_created_at_start_up_and_every_health_check_is_healthy()
    {
        await StartAsync(b => b.EnsureSchemaOnStartup(), autoCreateSchema: false);

        var schema = Shop.App.Services.GetRequiredService<IStockSchema>();
        (await schema.GetSchemaVersionAsync()).Should().Be(schema.RequiredVersion);
        var report = await Shop.App.Services.GetRequiredService<HealthCheckService>().CheckHealthAsync();
        report.Entries.Keys.Should().BeEquivalentTo(StockGuardHealthChecks.Store, StockGuardHealthChecks.Schema, StockGuardHealthChecks.Sweeper, StockGuardHealthChecks.ChangeDispatchers);
        report.Entries.Values.Select(e => e.Status).Should().AllBeEquivalentTo(HealthStatus.Healthy, string.Join("; ", report.Entries.Select(e => e.Value.Description)));
        (await Shop.Client.GetAsync("/health")).StatusCode.Should().Be(HttpStatusCode.OK);
    }

    [Test]
    public async Task Without_a_schema_the_schema_check_is_unhealthy_and_says_what_to_do()
    {
        await StartAsync(autoCreateSchema: false);

        var report = await Shop.App.Services.GetRequiredService<HealthCheckService>().CheckHealthAsync();

        var entry = report.Entries[StockGuardHealthChecks.Schema];
        entry.Status.Should().Be(HealthStatus.Unhealthy);
        entry.Description.Should().Contain("none (not created)").And.Contain("EnsureSchemaOnStartup()");
        (await Shop.Client.GetAsync("/health")).StatusCode.Should().Be(HttpStatusCode.ServiceUnavailable);
    }

    [Test]
    public async Task Verifying_the_schema_at_start_up_stops_the_host_when_it_is_missing()
    {
        var start = () => StartAsync(b => b.VerifySchemaOnStartup(), autoCreateSchema: false);

        (await start.Should().ThrowAsync<InvalidOperationException>()).WithMessage("*version none (not created); this library needs version 9*");
    }

    [Test]
    public async Task The_sweeper_check_turns_degraded_on_a_failed_sweep_and_unhealthy_when_it_lags_three_intervals()
    {
        await StartAsync();
        var status = Shop.App.Services.GetRequiredService<StockSweepStatus>();
        var health = Shop.App.Services.GetRequiredService<HealthCheckService>();
        await Shop.ReceiveAsync("A", 1);

        Shop.Time.Advance(TimeSpan.FromMinutes(1));
        await WaitUntilAsync(() => status.LastSuccessAt is not null);
        (await SweeperAsync(health)).Status.Should().Be(HealthStatus.Healthy);

        await _store.BreakSweepAsync();
        Shop.Time.Advance(TimeSpan.FromMinutes(1));
        await WaitUntilAsync(() => status.ConsecutiveFailures == 1);
        var degraded = await SweeperAsync(health);
        degraded.Status.Should().Be(HealthStatus.Degraded, degraded.Description);

        Shop.Time.Advance(TimeSpan.FromMinutes(1));
        await WaitUntilAsync(() => status.ConsecutiveFailures == 2);
        Shop.Time.Advance(TimeSpan.FromMinutes(1));
        await WaitUntilAsync(() => status.ConsecutiveFailures == 3);
        Shop.Time.Advance(TimeSpan.FromMinutes(1));
        await WaitUntilAsync(() => status.ConsecutiveFailures == 4);
        var lagging = await SweeperAsync(health);
        lagging.Status.Should().Be(HealthStatus.Unhealthy);
        lagging.Description.Should().StartWith("No sweep has succeeded 240 s ago; it sweeps every 60.0 s. Last failure: ");
    }

    private static async Task<HealthReportEntry> SweeperAsync(HealthCheckService health) =>
        (await health.CheckHealthAsync(c => c.Name == StockGuardHealthChecks.Sweeper)).Entries[StockGuardHealthChecks.Sweeper];

    /// <summary>Waits for the sweeper, which runs on its own task after the fake clock ticks, to record the sweep.</summary>
    private static async Task WaitUntilAsync(Func<bool> condition)
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(20));
        while (!condition())
        {
            await Task.Delay(5, timeout.Token);
        }
    }

    private async Task StartAsync(Action<IStockGuardBuilder>? configure = null, bool autoCreateSchema = true) =>
        _shop = await TestShop.StartAsync(_store, configure, autoCreateSchema);

    private Task<HttpResponseMessage> SendAsync(HttpMethod method, string path, params (string Name, string Value)[] headers)
    {
        var request = new HttpRequestMessage(method, path);
        foreach (var (name, value) in headers)
        {
            request.Headers.TryAddWithoutValidation(name, value);
        }

        return Shop.Client.SendAsync(request);
    }
}

public sealed class SqliteStockApiTests : StockApiTests
{
    protected override IApiStore CreateStore() => new SqliteApiStore();
}

public sealed class PostgreSqlStockApiTests : StockApiTests
{
    [OneTimeSetUp]
    public Task RequireServer() => PostgreSqlApiStore.RequireServerAsync();

    protected override IApiStore CreateStore() => new PostgreSqlApiStore();
}
