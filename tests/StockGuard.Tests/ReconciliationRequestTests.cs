using FluentAssertions;
using Microsoft.Extensions.DependencyInjection;
using NUnit.Framework;
using StockGuard.DependencyInjection;
using StockGuard.InMemory;
using StockGuard.Sqlite;

namespace StockGuard.Tests;

/// <summary>What a reconciliation or a physical count refuses to be built from, and how the container serves the reconciler.</summary>
public sealed class ReconciliationRequestTests
{
    private static readonly StockKey Key = new("tee-shirt");

    [Test]
    public void A_page_request_checks_its_start_and_size()
    {
        var page = new ReconciliationRequest();
        (page.Keys, page.After, page.PageSize, page.DryRun, page.Reference).Should().Be((null, null, ReconciliationRequest.DefaultPageSize, false, null));
        FluentActions.Invoking(() => new ReconciliationRequest { After = default(StockKey) }).Should().Throw<ArgumentException>().WithParameterName("After");
        FluentActions.Invoking(() => new ReconciliationRequest { PageSize = 0 }).Should().Throw<ArgumentOutOfRangeException>();
        FluentActions.Invoking(() => new ReconciliationRequest { PageSize = ReconciliationRequest.MaxPageSize + 1 }).Should().Throw<ArgumentOutOfRangeException>();
        FluentActions.Invoking(() => new ReconciliationRequest { Reference = new string('r', 201) }).Should().Throw<ArgumentException>();
        FluentActions.Invoking(() => new ReconciliationRequest { Reference = "x\uD800" }).Should().Throw<ArgumentException>();
        new ReconciliationRequest { PageSize = ReconciliationRequest.MaxPageSize, After = Key }.After.Should().Be(Key);
    }

    [Test]
    public void A_request_for_named_items_sorts_them_once_each_and_refuses_a_page_start()
    {
        var b = new StockKey("b");
        new ReconciliationRequest([b, Key, b, new StockKey("a", "shop")]).Keys.Should().Equal(new StockKey("a", "shop"), b, Key);
        FluentActions.Invoking(() => new ReconciliationRequest(null!)).Should().Throw<ArgumentNullException>();
        FluentActions.Invoking(() => new ReconciliationRequest([])).Should().Throw<ArgumentException>();
        FluentActions.Invoking(() => new ReconciliationRequest([Key, default])).Should().Throw<ArgumentException>();
        FluentActions.Invoking(() => new ReconciliationRequest(Enumerable.Range(0, ReconciliationRequest.MaxKeys + 1).Select(i => new StockKey($"sku-{i}"))))
            .Should().Throw<ArgumentException>().Which.Message.Should().Contain("1001");
        FluentActions.Invoking(() => new ReconciliationRequest([Key]) { After = Key }).Should().Throw<ArgumentException>().WithParameterName("After");
    }

    [Test]
    public void A_physical_count_checks_its_item_figure_reason_and_version()
    {
        FluentActions.Invoking(() => new PhysicalCountRequest(default, 1, "count")).Should().Throw<ArgumentException>();
        FluentActions.Invoking(() => new PhysicalCountRequest(Key, -1, "count")).Should().Throw<ArgumentOutOfRangeException>();
        FluentActions.Invoking(() => new PhysicalCountRequest(Key, StockLimits.MaxStock + 1, "count")).Should().Throw<ArgumentOutOfRangeException>();
        FluentActions.Invoking(() => new PhysicalCountRequest(Key, 1, " ")).Should().Throw<ArgumentException>();
        FluentActions.Invoking(() => new PhysicalCountRequest(Key, 1, null!)).Should().Throw<ArgumentNullException>();
        FluentActions.Invoking(() => new PhysicalCountRequest(Key, 1, new string('r', 201))).Should().Throw<ArgumentException>();
        FluentActions.Invoking(() => new PhysicalCountRequest(Key, 1, "count") { ExpectedVersion = 0 }).Should().Throw<ArgumentOutOfRangeException>();
        new PhysicalCountRequest(Key, 0, "count").Operation.Should().Be(StockOperation.Count);
    }

    [Test]
    public void A_count_fingerprint_tells_every_field_apart()
    {
        var fingerprints = new[]
        {
            new PhysicalCountRequest(Key, 5, "count").GetFingerprint(),
            new PhysicalCountRequest(Key, 6, "count").GetFingerprint(),
            new PhysicalCountRequest(Key, 5, "count") { ExpectedVersion = 5 }.GetFingerprint(),
            new PhysicalCountRequest(Key, 5, "recount").GetFingerprint(),
            new PhysicalCountRequest(new StockKey(Key.Sku, "shop"), 5, "count").GetFingerprint(),
            new PhysicalCountRequest(Key, 5, "count") { Reference = "c-1" }.GetFingerprint(),
            new AdjustRequest(Key, 5, "count").GetFingerprint(),
        };

        fingerprints.Should().OnlyHaveUniqueItems();
        new PhysicalCountRequest(Key, 5, "count") { IdempotencyKey = "k" }.GetFingerprint().Should().Be(fingerprints[0], "the key is not part of what is asked");
    }

