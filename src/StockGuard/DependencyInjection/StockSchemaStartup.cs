using System.Globalization;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace StockGuard.DependencyInjection;

/// <summary>
/// Creates (or only checks) the store's schema while the host starts, before any hosted service's <c>StartAsync</c> and
/// before a web server takes requests: a database that cannot be reached, refuses the credentials or holds an older schema
/// version stops the host with the store's message instead of failing the first buyer.
/// </summary>
internal sealed partial class StockSchemaStartup(IServiceProvider services, bool create, ILogger<StockSchemaStartup> logger) : IHostedLifecycleService
{
    public async Task StartingAsync(CancellationToken cancellationToken)
    {
        // Resolving the store first makes a bad connection string or option fail here, not on the first request.
        _ = services.GetService<IStockStore>()
            ?? throw new InvalidOperationException("AddStockGuard() registered no stock store: chain a store, e.g. .UseSqlite(…) or .UsePostgreSql(…).");
        if (services.GetService<IStockSchema>() is not { } schema)
        {
            return;   // a store without a schema, such as the in-memory store
        }

        if (create)
        {
            await schema.EnsureSchemaAsync(cancellationToken).ConfigureAwait(false);
            LogSchemaReady(logger, await schema.GetSchemaVersionAsync(cancellationToken).ConfigureAwait(false) ?? schema.RequiredVersion);
            return;
        }

        var version = await schema.GetSchemaVersionAsync(cancellationToken).ConfigureAwait(false);
        if (version is null || version < schema.RequiredVersion)
        {
            throw new InvalidOperationException(
                $"The stock schema is at version {version?.ToString(CultureInfo.InvariantCulture) ?? "none (not created)"}; this library needs version {schema.RequiredVersion}. " +
                "Apply the store package's sql/ script, or call EnsureSchemaOnStartup() instead of VerifySchemaOnStartup() to let the store create it.");
        }

        LogSchemaReady(logger, version.Value);
    }

    public Task StartAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StartedAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StoppingAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StoppedAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    [LoggerMessage(3, LogLevel.Information, "The stock schema is at version {Version}.")]
    private static partial void LogSchemaReady(ILogger logger, int version);
}
