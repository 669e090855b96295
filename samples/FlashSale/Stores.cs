using Microsoft.Extensions.DependencyInjection;
using StockGuard.DependencyInjection;

namespace FlashSale;

/// <summary>The stores the sale can run on. SQLite, the embedded default, needs no server.</summary>
internal static class Stores
{
    public const string Default = "sqlite";

    public static readonly string[] Names = ["sqlite", "inmemory", "postgres", "mysql"];

    /// <summary>Registers the chosen store; the returned scope removes what the sale created (the SQLite file).</summary>
    public static IDisposable Configure(IStockGuardBuilder builder, SaleSettings settings)
    {
        switch (settings.Store)
        {
            case "sqlite":
                if (settings.ConnectionString is { } sqlite)
                {
                    builder.UseSqlite(sqlite, o => o.Strategy = settings.Strategy);
                    return Nothing.Instance;
                }

                var file = Path.Combine(Path.GetTempPath(), $"stockguard-flashsale-{Guid.NewGuid():N}.db");
                builder.UseSqlite($"Data Source={file}", o => o.Strategy = settings.Strategy);
                return new TemporaryDatabase(file);
            case "inmemory":
                builder.UseInMemory();
                return Nothing.Instance;
            case "postgres":
                builder.UsePostgreSql(settings.ConnectionString ?? "Host=127.0.0.1;Port=5432;Username=stockguard;Password=stockguard;Database=stockguard", o => { o.Schema = "flashsale"; o.Strategy = settings.Strategy; });
                return Nothing.Instance;
            case "mysql":
                builder.UseMySql(settings.ConnectionString ?? "Server=127.0.0.1;Port=3306;User ID=stockguard;Password=stockguard;Database=stockguard", o => { o.Schema = "flashsale"; o.Strategy = settings.Strategy; });
                return Nothing.Instance;
            default:
                throw new ArgumentException($"Unknown store '{settings.Store}'. Known: {string.Join(", ", Names)}.");
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

    private sealed class Nothing : IDisposable
    {
        public static readonly Nothing Instance = new();

        public void Dispose()
        {
        }
    }

    private sealed class TemporaryDatabase(string file) : IDisposable
    {
        public void Dispose()
        {
            foreach (var path in new[] { file, file + "-wal", file + "-shm" })
            {
                File.Delete(path);
            }
        }
    }
}
