using System.Data.Common;
using Microsoft.Extensions.DependencyInjection;
using MySqlConnector;
using Npgsql;
using StockGuard.DependencyInjection;

namespace FlashSale;

/// <summary>The stores the sale can run on. SQLite, the embedded default, needs no server.</summary>
internal static class Stores
{
    public const string Default = "sqlite";

    public static readonly string[] Names = ["sqlite", "inmemory", "postgres", "mysql"];

    private const string PostgreSqlDefault = "Host=127.0.0.1;Port=5432;Username=stockguard;Password=stockguard;Database=stockguard";

    private const string MySqlDefault = "Server=127.0.0.1;Port=3306;User ID=stockguard;Password=stockguard;Database=stockguard";

    /// <summary>
    /// Registers the chosen store. The returned scope removes what the sale created: the SQLite file, or the
    /// schema (a database on MySQL) of this run on a server, <c>flashsale_{run}</c>.
    /// </summary>
    public static SaleDatabase Configure(IStockGuardBuilder builder, SaleSettings settings, string run)
    {
        var schema = $"flashsale_{run}";
        switch (settings.Store)
        {
            case "sqlite":
                if (settings.ConnectionString is { } sqlite)
                {
                    builder.UseSqlite(sqlite, o => { o.Strategy = settings.Strategy; o.WaitlistClaimWindow = settings.ClaimWindow; });
                    return new SaleDatabase(null);
                }

                var file = Path.Combine(Path.GetTempPath(), $"stockguard-flashsale-{run}.db");
                builder.UseSqlite($"Data Source={file}", o => { o.Strategy = settings.Strategy; o.WaitlistClaimWindow = settings.ClaimWindow; });
                return new SaleDatabase(_ => DeleteAsync(file));
            case "inmemory":
                // The in-memory feed keeps the newest changes only: room for the whole sale, which the feed reader checks.
                builder.UseInMemory(o => { o.ChangeRetention = 1_000_000; o.WaitlistClaimWindow = settings.ClaimWindow; });
                return new SaleDatabase(null);
            case "postgres":
                var postgres = settings.ConnectionString ?? PostgreSqlDefault;
                builder.UsePostgreSql(postgres, o => { o.Schema = schema; o.Strategy = settings.Strategy; o.WaitlistClaimWindow = settings.ClaimWindow; });
                return new SaleDatabase(stocked => DropAsync(() => new NpgsqlConnection(postgres), $"DROP SCHEMA IF EXISTS \"{schema}\" CASCADE", schema, stocked));
            case "mysql":
                var mysql = settings.ConnectionString ?? MySqlDefault;
                builder.UseMySql(mysql, o => { o.Schema = schema; o.Strategy = settings.Strategy; o.WaitlistClaimWindow = settings.ClaimWindow; });
                return new SaleDatabase(stocked => DropAsync(() => new MySqlConnection(mysql), $"DROP DATABASE IF EXISTS `{schema}`", schema, stocked));
            default:
                throw new ArgumentException($"Unknown store '{settings.Store}'; use one of {string.Join(", ", Names)}.", nameof(settings));
        }
    }

    public static string Describe(SaleSettings settings) => settings.Store switch
    {
        "sqlite" => (settings.ConnectionString is null ? "SQLite store (a temporary file)" : "SQLite store") + With(settings),
        "inmemory" => "in-memory store",
        "postgres" => "PostgreSQL store" + With(settings),
        "mysql" => "MySQL store" + With(settings),
        _ => settings.Store,
    };

    private static string With(SaleSettings settings) => $", {settings.Strategy} strategy";

    private static ValueTask DeleteAsync(string file)
    {
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        foreach (var path in new[] { file, file + "-wal", file + "-shm" })
        {
            File.Delete(path);
        }

        return ValueTask.CompletedTask;
    }

    /// <summary>Drops the run's schema with everything in it. The name is made here, of letters, digits and '_'.</summary>
    private static async ValueTask DropAsync(Func<DbConnection> connect, string drop, string schema, bool stocked)
    {
        try
        {
            await using var connection = connect();
            await connection.OpenAsync();
            await using var command = connection.CreateCommand();
            command.CommandText = drop;
            await command.ExecuteNonQueryAsync();
        }
        catch (DbException ex) when (stocked)
        {
            Console.Error.WriteLine($"flashsale: the schema {schema} could not be dropped ({ex.Message}); drop it by hand.");
        }
        catch (Exception ex) when (ex is DbException or ArgumentException)
        {
            // The store never got as far as stocking the sale: the server refused it before, and refuses this too.
        }
    }
}

/// <summary>What the sale created in its store, removed when disposed: a temporary SQLite file or a server schema.</summary>
internal sealed class SaleDatabase(Func<bool, ValueTask>? remove) : IAsyncDisposable
{
    /// <summary>Set once the sale's items are stocked: from then on a failure to remove them is worth a warning.</summary>
    public bool Stocked { get; set; }

    public ValueTask DisposeAsync() => remove?.Invoke(Stocked) ?? ValueTask.CompletedTask;
}
