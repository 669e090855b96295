using System.Text.Json;
using System.Text.Json.Serialization;

namespace StockGuard;

/// <summary>
/// Writes a <see cref="StockKey"/> as its text: the SKU alone at the default location (<c>"TSHIRT-M"</c>), else
/// <c>"SKU@location"</c> (<c>"TSHIRT-M@berlin"</c>). Text is read back by splitting at the last <c>@</c>, so a SKU with an
/// <c>@</c> at the default location is written <c>"A@B@default"</c>, and a key whose location holds an <c>@</c> is written as
/// <c>{"sku":…,"location":…}</c>; both forms are read. Every key round-trips exactly.
/// </summary>
/// <remarks>Applied to <see cref="StockKey"/> by attribute, so every <see cref="JsonSerializer"/> use and source-generated context picks it up.</remarks>
public sealed class StockKeyJsonConverter : JsonConverter<StockKey>
{
    /// <inheritdoc/>
    public override StockKey Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
    {
        try
        {
            return reader.TokenType switch
            {
                JsonTokenType.String => Parse(reader.GetString()!),
                JsonTokenType.StartObject => ReadObject(ref reader),
                _ => throw new JsonException($"A stock key is a string such as \"SKU\" or \"SKU@location\", not {reader.TokenType}."),
            };
        }
        catch (ArgumentException ex)
        {
            // The key's own rules (length, control characters, …) surface as a JSON error, so a web framework answers 400.
            throw new JsonException($"Not a stock key: {ex.Message}", ex);
        }
    }

    /// <inheritdoc/>
    public override void Write(Utf8JsonWriter writer, StockKey value, JsonSerializerOptions options)
    {
        ArgumentNullException.ThrowIfNull(writer);
        if (!value.IsValid)
        {
            throw new JsonException("default(StockKey) names no item and has no JSON form.");
        }

        if (value.Location.Contains('@', StringComparison.Ordinal))
        {
            writer.WriteStartObject();
            writer.WriteString("sku", value.Sku);
            writer.WriteString("location", value.Location);
            writer.WriteEndObject();
        }
        else if (value.Location == StockKey.DefaultLocation && !value.Sku.Contains('@', StringComparison.Ordinal))
        {
            writer.WriteStringValue(value.Sku);
        }
        else
        {
            writer.WriteStringValue($"{value.Sku}@{value.Location}");
        }
    }

    private static StockKey Parse(string text)
    {
        var at = text.LastIndexOf('@');
        return at < 0 ? new StockKey(text) : new StockKey(text[..at], text[(at + 1)..]);
    }

    private static StockKey ReadObject(ref Utf8JsonReader reader)
    {
        string? sku = null;
        string? location = null;
        while (reader.Read() && reader.TokenType != JsonTokenType.EndObject)
        {
            var name = reader.GetString();
            reader.Read();
            if (string.Equals(name, "sku", StringComparison.OrdinalIgnoreCase))
            {
                sku = reader.GetString();
            }
            else if (string.Equals(name, "location", StringComparison.OrdinalIgnoreCase))
            {
                location = reader.GetString();
            }
            else
            {
                reader.Skip();
            }
        }

        return new StockKey(sku ?? throw new JsonException("A stock key object needs a \"sku\"."), location);
    }
}
