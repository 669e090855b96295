using System.Security.Cryptography;
using System.Text.Json;
using Microsoft.Net.Http.Headers;

namespace Shop;

/// <summary>
/// Conditional reads of the catalog's stock, a list of levels: the entity tag hashes the body, and a poller that sends it
/// back in If-None-Match gets 304 with no body while nothing changed. StockGuard.AspNetCore tags one level by its
/// <c>Version</c> (<c>StockResults.Level</c>); the storefront reads the whole catalog in one request, so the list gets a
/// tag of its own. Any change of a level shows in the body, an expired hold included (reads leave it out of
/// <c>Reserved</c> before the sweep releases it).
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
