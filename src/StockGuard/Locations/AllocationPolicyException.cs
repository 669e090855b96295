namespace StockGuard;

/// <summary>A custom <see cref="AllocationPolicy"/> chose units the snapshot does not have, or that do not add up to the order. Nothing was changed.</summary>
public sealed class AllocationPolicyException : StockGuardException
{
    /// <summary>Creates the exception.</summary>
    /// <param name="policy">The policy's name.</param>
    /// <param name="problem">What was wrong with its choice.</param>
    public AllocationPolicyException(string policy, string problem)
        : base($"The allocation policy '{policy}' made an invalid choice: {problem} Nothing was changed.") => Policy = policy;

    /// <summary>The policy's name.</summary>
    public string Policy { get; }
}
