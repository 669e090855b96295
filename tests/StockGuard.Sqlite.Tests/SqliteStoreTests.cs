using System.Diagnostics;
using FluentAssertions;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;
using NUnit.Framework;
using StockGuard.Tests.Shared;

namespace StockGuard.Sqlite.Tests;

/// <summary>What only the SQLite store has to prove: the single write lock, busy waits, in-memory databases, its schema and DI.</summary>
public sealed class SqliteStoreTests
{
    private SqliteTestFile _file = null!;

    [SetUp]
    public void CreateFile() => _file = new SqliteTestFile();

    [TearDown]
    public void DeleteFile() => _file.Dispose();

    [Test]
    public async Task A_write_transaction_of_another_connection_is_waited_for_and_its_stock_is_seen()
    {
        await using var store = Store();
        var key = await StockedAsync(store, 1);
        await using var other = await OpenAsync();
        await using var lockHolder = other.BeginTransaction(deferred: false);
        await ExecuteAsync(other, "UPDATE stock_items SET on_hand = on_hand + 2, version = version + 1 WHERE sku = $sku", key.Sku);

        // The deduct needs the 2 units the other transaction adds: it can only succeed by waiting for that commit.
        // Task.Run: Microsoft.Data.Sqlite waits for a busy database synchronously, on the caller's thread.
        var deduct = Task.Run(() => store.DeductAsync(new DeductRequest(new StockLine(key, 3))));
        deduct.IsCompleted.Should().BeFalse("the other connection holds the only write lock");
        await lockHolder.CommitAsync();

        (await deduct).Succeeded.Should().BeTrue();
        (await store.GetLevelAsync(key))!.Should().BeEquivalentTo(new { OnHand = 0L, Version = 3L });
    }

    [Test]
    public async Task A_write_lock_held_past_the_busy_timeout_fails_typed_and_changes_nothing()
    {
        await using var store = Store(o => o.BusyTimeout = TimeSpan.FromSeconds(1));
        var key = await StockedAsync(store, 5);
        var before = await store.GetLevelAsync(key);
        await using var other = await OpenAsync();
        await using var lockHolder = other.BeginTransaction(deferred: false);

        var clock = Stopwatch.StartNew();
        var act = () => store.DeductAsync(new DeductRequest(new StockLine(key, 1)));

        (await act.Should().ThrowAsync<StockStoreTimeoutException>()).Which.InnerException.Should().BeOfType<SqliteException>()
            .Which.SqliteErrorCode.Should().Be(5, "SQLITE_BUSY after the busy timeout");
        clock.Elapsed.Should().BeGreaterThanOrEqualTo(TimeSpan.FromSeconds(0.9), "the store waited for the lock before giving up");
        await lockHolder.RollbackAsync();
        (await store.GetLevelAsync(key)).Should().Be(before);
    }

    [Test]
    public async Task Callers_queued_behind_a_stuck_operation_time_out_typed_and_change_nothing()
    {
        await using var store = Store(o => o.BusyTimeout = TimeSpan.FromSeconds(1));
        var key = await StockedAsync(store, 50);
        await using var other = await OpenAsync();
        await using var lockHolder = other.BeginTransaction(deferred: false);

        var outcomes = await Task.WhenAll(Enumerable.Range(0, 8).Select(_ => Task.Run(async () =>
        {
            try
            {
                return (await store.DeductAsync(new DeductRequest(new StockLine(key, 1)))).Succeeded ? "sold" : "refused";
            }
            catch (StockStoreTimeoutException)
            {
                return "timeout";
            }
        })));

        outcomes.Should().AllBe("timeout", "no caller got the write lock within the busy timeout, and none saw an untyped 'database is locked'");
        await lockHolder.RollbackAsync();
        (await store.GetLevelAsync(key))!.OnHand.Should().Be(50);
    }

