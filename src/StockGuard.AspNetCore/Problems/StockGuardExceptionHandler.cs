using Microsoft.AspNetCore.Diagnostics;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace StockGuard.AspNetCore;

/// <summary>Answers StockGuard's exceptions with problem details (see <see cref="StockProblems.FromException"/>); leaves every other exception alone.</summary>
internal sealed partial class StockGuardExceptionHandler(IProblemDetailsService problems, IOptions<StockGuardHttpOptions> options, ILogger<StockGuardExceptionHandler> logger)
    : IExceptionHandler
{
    public async ValueTask<bool> TryHandleAsync(HttpContext httpContext, Exception exception, CancellationToken cancellationToken)
    {
        var problem = StockProblems.FromException(exception, options.Value);
        if (problem is null)
        {
            return false;
        }

        var status = problem.Status!.Value;
        if (status >= StatusCodes.Status500InternalServerError)
        {
            LogStoreFailure(logger, status, problem.Type!, exception);
        }
        else
        {
            LogRefused(logger, status, problem.Type!, exception.Message);
        }

        httpContext.Response.StatusCode = status;
        if (StockProblems.IsRetryable(problem))
        {
            httpContext.Response.Headers.RetryAfter = StockHttp.RetryAfterSeconds(options.Value);
        }

        return await problems.TryWriteAsync(new ProblemDetailsContext { HttpContext = httpContext, ProblemDetails = problem, Exception = exception })
            .ConfigureAwait(false);
    }

    [LoggerMessage(10, LogLevel.Warning, "A stock request failed in the store: {Status} {ProblemType}.")]
    private static partial void LogStoreFailure(ILogger logger, int status, string problemType, Exception exception);

    [LoggerMessage(11, LogLevel.Debug, "A stock request was refused: {Status} {ProblemType}: {Message}")]
    private static partial void LogRefused(ILogger logger, int status, string problemType, string message);
}
