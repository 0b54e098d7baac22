using Landplatform.Cadastre.Contracts;
using Landplatform.Cadastre.Surveys;
using Microsoft.AspNetCore.Diagnostics;
using Microsoft.AspNetCore.Mvc;
using Npgsql;

namespace Landplatform.GisServer;

/// <summary>
/// The one place where failures become RFC 9457 problem details: every rejection names its rule, and
/// a parameter error names the parameter, so a caller can fix the request without reading our code.
/// </summary>
internal sealed class ProblemMapping(IProblemDetailsService problems, ILogger<ProblemMapping> log) : IExceptionHandler
{
    private const string RuleBase = "https://landplatform.example/problems/";

    public async ValueTask<bool> TryHandleAsync(HttpContext http, Exception exception, CancellationToken ct)
    {
        // EF Core wraps what PostgreSQL said; the rule is PostgreSQL's either way.
        var cause = exception is Microsoft.EntityFrameworkCore.DbUpdateException { InnerException: PostgresException inner } ? inner : exception;
        var problem = cause switch
        {
            InvalidParameterException e => Problem(StatusCodes.Status400BadRequest, "Invalid parameter", e.Message, e.Rule, e.Parameter),
            ResourceNotFoundException e => Problem(StatusCodes.Status404NotFound, "Not found", e.Message, e.Rule, null),
            ActionNotPermittedException e => Problem(StatusCodes.Status403Forbidden, "Not permitted", e.Message, e.Rule, null),
            DomainRuleViolationException e => Problem(StatusCodes.Status409Conflict, "Rule violated", e.Message, e.Rule, null),
            UpstreamUnavailableException e => Problem(StatusCodes.Status503ServiceUnavailable, "Upstream unavailable", e.Message, e.Rule, null),
            IdempotencyKeyReusedException e => Problem(StatusCodes.Status422UnprocessableEntity, "Idempotency key reused", e.Message, e.Rule, e.Parameter),
            SurveyUnreadableException e => Unreadable(e),
            BadHttpRequestException e => Problem(e.StatusCode, "Bad request", e.Message, "request-format", null),
            PostgresException { SqlState: "LPH01" or "LPH02" } e => Problem(StatusCodes.Status409Conflict, "History is append-only", e.MessageText, "history-append-only", null),
            // Text PostgreSQL cannot store (a NUL, a character the encoding lacks) in a body that passed the request gate.
            PostgresException { SqlState: "22021" or "22P05" } => Problem(StatusCodes.Status400BadRequest, "Text not accepted",
                "A value in the request contains a character that cannot be stored (a NUL or a control character); remove it and send again.",
                RequestTextGuard.Rule, null),
            OperationCanceledException when http.RequestAborted.IsCancellationRequested => null,
            _ => null,
        };

        if (problem is null)
        {
            if (exception is OperationCanceledException && http.RequestAborted.IsCancellationRequested)
            {
                return true;
            }

            log.LogError(exception, "Unhandled failure on {Method} {Path}", http.Request.Method, http.Request.Path);
            problem = Problem(StatusCodes.Status500InternalServerError, "Internal error",
                "The server failed to answer; the failure is logged under the trace id.", "internal-error", null);
        }

        if (http.Response.HasStarted)
        {
            // A streamed body cannot turn into a problem document any more; aborting tells the client it is incomplete.
            http.Abort();
            return true;
        }

        http.Response.StatusCode = problem.Status ?? StatusCodes.Status500InternalServerError;
        return await problems.TryWriteAsync(new ProblemDetailsContext { HttpContext = http, ProblemDetails = problem, Exception = exception });
    }

    private static ProblemDetails Unreadable(SurveyUnreadableException e)
    {
        var problem = Problem(StatusCodes.Status400BadRequest, "Survey file refused", e.Message, e.Findings[0].Rule, "file");
        problem.Extensions["findings"] = e.Findings;
        return problem;
    }

    private static ProblemDetails Problem(int status, string title, string detail, string rule, string? parameter)
    {
        var problem = new ProblemDetails { Status = status, Title = title, Detail = detail, Type = RuleBase + rule };
        problem.Extensions["rule"] = rule;
        if (parameter is not null)
        {
            problem.Extensions["parameter"] = parameter;
        }

        return problem;
    }
}