    [Test]
    public async Task Cancelling_a_caller_that_waits_for_the_write_lock_changes_nothing()
    {
        await using var store = Store();
        var key = await StockedAsync(store, 10);
        await using var other = await OpenAsync();
        var lockHolder = other.BeginTransaction(deferred: false);

        var first = Task.Run(() => store.DeductAsync(new DeductRequest(new StockLine(key, 1))));
        using var cancel = new CancellationTokenSource();
        var second = Task.Run(() => store.DeductAsync(new DeductRequest(new StockLine(key, 2)), cancel.Token));
        await cancel.CancelAsync();
        await lockHolder.CommitAsync();
        await lockHolder.DisposeAsync();

        await second.Invoking(t => t).Should().ThrowAsync<OperationCanceledException>();
        (await first).Succeeded.Should().BeTrue();
        (await store.GetLevelAsync(key))!.OnHand.Should().Be(9, "the first deduct applied and the cancelled one did not");
    }

    /// <summary>
    /// What only SQLite has: one writer at a time, so a writer outside the store (another process) makes the store's
    /// writes wait on SQLITE_BUSY. The sharing of stock between stores over separate pools is in <see cref="SqlitePoolTests"/>;
    /// this test is about the busy waits: none may surface as an error.
    /// </summary>
    [Test]
    public async Task Stores_with_separate_pools_and_a_raw_writer_conserve_every_unit_and_never_leak_busy_errors()
    {
        const int stock = 300, buyersPerStore = 16;
        await using var first = Store();
        await using var second = new SqliteStockStore(_file.ConnectionString + ";Pooling=False", new SqliteStockStoreOptions());
        var key = await StockedAsync(first, stock);
        var bystander = await StockedAsync(first, 1);

        // A writer outside the store keeps taking the write lock, as another process would.
        var rawWriter = Task.Run(async () =>
        {
            await using var raw = await OpenAsync();
            for (var i = 0; i < 50; i++)
            {
                await using var transaction = raw.BeginTransaction(deferred: false);
                await ExecuteAsync(raw, "UPDATE stock_items SET low_stock_threshold = low_stock_threshold + 1 WHERE sku = $sku", bystander.Sku);
                await transaction.CommitAsync();
            }
        });
        var buyers = Enumerable.Range(0, 2 * buyersPerStore).Select(i => Task.Run(async () =>
        {
            var store = i % 2 == 0 ? first : second;
            var mine = 0;
            while ((await store.DeductAsync(new DeductRequest(new StockLine(key, 1)))).Succeeded)
            {
                mine++;
            }

            return mine;
        })).ToArray();

        var sold = (await Task.WhenAll(buyers).WaitAsync(TimeSpan.FromMinutes(2))).Sum();
        await rawWriter;

        sold.Should().Be(stock);
        (await second.GetLevelAsync(key))!.Should().BeEquivalentTo(new { OnHand = 0L, Reserved = 0L, Version = 1L + stock });
        (await MovementSumAsync(key)).Should().Be(0, "the movement ledger adds up to the stock on hand");
    }

    [TestCase("quote'd \"sku\"")]
    [TestCase("semi;colon; DROP TABLE stock_items;--")]
    [TestCase(@"back\slash\\")]
    [TestCase("ünïcödé-日本語-😀🛒")]
    [TestCase("trailing space ")]
    [TestCase("%_like*wildcards?")]
    public async Task Hostile_skus_and_locations_are_stored_and_compared_exactly(string sku)
    {
        await using var store = Store();
        var key = new StockKey(sku, "loc '" + sku[..Math.Min(sku.Length, 20)]);
        await store.ReceiveAsync(new ReceiveRequest(new StockLine(key, 5)));
        (await store.DeductAsync(new DeductRequest(new StockLine(key, 2)))).Succeeded.Should().BeTrue();
        var reserved = await store.ReserveAsync(new ReserveRequest(TimeSpan.FromMinutes(5), new StockLine(key, 1)));

        var level = (await store.GetLevelsAsync([key, new StockKey(sku.TrimEnd() + "x", key.Location)])).Should().ContainSingle().Subject;
        level.Key.Sku.Should().Be(sku);
        level.Key.Location.Should().Be(key.Location);
        level.Should().BeEquivalentTo(new { OnHand = 3L, Reserved = 1L });
        (await store.GetHoldAsync(reserved.Hold!.Id))!.Lines.Single().Key.Should().Be(key);
        (await store.GetLevelAsync(new StockKey(sku.ToUpperInvariant() + "X", key.Location))).Should().BeNull();
    }

