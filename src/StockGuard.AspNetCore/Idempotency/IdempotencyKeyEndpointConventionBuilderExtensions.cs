using Microsoft.AspNetCore.Http;
using StockGuard.AspNetCore;

namespace Microsoft.AspNetCore.Builder;

/// <summary>Binds the <c>Idempotency-Key</c> request header to an endpoint.</summary>
public static class IdempotencyKeyEndpointConventionBuilderExtensions
{
    /// <summary>
    /// Reads the <c>Idempotency-Key</c> header before the endpoint runs, with the draft's answers: 400 when it is malformed
    /// (or missing and <paramref name="required"/>), 409 with <c>Retry-After</c> while a request with the same key is still in
    /// flight in this process. The endpoint passes <c>httpContext.GetIdempotencyKey()</c> on to the store request, whose
    /// idempotency ledger replays the first result to a retry and answers a reuse with another body 422.
    /// </summary>
    /// <typeparam name="TBuilder">The endpoint or group builder.</typeparam>
    /// <param name="builder">The endpoint or group.</param>
    /// <param name="required">Whether a request without the header is refused (400). Default: <see langword="true"/>.</param>
    /// <returns>The builder.</returns>
    public static TBuilder WithIdempotencyKey<TBuilder>(this TBuilder builder, bool required = true)
        where TBuilder : IEndpointConventionBuilder
    {
        ArgumentNullException.ThrowIfNull(builder);
        builder.AddEndpointFilter(new IdempotencyKeyEndpointFilter(required));
        return builder;
    }
}
