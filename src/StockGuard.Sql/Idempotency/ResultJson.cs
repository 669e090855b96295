using System.Buffers;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace StockGuard.Sql.Idempotency;

/// <summary>The JSON form of stored first results, for the idempotency ledger. Field names are short and stable: stored rows outlive versions.</summary>
internal static class ResultJson
{
    public static string Write(StockChangeResult result) =>
        JsonSerializer.Serialize(new ChangeDto(result.Succeeded, Levels(result.Levels), Shorts(result.ShortLines), Backordered(result.Backordered)), ResultJsonContext.Default.ChangeDto);

    public static string Write(ReserveResult result) =>
        JsonSerializer.Serialize(
            new ReserveDto(
                result.Hold is { } h ? new HoldDto(h.Id, [.. h.Lines.Select(l => new LineDto(l.Key.Sku, l.Key.Location, l.Quantity))], h.CreatedAt, h.ExpiresAt, h.State, h.Reference) : null,
                Levels(result.Levels),
                Shorts(result.ShortLines),
                Backordered(result.Backordered)),
            ResultJsonContext.Default.ReserveDto);

    public static string Write(AllocationResult result) =>
        JsonSerializer.Serialize(
            new AllocationDto(
                Lines(result.Parts),
                Levels(result.Levels),
                [.. result.ShortLines.Select(s => new AllocationShortDto(s.Sku, s.Requested, s.Sellable))],
                result.Hold is { } h ? Hold(h) : null),
            ResultJsonContext.Default.AllocationDto);

    public static string Write(TransferResult result) =>
        JsonSerializer.Serialize(
            new TransferDto(result.TransferId, result.Quantity, Levels(result.Levels), result.ShortLine is { } s ? new ShortDto(s.Key.Sku, s.Key.Location, s.Requested, s.Sellable) : null),
            ResultJsonContext.Default.TransferDto);

    public static AllocationResult ReadAllocation(string json)
    {
        var dto = JsonSerializer.Deserialize(json, ResultJsonContext.Default.AllocationDto) ?? throw Corrupt();
        return new AllocationResult(Lines(dto.Parts), Levels(dto.Levels), [.. dto.Short.Select(s => new AllocationShortLine(s.Sku, s.Requested, s.Sellable))], dto.Hold is { } h ? Hold(h) : null) { IsReplay = true };
    }

    public static TransferResult ReadTransfer(string json)
    {
        var dto = JsonSerializer.Deserialize(json, ResultJsonContext.Default.TransferDto) ?? throw Corrupt();
        return new TransferResult(dto.Id, dto.Qty, Levels(dto.Levels), dto.Short is { } s ? new ShortLine(new StockKey(s.Sku, s.Loc), s.Requested, s.Sellable) : null) { IsReplay = true };
    }

    private static List<LineDto> Lines(IReadOnlyList<StockLine> lines) => [.. lines.Select(l => new LineDto(l.Key.Sku, l.Key.Location, l.Quantity))];

    private static StockLine[] Lines(List<LineDto> lines) => [.. lines.Select(l => new StockLine(new StockKey(l.Sku, l.Loc), l.Qty))];

    private static HoldDto Hold(StockHold h) => new(h.Id, Lines(h.Lines), h.CreatedAt, h.ExpiresAt, h.State, h.Reference);

    private static StockHold Hold(HoldDto h) => new(h.Id, Lines(h.Lines), h.Created, h.Expires, h.State, h.Ref);

    /// <summary>
    /// The opening of <see cref="Write(StockChangeResult)"/>'s text for an applied one-line sale of <paramref name="key"/>,
    /// up to its level's <c>OnHand</c> value: a one-command keyed sale appends the numbers of the row it changed and the
    /// closing (the level carries the counters only, as the command's own answer does), and stores what the ledger writes
    /// for that answer. The key's texts are written as they are when they are printable ASCII without quotes or
    /// backslashes (a JSON string that reads back as the same text, as almost every SKU and location is), else escaped
    /// by <see cref="JsonEncodedText"/>: the server reads the text as <c>jsonb</c>, which keeps the strings, not their
    /// escapes.
    /// </summary>
    public static string SaleHead(StockKey key) =>
        string.Concat(
            "{\"Ok\":true,\"Levels\":[{\"Sku\":\"",
            JsonString(key.Sku),
            "\",\"Loc\":\"",
            JsonString(key.Location),
            "\",\"OnHand\":");

    /// <summary><paramref name="text"/> as the inside of a JSON string literal.</summary>
    private static string JsonString(string text) =>
        text.AsSpan().ContainsAnyExcept(PlainJsonText) ? JsonEncodedText.Encode(text).ToString() : text;

    /// <summary>The characters a JSON string may hold as they are: printable ASCII but the quote and the backslash.</summary>
    private static readonly SearchValues<char> PlainJsonText =
        SearchValues.Create(" !#$%&'()*+,-./0123456789:;<=>?@ABCDEFGHIJKLMNOPQRSTUVWXYZ[]^_`abcdefghijklmnopqrstuvwxyz{|}~");

