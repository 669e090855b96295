using System.Diagnostics.CodeAnalysis;
using System.Text;

namespace StockGuard.AspNetCore;

/// <summary>
/// The <c>Idempotency-Key</c> request header of the IETF HTTPAPI draft "The Idempotency-Key HTTP Header Field": a
/// structured-field string (<c>Idempotency-Key: "8e03978e-40d5-43e8-bc93-6894a57f9324"</c>). A bare token without quotes
/// is accepted too, since many clients send one.
/// </summary>
public static class IdempotencyKeyHeader
{
    /// <summary>The header's name: <c>Idempotency-Key</c>.</summary>
    public const string Name = "Idempotency-Key";

    /// <summary>The longest key accepted, in characters: 128, the store's limit for an idempotency key.</summary>
    public const int MaxLength = 128;

    /// <summary>Reads a key from one header value.</summary>
    /// <param name="value">The field value.</param>
    /// <param name="key">The key: printable ASCII, 1 to <see cref="MaxLength"/> characters, not only spaces.</param>
    /// <returns>Whether the value is a well-formed key.</returns>
    public static bool TryParse(string? value, [NotNullWhen(true)] out string? key)
    {
        key = null;
        var text = value?.Trim(' ', '\t');
        if (string.IsNullOrEmpty(text))
        {
            return false;
        }

        string parsed;
        if (text[0] == '"')
        {
            // sf-string (RFC 8941 §3.3.3): printable ASCII between quotes, \" and \\ the only escapes.
            var builder = new StringBuilder(text.Length);
            var i = 1;
            for (; i < text.Length; i++)
            {
                var c = text[i];
                if (c == '\\')
                {
                    if (++i == text.Length || text[i] is not ('"' or '\\'))
                    {
                        return false;
                    }

                    builder.Append(text[i]);
                }
                else if (c == '"')
                {
                    break;
                }
                else if (c is < ' ' or > '~')
                {
                    return false;
                }
                else
                {
                    builder.Append(c);
                }
            }

            if (i != text.Length - 1)
            {
                return false;   // no closing quote, or something after it
            }

            parsed = builder.ToString();
        }
        else
        {
            foreach (var c in text)
            {
                if (c is <= ' ' or > '~' or '"' or ',' or ';')
                {
                    return false;
                }
            }

            parsed = text;
        }

        if (parsed.Length is 0 or > MaxLength || string.IsNullOrWhiteSpace(parsed))
        {
            return false;
        }

        key = parsed;
        return true;
    }
}
