using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace StockGuard.Tests;

/// <summary>Runs the container's start-up validation, as a host does when it starts, and collects what it refused.</summary>
internal static class StartupValidation
{
    /// <summary>The messages of every options failure start-up validation reports; empty when it passes.</summary>
    public static List<string> Failures(IServiceProvider provider)
    {
        try
        {
            provider.GetRequiredService<IStartupValidator>().Validate();
            return [];
        }
        catch (Exception thrown)
        {
            return [.. (thrown is AggregateException aggregate ? aggregate.Flatten().InnerExceptions : [thrown])
                .OfType<OptionsValidationException>().SelectMany(e => e.Failures)];
        }
    }
}
