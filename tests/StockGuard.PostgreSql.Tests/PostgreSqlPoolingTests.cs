using FluentAssertions;
using Microsoft.Extensions.Options;
using Npgsql;
using NUnit.Framework;

namespace StockGuard.PostgreSql.Tests;

/// <summary>
/// <see cref="PostgreSqlStockStoreOptions.Pooling"/>: what is refused, what is detected, and what the store does when a
/// server session answers with another client's statement. The concurrent proof through PgBouncer is in
/// <see cref="PgBouncerTwoSchemaTests"/>.
/// </summary>
[TestFixture]
public sealed class PostgreSqlPoolingTests : PostgreSqlFixture
{
    [Test]
    public void A_pooling_mode_out_of_range_is_refused_with_the_setting_named() =>
        FluentActions.Invoking(() => CreateStore(configure: o => o.Pooling = (PostgreSqlPooling)7))
            .Should().Throw<OptionsValidationException>().WithMessage("*PostgreSqlStockStoreOptions.Pooling is 7*");

    [Test]
    public async Task Under_Transaction_a_data_source_or_connection_string_that_prepares_statements_is_refused_with_the_setting_named()
    {
        await using var preparing = NpgsqlDataSource.Create(PostgreSqlServer.ConnectionString + ";Max Auto Prepare=64");
        var options = Provider.Options();
        options.Pooling = PostgreSqlPooling.Transaction;

        FluentActions.Invoking(() => new PostgreSqlStockStore(preparing, options))
            .Should().Throw<OptionsValidationException>().WithMessage("*Pooling is Transaction*data source sets Max Auto Prepare=64*");
        FluentActions.Invoking(() => new PostgreSqlStockStore(PostgreSqlServer.ConnectionString + ";Max Auto Prepare=10", options))
            .Should().Throw<OptionsValidationException>().WithMessage("*connection string sets Max Auto Prepare=10*");
        await using var plain = new PostgreSqlStockStore(PostgreSqlServer.ConnectionString + ";Max Auto Prepare=0", options);
    }

    [Test]
    public void A_pool_the_store_creates_skips_the_reset_and_auto_prepares_unless_the_connection_string_says_otherwise()
    {
        var defaults = new NpgsqlConnectionStringBuilder(PostgreSqlConnections.OwnPoolConnectionString("Host=db;Username=u", transactionPooled: false));
        defaults.NoResetOnClose.Should().BeTrue();
        defaults.MaxAutoPrepare.Should().Be(64);

        var given = new NpgsqlConnectionStringBuilder(PostgreSqlConnections.OwnPoolConnectionString("Host=db;Username=u;No Reset On Close=false;maxautoprepare=0", transactionPooled: false));
        given.NoResetOnClose.Should().BeFalse();
        given.MaxAutoPrepare.Should().Be(0);
    }

    [Test]
    public void A_pool_the_store_creates_for_a_transaction_pooler_prepares_nothing_and_skips_the_reset()
    {
        var pooled = new NpgsqlConnectionStringBuilder(PostgreSqlConnections.OwnPoolConnectionString("Host=db;Username=u", transactionPooled: true));
        pooled.MaxAutoPrepare.Should().Be(0);
        pooled.NoResetOnClose.Should().BeTrue();
    }

    [TestCase(PostgreSqlPooling.Session, true)]
    [TestCase(PostgreSqlPooling.Auto, true)]
    [TestCase(PostgreSqlPooling.Transaction, false)]
    public async Task On_a_direct_connection_the_one_line_deduct_is_prepared_unless_told_of_a_transaction_pooler(PostgreSqlPooling pooling, bool prepared)
    {
        await using var dataSource = NpgsqlDataSource.Create(PostgreSqlServer.ConnectionString + ";Maximum Pool Size=1;No Reset On Close=true");
        await using var store = CreateStore(dataSource: dataSource, configure: o => o.Pooling = pooling);
        var key = await StockedAsync(store, 10);

        (await store.DeductAsync(new DeductRequest(new StockLine(key, 1)))).Succeeded.Should().BeTrue();

        await using var connection = await dataSource.OpenConnectionAsync();
        (await PreparedDeductAsync(connection)).HasValue.Should().Be(prepared);
    }

