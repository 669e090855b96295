using FluentAssertions;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using MySqlConnector;
using NUnit.Framework;
using StockGuard.Tests.Shared;

namespace StockGuard.MySql.Tests;

/// <summary>What only the MySQL store has to prove: exact text comparison, its schema and DI.</summary>
[TestFixture]
public sealed class MySqlStoreTests : MySqlFixture
{
    [TestCase("quote'd \"sku\"")]
    [TestCase("semi;colon; DROP TABLE stock_items;--")]
    [TestCase(@"back\slash\\ \' \0")]
    [TestCase("ünïcödé-日本語-😀🛒")]
    [TestCase("%_like*wildcards?")]
    [TestCase("@sku ?param")]
    public async Task Hostile_skus_and_locations_are_stored_and_compared_exactly(string sku)
    {
        await using var store = CreateStore();
        var key = new StockKey(sku + "-" + Guid.NewGuid().ToString("N")[..8], "loc 😀 '" + sku[..Math.Min(sku.Length, 12)]);
        await store.ReceiveAsync(new ReceiveRequest(new StockLine(key, 5)));
        (await store.DeductAsync(new DeductRequest(new StockLine(key, 2)) { IdempotencyKey = "key " + sku })).Succeeded.Should().BeTrue();
        var hold = (await store.ReserveAsync(new ReserveRequest(TimeSpan.FromMinutes(5), new StockLine(key, 1)) { Reference = "ref " + sku })).Hold!;

        var level = (await store.GetLevelsAsync([key, new StockKey(key.Sku + " ", key.Location)])).Should().ContainSingle().Subject;
        level.Key.Should().Be(key);
        level.Should().BeEquivalentTo(new { OnHand = 3L, Reserved = 1L });
        (await store.GetHoldAsync(hold.Id)).Should().BeEquivalentTo(new { Reference = "ref " + sku, Lines = new[] { new StockLine(key, 1) } });
        (await store.DeductAsync(new DeductRequest(new StockLine(key, 2)) { IdempotencyKey = "key " + sku })).IsReplay.Should().BeTrue();
        (await store.GetLevelAsync(new StockKey(key.Sku.ToUpperInvariant(), key.Location))).Should().BeNull();
    }

    [Test]
    public async Task Skus_that_differ_only_by_trailing_spaces_or_case_are_different_items()
    {
        await using var store = CreateStore();
        var sku = NewSku();
        StockKey[] keys = [sku, sku + " ", sku + "  ", sku.ToUpperInvariant(), " " + sku];
        for (var i = 0; i < keys.Length; i++)
        {
            await store.ReceiveAsync(new ReceiveRequest(new StockLine(keys[i], i + 1)));
        }

        (await store.GetLevelsAsync(keys)).Select(l => (l.Key.Sku, l.OnHand)).Should().Equal(keys.Select((k, i) => (k.Sku, (long)i + 1)));
    }

    [Test]
    public async Task Holds_expire_and_are_swept_and_purged_on_mysql()
    {
        await using var store = CreateStore();
        var key = await StockedAsync(store, 10);
        var holds = new List<Guid>();
        for (var i = 0; i < 3; i++)
        {
            holds.Add((await store.ReserveAsync(new ReserveRequest(TimeSpan.FromMinutes(1), new StockLine(key, 2)))).Hold!.Id);
        }

        Time.Advance(TimeSpan.FromMinutes(2));
        (await store.SweepAsync()).ExpiredHolds.Should().BeGreaterThanOrEqualTo(3);
        (await Server.LedgerAsync(key)).Should().Be((10L, 0L));
        Time.Advance(TimeSpan.FromDays(2));
        (await store.SweepAsync()).PurgedHolds.Should().BeGreaterThanOrEqualTo(3);
        (await store.GetHoldAsync(holds[0])).Should().BeNull();
    }

    [TestCase("bad;name")]
    [TestCase("quo`te")]
    [TestCase("1starts_with_digit")]
    [TestCase("has space")]
    [TestCase("")]
    public void A_database_name_that_is_not_a_plain_identifier_is_rejected_at_configuration(string database)
    {
        var direct = () => new MySqlStockStore(MySqlServer.ConnectionString, new MySqlStockStoreOptions { Schema = database });
        direct.Should().Throw<OptionsValidationException>().Which.Message.Should().Contain("MySqlStockStoreOptions.Schema");

        var services = new ServiceCollection();
        services.AddStockGuard().UseMySql(MySqlServer.ConnectionString, o => o.Schema = database);
        using var provider = services.BuildServiceProvider();
        var viaDi = () => provider.GetRequiredService<IOptions<MySqlStockStoreOptions>>().Value;
        viaDi.Should().Throw<OptionsValidationException>();
    }

    [Test]
    public void A_lock_wait_timeout_out_of_range_is_refused_naming_the_setting()
    {
        var act = () => new MySqlStockStore(MySqlServer.ConnectionString, new MySqlStockStoreOptions { LockWaitTimeout = TimeSpan.FromMilliseconds(10) });
        act.Should().Throw<OptionsValidationException>().Which.Message.Should().Contain("MySqlStockStoreOptions.LockWaitTimeout");
    }

