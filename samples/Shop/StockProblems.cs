using Microsoft.AspNetCore.Diagnostics;
using Microsoft.AspNetCore.Mvc;
using StockGuard;

namespace Shop;

/// <summary>
/// Answers StockGuard's typed exceptions and bad input with problem details (RFC 9457) and a status that says whose
/// fault it was: 400 bad input, 404 unknown item or hold, 409 a hold in the wrong state or a lost race, 422 an
/// idempotency key reused for another request, 503 a store that is busy or unreachable (retry).
/// </summary>
internal sealed class StockProblems(IProblemDetailsService problems) : IExceptionHandler
{
    public async ValueTask<bool> TryHandleAsync(HttpContext httpContext, Exception exception, CancellationToken cancellationToken)
    {
        (int Status, string Title)? mapped = exception switch
        {
            StockItemNotFoundException => (StatusCodes.Status404NotFound, "Unknown stock item"),
            HoldNotFoundException => (StatusCodes.Status404NotFound, "Unknown hold"),
            HoldStateException => (StatusCodes.Status409Conflict, "The hold cannot do that now"),
            ConcurrencyConflictException => (StatusCodes.Status409Conflict, "Too many buyers at once"),
            IdempotencyConflictException => (StatusCodes.Status422UnprocessableEntity, "Idempotency key already used"),
            StockStoreException => (StatusCodes.Status503ServiceUnavailable, "The stock store is unavailable"),
            BadHttpRequestException => (StatusCodes.Status400BadRequest, "Bad request"),
            ArgumentException => (StatusCodes.Status400BadRequest, "Bad request"),
            _ => null,
        };
        if (mapped is not { } problem)
        {
            return false;
        }

        httpContext.Response.StatusCode = problem.Status;
        if (exception is StockStoreException { IsTransient: true })
        {
            httpContext.Response.Headers.RetryAfter = "1";
        }

        return await problems.TryWriteAsync(new ProblemDetailsContext
        {
            HttpContext = httpContext,
            Exception = exception,
            ProblemDetails = new ProblemDetails { Status = problem.Status, Title = problem.Title, Detail = exception.Message },
        });
    }
}