    [Test]
    public async Task Auto_detects_PgBouncer_and_refuses_a_data_source_that_prepares_statements_before_changing_anything()
    {
        await PgBouncerServer.EnsureReachableAsync();
        await using var setup = CreateStore();
        var key = await StockedAsync(setup, 10);
        await using var preparing = NpgsqlDataSource.Create(PgBouncerServer.ConnectionString + ";Max Auto Prepare=64");
        await using var store = CreateStore(dataSource: preparing);

        var error = (await FluentActions.Awaiting(() => store.DeductAsync(new DeductRequest(new StockLine(key, 1))))
            .Should().ThrowAsync<StockStoreException>()).Which;

        error.Message.Should().Contain("pooler or proxy sits between").And.Contain("Max Auto Prepare=64").And.Contain("Nothing was changed");
        error.IsTransient.Should().BeFalse();
        error.OutcomeUnknown.Should().BeFalse();
        (await Server.StoredAsync(key)).Should().Be((10L, 0L, 1L));
    }

    [Test]
    public async Task Auto_detects_PgBouncer_and_a_pool_the_store_creates_then_prepares_nothing()
    {
        await PgBouncerServer.EnsureReachableAsync();
        await using var setup = CreateStore();
        var key = await StockedAsync(setup, 10);
        await using var store = new PostgreSqlStockStore(PgBouncerServer.ConnectionString + ";Maximum Pool Size=1", Provider.Options());

        for (var i = 0; i < 20; i++)
        {
            (await store.DeductAsync(new DeductRequest(new StockLine(key, 1)) { IdempotencyKey = i % 2 == 0 ? null : NewSku("order") })).Succeeded.Should().Be(i < 10);
        }

        (await Server.StoredAsync(key)).Should().Be((0L, 0L, 11L));
        (await Server.LedgerAsync(key)).Should().Be((0L, 0L));
        (await PreparedStatementsOfThisSchemaAnywhereAsync()).Should().Be(0, "no server session holds a statement of the store's");
    }

    [TestCase("item", TestName = "A_reply_naming_another_item_is_an_unknown_outcome_that_names_the_pooler_setting")]
    [TestCase("schema", TestName = "A_reply_naming_another_schema_is_an_unknown_outcome_that_names_the_pooler_setting")]
    [TestCase("shape", TestName = "A_reply_of_another_shape_is_an_unknown_outcome_that_names_the_pooler_setting")]
    public async Task A_reply_to_another_command_is_never_taken_for_a_sale(string other)
    {
        // A session-bound store whose server session has, under the name of its prepared deduct, another statement
        // with the same parameters: what a transaction pooler hands over when the store is not told of it.
        await using var dataSource = NpgsqlDataSource.Create(PostgreSqlServer.ConnectionString + ";Maximum Pool Size=1;No Reset On Close=true");
        await using var store = CreateStore(dataSource: dataSource, configure: o => o.Pooling = PostgreSqlPooling.Session);
        var key = await StockedAsync(store, 10);
        (await store.DeductAsync(new DeductRequest(new StockLine(key, 1)))).Succeeded.Should().BeTrue();
        await using (var connection = await dataSource.OpenConnectionAsync())
        {
            var (sku, schema) = other == "item" ? ("another-sku", Schema) : (key.Sku, other == "schema" ? "another_schema" : Schema);
            var preOrder = other == "shape" ? "" : ", 0::bigint, NULL::timestamptz, 0::bigint";
            await ReplacePreparedAsync(
                connection, (await PreparedDeductAsync(connection))!.Value,
                $"SELECT '{sku}'::text, 'default'::text, 100::bigint, 0::bigint, 0::bigint, 0::bigint, 0::bigint, 7::bigint, '{schema}'::text{preOrder}");
        }

        var error = (await FluentActions.Awaiting(() => store.DeductAsync(new DeductRequest(new StockLine(key, 1))))
            .Should().ThrowAsync<StockStoreException>()).Which;

        error.OutcomeUnknown.Should().BeTrue();
        error.IsTransient.Should().BeFalse();
        error.Message.Should().Contain(other switch { "item" => "item another-sku/default", "schema" => "schema 'another_schema'", _ => "another shape" })
            .And.Contain("Pooling = Transaction").And.Contain("Max Auto Prepare=0");
        (await Server.StoredAsync(key)).Should().Be((9L, 0L, 2L), "the statement that ran was not the store's");
    }

