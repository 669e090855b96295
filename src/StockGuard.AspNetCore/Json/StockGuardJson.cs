using System.Text.Json;
using System.Text.Json.Serialization.Metadata;

namespace StockGuard.AspNetCore;

/// <summary>
/// StockGuard's results, levels and holds in JSON, from source-generated metadata (no reflection): camelCase, keys as their
/// text (<c>"TSHIRT-M"</c>, <c>"TSHIRT-M@berlin"</c>), enums by name. <c>AddAspNetCore()</c> puts <see cref="Resolver"/> first
/// in the HTTP JSON options.
/// </summary>
public static class StockGuardJson
{
    /// <summary>The source-generated metadata of <see cref="StockLevel"/>, <see cref="StockChangeResult"/>, <see cref="ReserveResult"/>,
    /// <see cref="HoldResult"/>, <see cref="StockHold"/>, <see cref="ShortLine"/> and the hold endpoints' bodies.</summary>
    public static IJsonTypeInfoResolver Resolver => StockGuardJsonContext.Default;

    /// <summary>Read-only web-default options over <see cref="Resolver"/>: <c>JsonSerializer.Serialize(level, StockGuardJson.Options)</c>.</summary>
    public static JsonSerializerOptions Options => StockGuardJsonContext.Default.Options;
}