    [Test]
    public async Task A_memory_data_source_gives_each_store_a_private_database_that_lives_with_it()
    {
        var key = new StockKey("memory-sku");
        await using (var store = new SqliteStockStore("Data Source=:memory:"))
        {
            await store.ReceiveAsync(new ReceiveRequest(new StockLine(key, 4)));
            var sold = await Task.WhenAll(Enumerable.Range(0, 8).Select(_ => store.DeductAsync(new DeductRequest(new StockLine(key, 1)))));
            sold.Count(r => r.Succeeded).Should().Be(4);
            (await store.GetLevelAsync(key))!.OnHand.Should().Be(0);
        }

        await using var another = new SqliteStockStore("Data Source=:memory:");
        (await another.GetLevelAsync(key)).Should().BeNull("each ':memory:' store has a database of its own");
    }

    [Test]
    public async Task The_shipped_script_creates_the_schema_the_store_checks_and_reruns_harmlessly()
    {
        var script = await File.ReadAllTextAsync(Path.Combine(TestContext.CurrentContext.TestDirectory, "..", "..", "..", "..", "..", "src", "StockGuard.Sqlite", "Schema", "stockguard-sqlite.sql"));
        await using (var raw = await OpenAsync())
        {
            await ExecuteAsync(raw, script, "");
            await ExecuteAsync(raw, script, "");
        }

        await using var store = Store(o => o.AutoCreateSchema = false);
        (await store.ReceiveAsync(new ReceiveRequest(new StockLine("scripted", 2)))).Succeeded.Should().BeTrue();
        await store.EnsureSchemaAsync();
        await store.EnsureSchemaAsync();
        (await store.GetLevelAsync("scripted"))!.OnHand.Should().Be(2);
    }

    [Test]
    public async Task Without_the_schema_and_with_auto_creation_off_the_store_says_what_to_do()
    {
        await using var store = Store(o => o.AutoCreateSchema = false);
        var error = await ConfigurationErrors.MissingSchemaAsync(() => store.GetLevelAsync("anything"), Script);
        error.Message.Should().Contain("no such table");
    }

    [Test]
    public async Task A_table_dropped_under_a_store_without_auto_creation_is_reported_as_missing_not_transient()
    {
        var error = await ConfigurationErrors.AfterTablesDroppedAsync(
            async () =>
            {
                await using var creator = Store();
                await creator.EnsureSchemaAsync();
            },
            async () =>
            {
                await using var raw = await OpenAsync();
                await ExecuteAsync(raw, "DROP TABLE stock_hold_lines; DROP TABLE stock_items", "");
            },
            () => Store(o => o.AutoCreateSchema = false),
            Script,
            () => Task.CompletedTask);

        error.Message.Should().Contain("stock_items");
    }

    [Test]
    public async Task A_database_path_that_cannot_exist_is_a_configuration_error_not_a_transient_one()
    {
        var missingFolder = Path.Combine(_file.Directory, "no-such-folder", "stock.db");
        await using var store = new SqliteStockStore($"Data Source={missingFolder}");

        foreach (var act in new Func<Task>[]
        {
            () => store.GetLevelAsync("anything"),
            () => store.DeductAsync(new DeductRequest(new StockLine("anything", 1)) { IdempotencyKey = "order-1" }),
            () => store.EnsureSchemaAsync(),
        })
        {
            var error = (await act.Should().ThrowAsync<StockStoreException>()).Which;
            error.Should().BeEquivalentTo(new { IsTransient = false, OutcomeUnknown = false });
            error.Message.Should().Contain("cannot work as configured").And.Contain("unable to open database file")
                .And.NotContain("connection broke");
        }

        File.Exists(missingFolder).Should().BeFalse();
    }

    [Test]
    public async Task The_database_file_runs_in_wal_mode()
    {
        await using var store = Store();
        await store.EnsureSchemaAsync();
        await using var raw = await OpenAsync();
        await using var command = raw.CreateCommand();
        command.CommandText = "PRAGMA journal_mode";
        (await command.ExecuteScalarAsync()).Should().Be("wal");
    }

