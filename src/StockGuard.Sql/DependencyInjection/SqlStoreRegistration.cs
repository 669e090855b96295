using Microsoft.Extensions.DependencyInjection;
using StockGuard.DependencyInjection;

namespace StockGuard.Sql.DependencyInjection;

/// <summary>What every SQL provider's <c>Use…</c> method registers: the store, and the store as its <see cref="IStockSchema"/>.</summary>
internal static class SqlStoreRegistration
{
    public static IStockGuardBuilder UseSqlStore<TOptions>(IStockGuardBuilder builder, Action<TOptions>? configure, Func<IServiceProvider, TOptions, SqlStockStore> factory)
        where TOptions : SqlStockStoreOptions
    {
        builder.UseStore(configure, factory);

        // Start-up schema creation and the health checks reach the schema through this service, never by casting the store.
        builder.Services.AddSingleton<IStockSchema>(static sp => sp.GetRequiredService<IStockStore>() as IStockSchema
            ?? throw new InvalidOperationException(
                "The registered IStockStore is not the SQL store that Use… registered (a decorator replaced it); register its schema too: services.AddSingleton<IStockSchema>(…)."));
        return builder;
    }
}
