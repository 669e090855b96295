using Microsoft.Extensions.Logging;
using MySqlConnector;
using StockGuard.DependencyInjection;
using StockGuard.Sql.DependencyInjection;
using StockGuard.MySql;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Registers the <see cref="MySqlStockStore"/> as StockGuard's store.</summary>
public static class MySqlStockGuardBuilderExtensions
{
    /// <summary>
    /// Uses a <see cref="MySqlStockStore"/> with its own connection pool for <paramref name="connectionString"/>.
    /// Options are validated at start-up. Replaces any store registered before; the store is also
    /// the <see cref="StockGuard.IStockSchema"/> that start-up schema creation and health checks use.
    /// </summary>
    /// <param name="builder">The builder <c>AddStockGuard</c> returned.</param>
    /// <param name="connectionString">A MySqlConnector connection string; never logged.</param>
    /// <param name="configure">Sets <see cref="MySqlStockStoreOptions"/>; optional.</param>
    /// <returns>The builder.</returns>
    public static IStockGuardBuilder UseMySql(this IStockGuardBuilder builder, string connectionString, Action<MySqlStockStoreOptions>? configure = null)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(connectionString);
        return SqlStoreRegistration.UseSqlStore(builder, configure, (sp, options) => new MySqlStockStore(connectionString, options, sp.GetService<TimeProvider>(), sp.GetService<ILogger<MySqlStockStore>>()));
    }

    /// <summary>
    /// Uses a <see cref="MySqlStockStore"/> over <paramref name="dataSource"/>, which the caller (or the container) owns.
    /// Options are validated at start-up. Replaces any store registered before; the store is also
    /// the <see cref="StockGuard.IStockSchema"/> that start-up schema creation and health checks use.
    /// </summary>
    /// <param name="builder">The builder <c>AddStockGuard</c> returned.</param>
    /// <param name="dataSource">The MySqlConnector data source.</param>
    /// <param name="configure">Sets <see cref="MySqlStockStoreOptions"/>; optional.</param>
    /// <returns>The builder.</returns>
    public static IStockGuardBuilder UseMySql(this IStockGuardBuilder builder, MySqlDataSource dataSource, Action<MySqlStockStoreOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(dataSource);
        return SqlStoreRegistration.UseSqlStore(builder, configure, (sp, options) => new MySqlStockStore(dataSource, options, sp.GetService<TimeProvider>(), sp.GetService<ILogger<MySqlStockStore>>()));
    }
}
