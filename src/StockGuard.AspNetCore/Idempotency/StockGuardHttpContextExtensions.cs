using Microsoft.AspNetCore.Http;

namespace StockGuard.AspNetCore;

/// <summary>StockGuard's view of a request.</summary>
public static class StockGuardHttpContextExtensions
{
    /// <summary>
    /// The request's <c>Idempotency-Key</c>, to pass on as the store request's <see cref="StockGuard.StockRequest.IdempotencyKey"/>: a
    /// retry with the same key and body gets the first result; the same key with another body is answered 422.
    /// </summary>
    /// <param name="httpContext">The request.</param>
    /// <returns>The key, or <see langword="null"/> when the request has none.</returns>
    /// <exception cref="ArgumentException">The header is malformed (answered 400 by StockGuard's exception handler). An endpoint with <c>WithIdempotencyKey()</c> never gets here with a malformed key.</exception>
    public static string? GetIdempotencyKey(this HttpContext httpContext)
    {
        ArgumentNullException.ThrowIfNull(httpContext);
        if (httpContext.Features.Get<IdempotencyKeyFeature>() is { } feature)
        {
            return feature.Key;
        }

        var values = httpContext.Request.Headers[IdempotencyKeyHeader.Name];
        if (values.Count == 0)
        {
            return null;
        }

        return values.Count == 1 && IdempotencyKeyHeader.TryParse(values[0], out var key)
            ? key
            : throw new ArgumentException(
                $"The {IdempotencyKeyHeader.Name} header must be one quoted string (or token) of 1 to {IdempotencyKeyHeader.MaxLength} printable ASCII characters.",
                IdempotencyKeyHeader.Name);
    }
}
