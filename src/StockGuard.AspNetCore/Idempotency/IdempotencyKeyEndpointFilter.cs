using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace StockGuard.AspNetCore;

/// <summary>Reads and checks the Idempotency-Key header before the endpoint runs, and keeps a second request with the same key out while it does.</summary>
internal sealed class IdempotencyKeyEndpointFilter(bool required) : IEndpointFilter
{
    public async ValueTask<object?> InvokeAsync(EndpointFilterInvocationContext context, EndpointFilterDelegate next)
    {
        var http = context.HttpContext;
        var values = http.Request.Headers[IdempotencyKeyHeader.Name];
        if (values.Count == 0)
        {
            return required
                ? Invalid($"This endpoint needs an {IdempotencyKeyHeader.Name} header: a unique key per intended change, sent again unchanged with every retry.")
                : await next(context).ConfigureAwait(false);
        }

        if (values.Count > 1 || !IdempotencyKeyHeader.TryParse(values[0], out var key))
        {
            return Invalid(
                $"The {IdempotencyKeyHeader.Name} header must be one quoted string (or token) of 1 to {IdempotencyKeyHeader.MaxLength} printable ASCII characters, e.g. {IdempotencyKeyHeader.Name}: \"8e03978e-40d5-43e8-bc93-6894a57f9324\".");
        }

        var inFlight = http.RequestServices.GetService<IdempotencyKeysInFlight>()
            ?? throw new InvalidOperationException("WithIdempotencyKey() needs the services of AddStockGuard(…).AddAspNetCore().");
        if (!inFlight.TryEnter(key))
        {
            var options = http.RequestServices.GetRequiredService<IOptions<StockGuardHttpOptions>>().Value;
            http.Response.Headers.RetryAfter = StockHttp.RetryAfterSeconds(options);
            return TypedResults.Problem(StockProblems.Problem(
                StatusCodes.Status409Conflict,
                StockProblemTypes.IdempotencyKeyInFlight,
                "A request with this Idempotency-Key is still in flight",
                "An earlier request with the same Idempotency-Key is still being processed. Retry after it ends to receive its result."));
        }

        try
        {
            http.Features.Set(new IdempotencyKeyFeature(key));
            return await next(context).ConfigureAwait(false);
        }
        finally
        {
            inFlight.Exit(key);
        }
    }

    private static IResult Invalid(string detail) =>
        TypedResults.Problem(StockProblems.Problem(StatusCodes.Status400BadRequest, StockProblemTypes.IdempotencyKeyInvalid, "Invalid Idempotency-Key header", detail));
}

/// <summary>The key the filter read, for <see cref="StockGuardHttpContextExtensions.GetIdempotencyKey"/>.</summary>
internal sealed record IdempotencyKeyFeature(string Key);
