using System.Security.Cryptography;
using System.Text.Json;
using Microsoft.Net.Http.Headers;

namespace Shop;

/// <summary>
/// Conditional reads of stock: the entity tag is a hash of the body, so it changes with every level (an expired hold
/// that a read already leaves out of <c>Reserved</c> changes the body before any sweep bumps the item's version), and
/// a poller that sends it back in If-None-Match gets 304 with no body while nothing changed.
/// </summary>
internal static class StockETag
{
    public static IResult Conditional<T>(HttpContext context, T body, JsonSerializerOptions json)
    {
        var bytes = JsonSerializer.SerializeToUtf8Bytes(body, json);
        var tag = new EntityTagHeaderValue($"\"{Convert.ToHexString(SHA256.HashData(bytes).AsSpan(0, 12))}\"");
        context.Response.Headers.ETag = tag.ToString();
        context.Response.Headers.CacheControl = "no-cache";
        if (context.Request.GetTypedHeaders().IfNoneMatch is { Count: > 0 } match &&
            match.Any(m => m.Tag == "*" || m.Compare(tag, useStrongComparison: false)))
        {
            return Results.StatusCode(StatusCodes.Status304NotModified);
        }

        return Results.Bytes(bytes, "application/json");
    }
}