    [Test]
    public async Task A_data_source_that_reads_guids_as_binary_is_refused()
    {
        await using var binary = new MySqlDataSource(MySqlServer.ConnectionString + ";GuidFormat=Binary16");
        var act = () => new MySqlStockStore(binary);
        act.Should().Throw<ArgumentException>().WithMessage("*GuidFormat*");
    }

    [Test]
    public async Task UseMySql_registers_a_working_store_that_creates_its_database_and_EnsureSchema_is_idempotent_under_concurrency()
    {
        var database = MySqlServer.NewDatabaseName("di");
        try
        {
            var services = new ServiceCollection();
            services.AddSingleton<TimeProvider>(Time);
            services.AddStockGuard().UseMySql(MySqlServer.ConnectionString, o => o.Schema = database);
            await using (var provider = services.BuildServiceProvider())
            {
                var store = provider.GetRequiredService<IStockStore>().Should().BeOfType<MySqlStockStore>().Subject;
                (await store.ReceiveAsync(new ReceiveRequest(new StockLine("di-sku", 3)))).Succeeded.Should().BeTrue();
            }

            var stores = Enumerable.Range(0, 4).Select(_ => new MySqlStockStore(MySqlServer.ConnectionString, new MySqlStockStoreOptions { Schema = database })).ToArray();
            await Task.WhenAll(stores.Select(s => s.EnsureSchemaAsync()));
            (await stores[0].GetLevelAsync("di-sku"))!.OnHand.Should().Be(3);
            foreach (var store in stores)
            {
                await store.DisposeAsync();
            }

            services = new ServiceCollection();
            await using var dataSource = new MySqlDataSource(MySqlServer.ConnectionString);
            services.AddStockGuard().UseMySql(dataSource, o => o.Schema = database);
            await using var withDataSource = services.BuildServiceProvider();
            (await withDataSource.GetRequiredService<IStockStore>().GetLevelAsync("di-sku"))!.OnHand.Should().Be(3);
        }
        finally
        {
            await MySqlServer.DropDatabaseAsync(database);
        }
    }

    [Test]
    public async Task Without_the_schema_and_with_auto_creation_off_the_store_says_what_to_do()
    {
        await using var store = new MySqlStockStore(MySqlServer.ConnectionString, new MySqlStockStoreOptions { Schema = MySqlServer.NewDatabaseName("none"), AutoCreateSchema = false });
        var error = await ConfigurationErrors.MissingSchemaAsync(() => store.GetLevelAsync("anything"), Script);
        error.Message.Should().Contain("stock_schema_version");
    }

    [Test]
    public async Task A_table_dropped_under_a_store_without_auto_creation_is_reported_as_missing()
    {
        var database = MySqlServer.NewDatabaseName("dropped");
        var error = await ConfigurationErrors.AfterTablesDroppedAsync(
            async () =>
            {
                await using var creator = new MySqlStockStore(MySqlServer.ConnectionString, new MySqlStockStoreOptions { Schema = database });
                await creator.EnsureSchemaAsync();
            },
            async () =>
            {
                await using var connection = await OpenAsync();
                await Exec(connection, $"DROP TABLE `{database}`.stock_hold_lines, `{database}`.stock_items");
            },
            () => new MySqlStockStore(MySqlServer.ConnectionString, new MySqlStockStoreOptions { Schema = database, AutoCreateSchema = false }),
            Script,
            () => MySqlServer.DropDatabaseAsync(database));

        error.Message.Should().Contain("stock_items");
    }

    [Test]
    public async Task A_refused_password_is_a_configuration_error_that_never_shows_the_password()
    {
        var password = $"wrong-{Guid.NewGuid():N}";
        var connectionString = new MySqlConnectionStringBuilder(MySqlServer.ConnectionString) { Password = password }.ConnectionString;
        await using var store = new MySqlStockStore(connectionString, new MySqlStockStoreOptions { Schema = Database });

        var error = await ConfigurationErrors.OnEveryCallAsync(store, () => store.EnsureSchemaAsync());
        error.Message.Should().Contain("Access denied").And.NotContain(password);
    }

    [Test]
    public async Task A_missing_database_in_the_connection_string_is_a_configuration_error()
    {
        var database = MySqlServer.NewDatabaseName("nodb");
        var connectionString = new MySqlConnectionStringBuilder(MySqlServer.ConnectionString) { Database = database }.ConnectionString;
        await using var store = new MySqlStockStore(connectionString, new MySqlStockStoreOptions { Schema = Database });

        var error = await ConfigurationErrors.OnEveryCallAsync(store, () => store.EnsureSchemaAsync());
        error.Message.Should().Contain("Unknown database").And.Contain(database);
    }

    private const string Script = "sql/stockguard-mysql.sql";
}
