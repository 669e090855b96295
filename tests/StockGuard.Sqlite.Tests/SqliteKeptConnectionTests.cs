using System.Data.Common;
using Dapper;
using FluentAssertions;
using Microsoft.Data.Sqlite;
using NUnit.Framework;

namespace StockGuard.Sqlite.Tests;

/// <summary>
/// The connection the SQLite data source keeps between operations, with its prepared statements: what it keeps must
/// never carry one operation's state into the next.
/// </summary>
public sealed class SqliteKeptConnectionTests
{
    private SqliteTestFile _file = null!;

    [SetUp]
    public void CreateFile() => _file = new SqliteTestFile();

    [TearDown]
    public void DeleteFile() => _file.Dispose();

    [Test]
    public async Task A_closed_connection_serves_the_next_operation_with_its_statements_prepared()
    {
        await using var source = new SqliteStockDataSource(_file.ConnectionString, TimeSpan.FromSeconds(5));
        DbConnection first;
        await using (first = await source.OpenConnectionAsync())
        {
            await ExecuteAsync(first, "CREATE TABLE t (id INTEGER PRIMARY KEY, v INTEGER NOT NULL)");
            await ExecuteAsync(first, "INSERT INTO t (id, v) VALUES ($id, $v)", ("$id", 1L), ("$v", 10L));
        }

        await using var second = await source.OpenConnectionAsync();
        second.Should().BeSameAs(first, "the gate lets one operation at a time use the database, so one connection serves them all");
        await ExecuteAsync(second, "INSERT INTO t (id, v) VALUES ($id, $v)", ("$id", 2L), ("$v", 20L));
        (await ScalarAsync(second, "SELECT SUM(v) FROM t")).Should().Be(30L);
    }

    [Test]
    public async Task A_connection_closed_then_disposed_by_its_operation_is_kept_open_for_the_next_one()
    {
        await using var source = new SqliteStockDataSource(_file.ConnectionString, TimeSpan.FromSeconds(5));
        var first = await source.OpenConnectionAsync();
        await ExecuteAsync(first, "CREATE TABLE t (id INTEGER PRIMARY KEY, v INTEGER NOT NULL)");
        await first.CloseAsync();
        await first.DisposeAsync();

        // The close gave the connection back; the dispose after it must not close it under the data source.
        await using (var second = await source.OpenConnectionAsync())
        {
            second.Should().BeSameAs(first);
            second.State.Should().Be(System.Data.ConnectionState.Open);
            await ExecuteAsync(second, "INSERT INTO t (id, v) VALUES ($id, $v)", ("$id", 1L), ("$v", 10L));
        }

        await using var third = await source.OpenConnectionAsync();
        (await ScalarAsync(third, "SELECT SUM(v) FROM t")).Should().Be(10L);
    }

    [Test]
    public async Task A_connection_closed_inside_its_transaction_is_rolled_back_and_never_handed_out_again()
    {
        await using var source = new SqliteStockDataSource(_file.ConnectionString, TimeSpan.FromSeconds(5));
        await using (var setup = await source.OpenConnectionAsync())
        {
            await ExecuteAsync(setup, "CREATE TABLE t (id INTEGER PRIMARY KEY, v INTEGER NOT NULL)");
        }

        var abandoned = (SqliteConnection)await source.OpenConnectionAsync();
        var transaction = abandoned.BeginTransaction(deferred: false);
        await ExecuteAsync(abandoned, "INSERT INTO t (id, v) VALUES (1, 10)", transaction);
        await abandoned.CloseAsync();

        // The gate was released (this open would time out otherwise), on a new connection that sees nothing of the abandoned write.
        await using var next = await source.OpenConnectionAsync();
        next.Should().NotBeSameAs(abandoned);
        abandoned.State.Should().Be(System.Data.ConnectionState.Closed);
        (await ScalarAsync(next, "SELECT COUNT(*) FROM t")).Should().Be(0L);
        await using var writer = ((SqliteConnection)next).BeginTransaction(deferred: false);
        await ExecuteAsync(next, "INSERT INTO t (id, v) VALUES (1, 11)", writer);
        await writer.CommitAsync();
        (await ScalarAsync(next, "SELECT v FROM t WHERE id = 1")).Should().Be(11L);
    }

