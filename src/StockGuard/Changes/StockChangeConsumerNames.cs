namespace StockGuard.Changes;

/// <summary>Checks consumer names and owner tokens, which SQL stores keep in their tables.</summary>
public static class StockChangeConsumerNames
{
    /// <summary>The longest consumer name or owner token: 100 characters.</summary>
    public const int MaxLength = 100;

    /// <summary>Throws unless <paramref name="consumer"/> is 1 to 100 ASCII letters, digits, '.', '-' or '_'.</summary>
    /// <param name="consumer">The name.</param>
    /// <param name="parameterName">The parameter's name, for the exception.</param>
    /// <exception cref="ArgumentException">The name is not valid.</exception>
    public static void ThrowIfInvalid(string consumer, string parameterName = "consumer")
    {
        ArgumentNullException.ThrowIfNull(consumer, parameterName);
        if (consumer.Length is 0 or > MaxLength || !consumer.All(c => char.IsAsciiLetterOrDigit(c) || c is '.' or '-' or '_'))
        {
            throw new ArgumentException($"'{consumer}' is not a change consumer name: use 1 to {MaxLength} ASCII letters, digits, '.', '-' or '_'.", parameterName);
        }
    }

    /// <summary>Throws unless <paramref name="owner"/> is 1 to 100 characters.</summary>
    /// <param name="owner">The token.</param>
    /// <exception cref="ArgumentException">The token is not valid.</exception>
    public static void ThrowIfInvalidOwner(string owner)
    {
        ArgumentNullException.ThrowIfNull(owner);
        if (owner.Length is 0 or > MaxLength)
        {
            throw new ArgumentException($"A lease owner token has 1 to {MaxLength} characters; this one has {owner.Length}.", nameof(owner));
        }
    }
}
