using System.Globalization;
using Microsoft.Extensions.Primitives;

namespace StockGuard.AspNetCore;

/// <summary>Small pieces the results, the filter and the handler share.</summary>
internal static class StockHttp
{
    public const string ReplayedHeader = "Idempotent-Replayed";

    public static StringValues RetryAfterSeconds(StockGuardHttpOptions options) =>
        ((long)Math.Ceiling(options.RetryAfter.TotalSeconds)).ToString(CultureInfo.InvariantCulture);

    /// <summary>The strong entity tag of a level: its <see cref="StockLevel.Version"/>, quoted.</summary>
    public static string ETag(StockLevel level) => string.Create(CultureInfo.InvariantCulture, $"\"{level.Version}\"");

    /// <summary>Whether an If-None-Match field value matches <paramref name="etag"/> (weak comparison, RFC 9110 §13.1.2).</summary>
    public static bool IfNoneMatch(StringValues header, string etag)
    {
        foreach (var value in header)
        {
            foreach (var part in (value ?? string.Empty).Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries))
            {
                var tag = part.StartsWith("W/", StringComparison.Ordinal) ? part[2..] : part;
                if (tag == "*" || string.Equals(tag, etag, StringComparison.Ordinal))
                {
                    return true;
                }
            }
        }

        return false;
    }

    /// <summary>A key in its text form, as <see cref="StockKeyJsonConverter"/> writes it: "SKU" or "SKU@location".</summary>
    public static StockKey ParseKey(string text)
    {
        var at = text.LastIndexOf('@');
        return at < 0 ? new StockKey(text) : new StockKey(text[..at], text[(at + 1)..]);
    }
}
