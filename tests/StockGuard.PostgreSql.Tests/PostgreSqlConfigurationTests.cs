using FluentAssertions;
using Npgsql;
using NUnit.Framework;
using StockGuard.Tests.Shared;

namespace StockGuard.PostgreSql.Tests;

/// <summary>A store configured wrongly fails with a non-transient error that names the cause, so a retry loop stops.</summary>
public sealed class PostgreSqlConfigurationTests : PostgreSqlFixture
{
    [Test]
    public async Task A_refused_password_is_a_configuration_error_that_never_shows_the_password()
    {
        var password = $"wrong-{Guid.NewGuid():N}";
        var connectionString = new NpgsqlConnectionStringBuilder(PostgreSqlServer.ConnectionString) { Password = password }.ConnectionString;
        await using var store = new PostgreSqlStockStore(connectionString, new PostgreSqlStockStoreOptions { Schema = Schema });

        var error = await ConfigurationErrors.OnEveryCallAsync(store, () => store.EnsureSchemaAsync());
        error.Message.Should().Contain("28P01").And.Contain("password authentication failed").And.NotContain(password);
    }

    [Test]
    public async Task A_missing_database_is_a_configuration_error()
    {
        var database = PostgreSqlServer.NewSchemaName("nodb");
        var connectionString = new NpgsqlConnectionStringBuilder(PostgreSqlServer.ConnectionString) { Database = database }.ConnectionString;
        await using var store = new PostgreSqlStockStore(connectionString, new PostgreSqlStockStoreOptions { Schema = Schema });

        var error = await ConfigurationErrors.OnEveryCallAsync(store, () => store.EnsureSchemaAsync());
        error.Message.Should().Contain("3D000").And.Contain(database);
    }

    [Test]
    public async Task A_missing_schema_with_auto_creation_off_says_to_apply_the_script()
    {
        var schema = PostgreSqlServer.NewSchemaName("none");
        await using var store = new PostgreSqlStockStore(PostgreSqlServer.ConnectionString, new PostgreSqlStockStoreOptions { Schema = schema, AutoCreateSchema = false });

        var error = await ConfigurationErrors.MissingSchemaAsync(() => store.GetLevelAsync("anything"), Script);
        error.Message.Should().Contain("42P01").And.Contain(schema);
    }

    [Test]
    public async Task A_table_dropped_under_a_store_without_auto_creation_is_reported_as_missing()
    {
        var schema = PostgreSqlServer.NewSchemaName("dropped");
        var error = await ConfigurationErrors.AfterTablesDroppedAsync(
            async () =>
            {
                await using var creator = new PostgreSqlStockStore(PostgreSqlServer.ConnectionString, new PostgreSqlStockStoreOptions { Schema = schema });
                await creator.EnsureSchemaAsync();
            },
            async () =>
            {
                await using var connection = await OpenAsync();
                await Exec(connection, $"DROP TABLE \"{schema}\".stock_items CASCADE");
            },
            () => new PostgreSqlStockStore(PostgreSqlServer.ConnectionString, new PostgreSqlStockStoreOptions { Schema = schema, AutoCreateSchema = false }),
            Script,
            () => PostgreSqlServer.DropSchemaAsync(schema));

        error.Message.Should().Contain("42P01").And.Contain("stock_items");
    }

    private const string Script = "sql/stockguard-postgresql.sql";
}