    [Test]
    public async Task Two_commands_of_one_text_open_at_once_each_read_their_own_rows()
    {
        await using var source = new SqliteStockDataSource(_file.ConnectionString, TimeSpan.FromSeconds(5));
        await using var connection = await source.OpenConnectionAsync();
        await ExecuteAsync(connection, "CREATE TABLE t (id INTEGER PRIMARY KEY, v INTEGER NOT NULL)");
        await ExecuteAsync(connection, "INSERT INTO t (id, v) VALUES (1, 10), (2, 20), (3, 30)");
        const string Sql = "SELECT v FROM t WHERE id >= $from ORDER BY id";

        await using var outer = Command(connection, Sql, ("$from", 2L));
        await using var outerReader = await outer.ExecuteReaderAsync();
        (await outerReader.ReadAsync()).Should().BeTrue();
        outerReader.GetInt64(0).Should().Be(20L);

        await using (var inner = Command(connection, Sql, ("$from", 1L)))
        {
            await using var innerReader = await inner.ExecuteReaderAsync();
            var values = new List<long>();
            while (await innerReader.ReadAsync())
            {
                values.Add(innerReader.GetInt64(0));
            }

            values.Should().Equal(10L, 20L, 30L);
        }

        (await outerReader.ReadAsync()).Should().BeTrue();
        outerReader.GetInt64(0).Should().Be(30L);
        (await outerReader.ReadAsync()).Should().BeFalse();
    }

    [Test]
    public async Task A_command_disposed_with_its_reader_open_leaves_its_statement_ready_with_new_parameters()
    {
        await using var source = new SqliteStockDataSource(_file.ConnectionString, TimeSpan.FromSeconds(5));
        await using var connection = await source.OpenConnectionAsync();
        await ExecuteAsync(connection, "CREATE TABLE t (id INTEGER PRIMARY KEY, v INTEGER NOT NULL)");
        await ExecuteAsync(connection, "INSERT INTO t (id, v) VALUES (1, 10), (2, 20)");
        const string Sql = "SELECT v FROM t WHERE id = $id";

        var left = Command(connection, Sql, ("$id", 1L));
        var reader = await left.ExecuteReaderAsync();
        (await reader.ReadAsync()).Should().BeTrue();
        await left.DisposeAsync();

        (await ScalarAsync(connection, Sql, ("$id", 2L))).Should().Be(20L);

        // A parameter of the text left out is refused, not taken from the last run.
        var missing = async () => await ScalarAsync(connection, Sql);
        await missing.Should().ThrowAsync<InvalidOperationException>();
    }

    [Test]
    public async Task Statements_prepared_before_another_process_changes_the_schema_run_on_the_new_schema()
    {
        await using var source = new SqliteStockDataSource(_file.ConnectionString, TimeSpan.FromSeconds(60));
        const string Insert = "INSERT INTO t (id, v) VALUES ($id, $v)", ById = "SELECT v FROM t WHERE id = $id", All = "SELECT * FROM t ORDER BY id";
        DbConnection kept;
        await using (kept = await source.OpenConnectionAsync())
        {
            await ExecuteAsync(kept, "CREATE TABLE t (id INTEGER PRIMARY KEY, v INTEGER NOT NULL)");
            await ExecuteAsync(kept, Insert, ("$id", 1L), ("$v", 10L));
            (await ScalarAsync(kept, ById, ("$id", 1L))).Should().Be(10L);
            (await RowsAsync(kept, All)).Should().Equal("1,10");
        }

        await SqliteSchemaChangeTests.RunInOtherProcessAsync(
            _file.ConnectionString,
            "ALTER TABLE t ADD COLUMN note TEXT NOT NULL DEFAULT 'shop'; CREATE INDEX t_by_v ON t (v); CREATE TABLE shop_orders (id INTEGER PRIMARY KEY); VACUUM;");

        await using var connection = await source.OpenConnectionAsync();
        connection.Should().BeSameAs(kept, "the statements prepared on the old schema are the ones run again");
        await ExecuteAsync(connection, Insert, ("$id", 2L), ("$v", 20L));
        (await ScalarAsync(connection, ById, ("$id", 2L))).Should().Be(20L);
        (await RowsAsync(connection, All)).Should().Equal("1,10,shop", "2,20,shop");
    }

