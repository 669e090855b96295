using Microsoft.Extensions.Logging;
using Npgsql;
using StockGuard.DependencyInjection;
using StockGuard.Sql.DependencyInjection;
using StockGuard.PostgreSql;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Registers the <see cref="PostgreSqlStockStore"/> as StockGuard's store.</summary>
public static class PostgreSqlStockGuardBuilderExtensions
{
    /// <summary>
    /// Uses a <see cref="PostgreSqlStockStore"/> with its own connection pool for <paramref name="connectionString"/>.
    /// Options are validated at start-up. Replaces any store registered before; the store is also
    /// the <see cref="StockGuard.IStockSchema"/> that start-up schema creation and health checks use.
    /// </summary>
    /// <param name="builder">The builder <c>AddStockGuard</c> returned.</param>
    /// <param name="connectionString">An Npgsql connection string; never logged.</param>
    /// <param name="configure">Sets <see cref="PostgreSqlStockStoreOptions"/>; optional.</param>
    /// <returns>The builder.</returns>
    public static IStockGuardBuilder UsePostgreSql(this IStockGuardBuilder builder, string connectionString, Action<PostgreSqlStockStoreOptions>? configure = null)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(connectionString);
        return SqlStoreRegistration.UseSqlStore(builder, configure, (sp, options) => new PostgreSqlStockStore(connectionString, options, sp.GetService<TimeProvider>(), sp.GetService<ILogger<PostgreSqlStockStore>>()));
    }

    /// <summary>
    /// Uses a <see cref="PostgreSqlStockStore"/> over <paramref name="dataSource"/>, which the caller (or the container) owns.
    /// Options are validated at start-up. Replaces any store registered before; the store is also
    /// the <see cref="StockGuard.IStockSchema"/> that start-up schema creation and health checks use.
    /// </summary>
    /// <param name="builder">The builder <c>AddStockGuard</c> returned.</param>
    /// <param name="dataSource">The Npgsql data source.</param>
    /// <param name="configure">Sets <see cref="PostgreSqlStockStoreOptions"/>; optional.</param>
    /// <returns>The builder.</returns>
    public static IStockGuardBuilder UsePostgreSql(this IStockGuardBuilder builder, NpgsqlDataSource dataSource, Action<PostgreSqlStockStoreOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(dataSource);
        return SqlStoreRegistration.UseSqlStore(builder, configure, (sp, options) => new PostgreSqlStockStore(dataSource, options, sp.GetService<TimeProvider>(), sp.GetService<ILogger<PostgreSqlStockStore>>()));
    }
}
