using Microsoft.Data.Sqlite;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;
using StockGuard.DependencyInjection;
using StockGuard.Sql;
using StockGuard.Testing;

namespace StockGuard.AspNetCore.Tests;

/// <summary>A real database behind the test app: a fresh one per test, dropped after.</summary>
public interface IApiStore : IAsyncDisposable
{
    /// <summary>Registers the store on the builder, creating the schema on first use or not at all.</summary>
    void Use(IStockGuardBuilder builder, bool autoCreateSchema);

    /// <summary>Drops the table the sweep writes, so that every later sweep fails.</summary>
    Task BreakSweepAsync();
}

/// <summary>A SQLite file of its own.</summary>
public sealed class SqliteApiStore : IApiStore
{
    private readonly string _path = Path.Combine(Path.GetTempPath(), $"stockguard-web-{Guid.NewGuid():N}.db");

    public string ConnectionString => $"Data Source={_path};Pooling=False";

    public void Use(IStockGuardBuilder builder, bool autoCreateSchema) =>
        builder.UseSqlite(ConnectionString, o => o.AutoCreateSchema = autoCreateSchema);

    public async Task BreakSweepAsync()
    {
        await using var connection = new SqliteConnection(ConnectionString);
        await connection.OpenAsync();
        await using var command = new SqliteCommand("DROP TABLE stock_hold_lines; DROP TABLE stock_holds;", connection);
        await command.ExecuteNonQueryAsync();
    }

    public ValueTask DisposeAsync()
    {
        foreach (var file in new[] { _path, _path + "-wal", _path + "-shm" })
        {
            File.Delete(file);
        }

        return ValueTask.CompletedTask;
    }
}

/// <summary>A PostgreSQL schema of its own on the test server; the store reads time from the test's clock.</summary>
public sealed class PostgreSqlApiStore : IApiStore
{
    public const string Variable = "STOCKGUARD_POSTGRES";

    private static readonly string ConnectionString =
        TestServers.ConnectionString(Variable, "Host=127.0.0.1;Port=5432;Username=stockguard;Password=stockguard;Database=stockguard");

    private readonly string _schema = $"sg_web_{Guid.NewGuid():N}"[..30];

    public static async Task RequireServerAsync()
    {
        try
        {
            await using var connection = new NpgsqlConnection(ConnectionString);
            await connection.OpenAsync();
        }
        catch (Exception ex) when (ex is NpgsqlException or TimeoutException or IOException)
        {
            var builder = new NpgsqlConnectionStringBuilder(ConnectionString);
            TestServers.Unavailable($"PostgreSQL at {builder.Host}:{builder.Port}", Variable, ex);
        }
    }

    public void Use(IStockGuardBuilder builder, bool autoCreateSchema) =>
        builder.UsePostgreSql(ConnectionString, o =>
        {
            o.Schema = _schema;
            o.Clock = SqlClock.TimeProvider;
            o.AutoCreateSchema = autoCreateSchema;
        });

    public Task BreakSweepAsync() => ExecAsync($"DROP TABLE \"{_schema}\".stock_hold_lines, \"{_schema}\".stock_holds CASCADE");

    public async ValueTask DisposeAsync() => await ExecAsync($"DROP SCHEMA IF EXISTS \"{_schema}\" CASCADE");

    private static async Task ExecAsync(string sql)
    {
        await using var connection = new NpgsqlConnection(ConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        await command.ExecuteNonQueryAsync();
    }
}