    [Test]
    public async Task A_hold_answered_by_rows_of_another_shape_is_an_unknown_outcome_that_names_the_pooler_setting()
    {
        // As above, for the one-command hold: its prepared statement replaced by another of other columns.
        await using var dataSource = NpgsqlDataSource.Create(PostgreSqlServer.ConnectionString + ";Maximum Pool Size=1;No Reset On Close=true");
        await using var store = CreateStore(dataSource: dataSource, configure: o => o.Pooling = PostgreSqlPooling.Session);
        var key = await StockedAsync(store, 10);
        (await store.ReserveAsync(new ReserveRequest(TimeSpan.FromMinutes(5), new StockLine(key, 1)))).Succeeded.Should().BeTrue();
        await using (var connection = await dataSource.OpenConnectionAsync())
        {
            var hold = await PreparedAsync(connection, "WITH changed AS (UPDATE%SET reserved = reserved +%");
            hold.Should().NotBeNull("the store prepared its one-command hold on this session");
            await ReplacePreparedAsync(connection, hold!.Value, "SELECT 'another'::text, 1::bigint");
        }

        var error = (await FluentActions.Awaiting(() => store.ReserveAsync(new ReserveRequest(TimeSpan.FromMinutes(5), new StockLine(key, 1))))
            .Should().ThrowAsync<StockStoreException>()).Which;

        error.OutcomeUnknown.Should().BeTrue();
        error.Message.Should().Contain("another shape").And.Contain("Pooling = Transaction");
        (await Server.StoredAsync(key)).Should().Be((10L, 1L, 2L), "the statement that ran was not the store's");
    }

    [Test]
    public async Task A_prepared_statement_the_server_session_does_not_know_is_a_typed_error_that_says_nothing_changed()
    {
        await using var dataSource = NpgsqlDataSource.Create(PostgreSqlServer.ConnectionString + ";Maximum Pool Size=1;No Reset On Close=true");
        await using var store = CreateStore(dataSource: dataSource, configure: o => o.Pooling = PostgreSqlPooling.Session);
        var key = await StockedAsync(store, 10);
        (await store.DeductAsync(new DeductRequest(new StockLine(key, 1)))).Succeeded.Should().BeTrue();
        await using (var connection = await dataSource.OpenConnectionAsync())
        {
            await Exec(connection, $"DEALLOCATE \"{(await PreparedDeductAsync(connection))!.Value.Name}\"");
        }

        var error = (await FluentActions.Awaiting(() => store.DeductAsync(new DeductRequest(new StockLine(key, 1))))
            .Should().ThrowAsync<StockStoreException>()).Which;

        error.InnerException.Should().BeOfType<PostgresException>().Which.SqlState.Should().Be("26000");
        error.OutcomeUnknown.Should().BeFalse();
        error.IsTransient.Should().BeFalse();
        error.Message.Should().Contain("did not know the statement").And.Contain("Nothing was changed").And.Contain("Pooling = Transaction");
        (await Server.StoredAsync(key)).Should().Be((9L, 0L, 2L));
    }

    /// <summary>The name and parameter types of the store's one-line deduct prepared on this session, if it is.</summary>
    private Task<(string Name, string Types)?> PreparedDeductAsync(NpgsqlConnection connection) => PreparedAsync(connection, "WITH changed AS%");

    /// <summary>How many statements naming this schema are prepared on the sessions PgBouncer hands out (it has 20 or fewer).</summary>
    private async Task<long> PreparedStatementsOfThisSchemaAnywhereAsync()
    {
        long found = 0;
        await using var dataSource = NpgsqlDataSource.Create(PgBouncerServer.ConnectionString);
        var connections = new List<NpgsqlConnection>();
        try
        {
            // Open transactions so that each connection holds a server session of its own while it looks.
            for (var i = 0; i < 20; i++)
            {
                var connection = await dataSource.OpenConnectionAsync();
                connections.Add(connection);
                await Exec(connection, "BEGIN");
                await using var command = new NpgsqlCommand("SELECT count(*) FROM pg_prepared_statements WHERE strpos(statement, @schema) > 0", connection);
                command.Parameters.AddWithValue("schema", Schema);
                found += (long)(await command.ExecuteScalarAsync())!;
            }
        }
        finally
        {
            foreach (var connection in connections)
            {
                await connection.DisposeAsync();
            }
        }

        return found;
    }
}
