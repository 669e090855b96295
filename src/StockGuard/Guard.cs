using System.Runtime.CompilerServices;

namespace StockGuard;

/// <summary>Argument checks shared by the request types and every store.</summary>
internal static class Guard
{
    public const int MaxIdempotencyKeyLength = 128;

    public const int MaxReferenceLength = 200;

    public const int MaxReasonLength = 200;

    public static string Identifier(string? value, int maxLength, string paramName, string what)
    {
        ArgumentNullException.ThrowIfNull(value, paramName);
        if (value.Length == 0 || string.IsNullOrWhiteSpace(value))
        {
            throw new ArgumentException($"The {what} is empty or white space.", paramName);
        }

        if (value.Length > maxLength)
        {
            throw new ArgumentException($"The {what} is {value.Length} characters long; at most {maxLength} are accepted.", paramName);
        }

        for (var i = 0; i < value.Length; i++)
        {
            var c = value[i];
            if (char.IsControl(c))
            {
                throw new ArgumentException($"The {what} contains the control character U+{(int)c:X4}.", paramName);
            }

            // A lone surrogate is not text: the databases store it as U+FFFD, which would merge different keys into one.
            if (char.IsSurrogate(c))
            {
                if (char.IsHighSurrogate(c) && i + 1 < value.Length && char.IsLowSurrogate(value[i + 1]))
                {
                    i++;
                    continue;
                }

                throw new ArgumentException(
                    $"The {what} contains the lone surrogate U+{(int)c:X4} at index {i}: it is not well-formed UTF-16 text.", paramName);
            }
        }

        return value;
    }

    public static string? OptionalText(string? value, int maxLength, string paramName, string what) =>
        value is null ? null : Identifier(value, maxLength, paramName, what);

    /// <summary>Checks the lines of a request and merges duplicate lines of one item into one, in first-seen order.</summary>
    public static StockLine[] Lines(IEnumerable<StockLine>? lines, [CallerArgumentExpression(nameof(lines))] string paramName = "lines")
    {
        ArgumentNullException.ThrowIfNull(lines, paramName);
        var source = lines as StockLine[] ?? lines.ToArray();
        if (source.Length == 0)
        {
            throw new ArgumentException("The request has no lines.", paramName);
        }

        foreach (var line in source)
        {
            if (!line.Key.IsValid || line.Quantity <= 0)
            {
                throw new ArgumentException("A line is default(StockLine): it names no item and no quantity.", paramName);
            }
        }

        if (source.Length == 1)
        {
            return [source[0]];
        }

        // Two lines of one item must be checked together, or a bundle of two single units oversells the last one.
        var merged = new List<StockLine>(source.Length);
        var index = new Dictionary<StockKey, int>(source.Length);
        foreach (var line in source)
        {
            if (index.TryGetValue(line.Key, out var at))
            {
                long sum = (long)merged[at].Quantity + line.Quantity;
                if (sum > int.MaxValue)
                {
                    throw new ArgumentOutOfRangeException(paramName, sum, $"The lines of {line.Key} add up to {sum} units, more than {int.MaxValue}.");
                }

                merged[at] = new StockLine(line.Key, (int)sum);
            }
            else
            {
                index.Add(line.Key, merged.Count);
                merged.Add(line);
            }
        }

        return [.. merged];
    }
}