    public static StockChangeResult ReadChange(string json)
    {
        var dto = JsonSerializer.Deserialize(json, ResultJsonContext.Default.ChangeDto) ?? throw Corrupt();
        return new StockChangeResult(dto.Ok, Levels(dto.Levels), Shorts(dto.Short)) { IsReplay = true, Backordered = Backordered(dto.Bo) };
    }

    public static ReserveResult ReadReserve(string json)
    {
        var dto = JsonSerializer.Deserialize(json, ResultJsonContext.Default.ReserveDto) ?? throw Corrupt();
        var hold = dto.Hold is { } h
            ? new StockHold(h.Id, [.. h.Lines.Select(l => new StockLine(new StockKey(l.Sku, l.Loc), l.Qty))], h.Created, h.Expires, h.State, h.Ref)
            : null;
        return new ReserveResult(hold, Levels(dto.Levels), Shorts(dto.Short)) { IsReplay = true, Backordered = Backordered(dto.Bo) };
    }

    private static InvalidOperationException Corrupt() => new("A stored idempotency result is empty or not the JSON this library writes.");

    private static List<LevelDto> Levels(IReadOnlyList<StockLevel> levels) =>
        [.. levels.Select(l => new LevelDto(l.Key.Sku, l.Key.Location, l.OnHand, l.Reserved, l.SafetyStock, l.BackorderLimit, l.LowStockThreshold, l.Version)
        {
            Pre = l.PreOrderLimit == 0 ? null : l.PreOrderLimit,
            Restock = l.ExpectedRestock,
            Released = l.IsReleased ? true : null,
        })];

    /// <summary>The backordered lines; null when none, so that results without backorders keep their stored form.</summary>
    private static List<BackorderedDto>? Backordered(IReadOnlyList<BackorderedLine> lines) =>
        lines.Count == 0 ? null : [.. lines.Select(l => new BackorderedDto(l.Key.Sku, l.Key.Location, l.Quantity, l.Kind))];

    private static BackorderedLine[] Backordered(List<BackorderedDto>? lines) =>
        lines is null ? [] : [.. lines.Select(l => new BackorderedLine(new StockKey(l.Sku, l.Loc), l.Qty, l.Kind))];

    private static List<ShortDto> Shorts(IReadOnlyList<ShortLine> lines) =>
        [.. lines.Select(s => new ShortDto(s.Key.Sku, s.Key.Location, s.Requested, s.Sellable))];

    private static StockLevel[] Levels(List<LevelDto> levels) =>
        [.. levels.Select(l => new StockLevel(new StockKey(l.Sku, l.Loc), l.OnHand, l.Reserved, l.Safety, l.Backorder, l.Low, l.Version)
        {
            PreOrderLimit = l.Pre ?? 0,
            ExpectedRestock = l.Restock,
            IsReleased = l.Released ?? false,
        })];

    private static ShortLine[] Shorts(List<ShortDto> lines) =>
        [.. lines.Select(s => new ShortLine(new StockKey(s.Sku, s.Loc), s.Requested, s.Sellable))];

    /// <summary>A level; the pre-order settings (version 4) are left out when unset, and read as unset from older rows.</summary>
    internal sealed record LevelDto(string Sku, string Loc, long OnHand, long Reserved, long Safety, long Backorder, long Low, long Version)
    {
        [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
        public long? Pre { get; init; }

        [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
        public DateTimeOffset? Restock { get; init; }

        [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
        public bool? Released { get; init; }
    }

    internal sealed record BackorderedDto(string Sku, string Loc, int Qty, BackorderKind Kind);

    internal sealed record ShortDto(string Sku, string Loc, int Requested, long Sellable);

    internal sealed record LineDto(string Sku, string Loc, int Qty);

    internal sealed record HoldDto(Guid Id, List<LineDto> Lines, DateTimeOffset Created, DateTimeOffset Expires, HoldState State, string? Ref);

    internal sealed record ChangeDto(bool Ok, List<LevelDto> Levels, List<ShortDto> Short, [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] List<BackorderedDto>? Bo = null);

    internal sealed record ReserveDto(HoldDto? Hold, List<LevelDto> Levels, List<ShortDto> Short, [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] List<BackorderedDto>? Bo = null);

    internal sealed record AllocationShortDto(string Sku, int Requested, long Sellable);

    internal sealed record AllocationDto(List<LineDto> Parts, List<LevelDto> Levels, List<AllocationShortDto> Short, HoldDto? Hold);

    internal sealed record TransferDto(Guid Id, int Qty, List<LevelDto> Levels, ShortDto? Short);
}

[JsonSerializable(typeof(ResultJson.ChangeDto))]
[JsonSerializable(typeof(ResultJson.ReserveDto))]
[JsonSerializable(typeof(ResultJson.AllocationDto))]
[JsonSerializable(typeof(ResultJson.TransferDto))]
[JsonSourceGenerationOptions(UseStringEnumConverter = true)]
internal sealed partial class ResultJsonContext : JsonSerializerContext;