    [Test]
    public async Task The_container_serves_the_registered_store_as_its_reconciler()
    {
        var services = new ServiceCollection();
        services.AddLogging();
        services.AddStockGuard().UseInMemory();
        await using var provider = services.BuildServiceProvider(new ServiceProviderOptions { ValidateOnBuild = true, ValidateScopes = true });

        provider.GetRequiredService<IStockReconciler>().Should().BeSameAs(provider.GetRequiredService<IStockStore>());

        var sqlite = new ServiceCollection();
        sqlite.AddLogging();
        sqlite.AddStockGuard().UseSqlite("Data Source=reconciler-di.db");
        await using var sqliteProvider = sqlite.BuildServiceProvider();
        sqliteProvider.GetRequiredService<IStockReconciler>().Should().BeOfType<SqliteStockStore>().And.BeSameAs(sqliteProvider.GetRequiredService<IStockStore>());
    }

    [Test]
    public async Task A_store_of_its_own_that_cannot_reconcile_is_named_when_the_reconciler_is_asked_for()
    {
        var services = new ServiceCollection();
        services.AddStockGuard().UseStore<InMemoryStockStoreOptions>(null, static (_, _) => new StoreOnly(new InMemoryStockStore()));
        await using var provider = services.BuildServiceProvider();

        FluentActions.Invoking(() => provider.GetRequiredService<IStockReconciler>())
            .Should().Throw<InvalidOperationException>().Which.Message.Should().Contain(nameof(StoreOnly)).And.Contain("IStockReconciler");
    }

    /// <summary>A decorator that forwards the store's operations and nothing else.</summary>
    private sealed class StoreOnly(IStockStore inner) : IStockStore
    {
        public Task<StockLevel?> GetLevelAsync(StockKey key, CancellationToken cancellationToken = default) => inner.GetLevelAsync(key, cancellationToken);

        public Task<IReadOnlyList<StockLevel>> GetLevelsAsync(IEnumerable<StockKey> keys, CancellationToken cancellationToken = default) => inner.GetLevelsAsync(keys, cancellationToken);

        public Task<StockChangeResult> DeductAsync(DeductRequest request, CancellationToken cancellationToken = default) => inner.DeductAsync(request, cancellationToken);

        public Task<StockChangeResult> ReceiveAsync(ReceiveRequest request, CancellationToken cancellationToken = default) => inner.ReceiveAsync(request, cancellationToken);

        public Task<StockChangeResult> AdjustAsync(AdjustRequest request, CancellationToken cancellationToken = default) => inner.AdjustAsync(request, cancellationToken);

        public Task<StockLevel> SetPolicyAsync(StockKey key, StockPolicy policy, CancellationToken cancellationToken = default) => inner.SetPolicyAsync(key, policy, cancellationToken);

        public Task<ReserveResult> ReserveAsync(ReserveRequest request, CancellationToken cancellationToken = default) => inner.ReserveAsync(request, cancellationToken);

        public Task<HoldResult> ConfirmAsync(Guid holdId, CancellationToken cancellationToken = default) => inner.ConfirmAsync(holdId, cancellationToken);

        public Task<HoldResult> ConfirmAsync(ConfirmRequest request, CancellationToken cancellationToken = default) => inner.ConfirmAsync(request, cancellationToken);

        public Task<HoldResult> ReleaseAsync(Guid holdId, CancellationToken cancellationToken = default) => inner.ReleaseAsync(holdId, cancellationToken);

        public Task<StockChangeResult> ReturnAsync(HoldReturnRequest request, CancellationToken cancellationToken = default) => inner.ReturnAsync(request, cancellationToken);

        public Task<HoldResult> ExtendAsync(Guid holdId, TimeSpan timeToLive, CancellationToken cancellationToken = default) => inner.ExtendAsync(holdId, timeToLive, cancellationToken);

        public Task<StockHold?> GetHoldAsync(Guid holdId, CancellationToken cancellationToken = default) => inner.GetHoldAsync(holdId, cancellationToken);

        public Task<SweepResult> SweepAsync(CancellationToken cancellationToken = default) => inner.SweepAsync(cancellationToken);
    }
}
