using Microsoft.Extensions.Logging;
using StockGuard.DependencyInjection;
using StockGuard.Sql.DependencyInjection;
using StockGuard.Sqlite;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Registers the <see cref="SqliteStockStore"/> as StockGuard's store.</summary>
public static class SqliteStockGuardBuilderExtensions
{
    /// <summary>
    /// Uses a <see cref="SqliteStockStore"/> over the SQLite database of <paramref name="connectionString"/>, e.g.
    /// <c>Data Source=stock.db</c>. Options are validated at start-up. Replaces any store registered before; the store is also
    /// the <see cref="StockGuard.IStockSchema"/> that start-up schema creation and health checks use.
    /// </summary>
    /// <param name="builder">The builder <c>AddStockGuard</c> returned.</param>
    /// <param name="connectionString">A Microsoft.Data.Sqlite connection string.</param>
    /// <param name="configure">Sets <see cref="SqliteStockStoreOptions"/>; optional.</param>
    /// <returns>The builder.</returns>
    public static IStockGuardBuilder UseSqlite(this IStockGuardBuilder builder, string connectionString, Action<SqliteStockStoreOptions>? configure = null)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(connectionString);
        return SqlStoreRegistration.UseSqlStore(builder, configure, (sp, options) => new SqliteStockStore(connectionString, options, sp.GetService<TimeProvider>(), sp.GetService<ILogger<SqliteStockStore>>()));
    }
}