    [Test]
    public async Task A_list_parameter_that_Dapper_expands_into_the_text_reads_the_rows_it_names_with_every_other_parameter()
    {
        await using var source = new SqliteStockDataSource(_file.ConnectionString, TimeSpan.FromSeconds(5));
        await using var connection = await source.OpenConnectionAsync();
        await ExecuteAsync(connection, "CREATE TABLE t (id INTEGER PRIMARY KEY, v INTEGER NOT NULL)");
        await ExecuteAsync(connection, "INSERT INTO t (id, v) VALUES (1, 10), (2, 20), (3, 30), (4, 40)");
        const string Sql = "SELECT v FROM t WHERE v >= @min AND id IN @ids ORDER BY id";

        // Dapper adds @min and @ids1..@idsN, then rewrites the text to "IN (@ids1, …)"; each call's list has its own length.
        (await connection.QueryAsync<long>(Sql, new { min = 20L, ids = new[] { 1L, 3L, 4L } })).Should().Equal(30L, 40L);
        (await connection.QueryAsync<long>(Sql, new { min = 0L, ids = new[] { 2L } })).Should().Equal(20L);
        (await connection.QueryAsync<long>(Sql, new { min = 0L, ids = Array.Empty<long>() })).Should().BeEmpty();
        (await connection.QueryAsync<long>(Sql, new { min = 15L, ids = new[] { 1L, 2L, 3L } })).Should().Equal(20L, 30L);

        // The statement of the text as written is left ready for its next run, with no parameter of the last one.
        (await ScalarAsync(connection, "SELECT v FROM t WHERE id = $id", ("$id", 4L))).Should().Be(40L);
        var missing = async () => await ScalarAsync(connection, "SELECT v FROM t WHERE v >= @min AND id IN (@ids1) ORDER BY id");
        await missing.Should().ThrowAsync<InvalidOperationException>();
    }

    private static async Task<List<string>> RowsAsync(DbConnection connection, string sql)
    {
        await using var command = Command(connection, sql);
        await using var reader = await command.ExecuteReaderAsync();
        var rows = new List<string>();
        while (await reader.ReadAsync())
        {
            rows.Add(string.Join(",", Enumerable.Range(0, reader.FieldCount).Select(i => Convert.ToString(reader.GetValue(i), System.Globalization.CultureInfo.InvariantCulture))));
        }

        return rows;
    }

    private static DbCommand Command(DbConnection connection, string sql, params (string Name, object Value)[] parameters)
    {
        var command = connection.CreateCommand();
        command.CommandText = sql;
        foreach (var (name, value) in parameters)
        {
            var parameter = command.CreateParameter();
            parameter.ParameterName = name;
            parameter.Value = value;
            command.Parameters.Add(parameter);
        }

        return command;
    }

    private static async Task ExecuteAsync(DbConnection connection, string sql, params (string Name, object Value)[] parameters)
    {
        await using var command = Command(connection, sql, parameters);
        await command.ExecuteNonQueryAsync();
    }

    private static async Task ExecuteAsync(DbConnection connection, string sql, DbTransaction transaction)
    {
        await using var command = Command(connection, sql);
        command.Transaction = transaction;
        await command.ExecuteNonQueryAsync();
    }

    private static async Task<object?> ScalarAsync(DbConnection connection, string sql, params (string Name, object Value)[] parameters)
    {
        await using var command = Command(connection, sql, parameters);
        return await command.ExecuteScalarAsync();
    }
}