    [Test]
    public async Task UseSqlite_registers_the_store_with_its_options()
    {
        var services = new ServiceCollection();
        services.AddSingleton<TimeProvider>(new FakeTimeProvider(DateTimeOffset.Parse("2026-03-01T09:00:00Z", System.Globalization.CultureInfo.InvariantCulture)));
        services.AddStockGuard().UseSqlite(_file.ConnectionString, o => o.Strategy = ConcurrencyStrategy.Pessimistic);
        await using var provider = services.BuildServiceProvider();

        var store = provider.GetRequiredService<IStockStore>().Should().BeOfType<SqliteStockStore>().Subject;
        provider.GetRequiredService<IOptions<SqliteStockStoreOptions>>().Value.Strategy.Should().Be(ConcurrencyStrategy.Pessimistic);
        var reserved = await store.ReserveAsync(new ReserveRequest(TimeSpan.FromMinutes(1), new StockLine(await StockedAsync(store, 1), 1)));
        reserved.Hold!.CreatedAt.Should().Be(DateTimeOffset.Parse("2026-03-01T09:00:00Z", System.Globalization.CultureInfo.InvariantCulture), "time comes from the registered TimeProvider");
    }

    [Test]
    public void Invalid_options_are_refused_naming_the_setting()
    {
        var services = new ServiceCollection();
        services.AddStockGuard().UseSqlite(_file.ConnectionString, o =>
        {
            o.Schema = "other";
            o.BusyTimeout = TimeSpan.Zero;
        });
        using var provider = services.BuildServiceProvider();

        var act = () => provider.GetRequiredService<IOptions<SqliteStockStoreOptions>>().Value;
        act.Should().Throw<OptionsValidationException>()
            .Which.Failures.Should().Contain(f => f.Contains("SqliteStockStoreOptions.Schema", StringComparison.Ordinal))
            .And.Contain(f => f.Contains("SqliteStockStoreOptions.BusyTimeout", StringComparison.Ordinal));
        var direct = () => new SqliteStockStore(_file.ConnectionString, new SqliteStockStoreOptions { BusyTimeout = TimeSpan.Zero });
        direct.Should().Throw<OptionsValidationException>();
        var readOnly = () => new SqliteStockStore(_file.ConnectionString + ";Mode=ReadOnly");
        readOnly.Should().Throw<ArgumentException>();
    }

    private SqliteStockStore Store(Action<SqliteStockStoreOptions>? configure = null)
    {
        var options = new SqliteStockStoreOptions();
        configure?.Invoke(options);
        return new SqliteStockStore(_file.ConnectionString, options);
    }

    private static async Task<StockKey> StockedAsync(IStockStore store, int units)
    {
        var key = new StockKey($"sku-{Guid.NewGuid():N}");
        await store.ReceiveAsync(new ReceiveRequest(new StockLine(key, units)));
        return key;
    }

    private async Task<SqliteConnection> OpenAsync()
    {
        var connection = new SqliteConnection(_file.ConnectionString + ";Default Timeout=60");
        await connection.OpenAsync();
        return connection;
    }

    private static async Task ExecuteAsync(SqliteConnection connection, string sql, string sku)
    {
        await using var command = connection.CreateCommand();
        command.CommandText = sql;
        if (sql.Contains("$sku", StringComparison.Ordinal))
        {
            command.Parameters.AddWithValue("$sku", sku);
        }

        await command.ExecuteNonQueryAsync();
    }

    private async Task<long> MovementSumAsync(StockKey key)
    {
        await using var connection = await OpenAsync();
        await using var command = connection.CreateCommand();
        command.CommandText = "SELECT (SELECT on_hand FROM stock_items WHERE sku = $sku) - (SELECT SUM(on_hand_delta) FROM stock_movements WHERE sku = $sku)";
        command.Parameters.AddWithValue("$sku", key.Sku);
        return (long)(await command.ExecuteScalarAsync())!;
    }

    private const string Script = "sql/stockguard-sqlite.sql";
}
