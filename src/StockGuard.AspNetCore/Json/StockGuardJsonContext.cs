using System.Text.Json;
using System.Text.Json.Serialization;

namespace StockGuard.AspNetCore;

/// <summary>The source-generated JSON metadata behind <see cref="StockGuardJson"/>.</summary>
[JsonSourceGenerationOptions(JsonSerializerDefaults.Web)]
[JsonSerializable(typeof(StockLevel))]
[JsonSerializable(typeof(IReadOnlyList<StockLevel>))]
[JsonSerializable(typeof(StockChangeResult))]
[JsonSerializable(typeof(ReserveResult))]
[JsonSerializable(typeof(HoldResult))]
[JsonSerializable(typeof(StockHold))]
[JsonSerializable(typeof(IReadOnlyList<ShortLine>))]
[JsonSerializable(typeof(StockHoldRequest))]
[JsonSerializable(typeof(StockHoldExtension))]
internal sealed partial class StockGuardJsonContext : JsonSerializerContext;
