using Microsoft.Extensions.Options;

namespace StockGuard.DependencyInjection;

/// <summary>Validates a store's options at start-up, naming every setting out of range.</summary>
internal sealed class StockStoreOptionsValidator<TOptions> : IValidateOptions<TOptions>
    where TOptions : StockStoreOptions
{
    public ValidateOptionsResult Validate(string? name, TOptions options)
    {
        var failures = options.GetValidationFailures();
        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }
}

/// <summary>Validates <see cref="StockGuardOptions"/> at start-up.</summary>
internal sealed class StockGuardOptionsValidator : IValidateOptions<StockGuardOptions>
{
    public ValidateOptionsResult Validate(string? name, StockGuardOptions options)
    {
        var failures = options.Validate().ToList();
        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }
}
