using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Authorization.Policy;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;

namespace Landplatform.Integrations.Identity;

/// <summary>Records every refused request in the audit trail, then answers 401 or 403 as usual.</summary>
internal sealed class AccessResultHandler : IAuthorizationMiddlewareResultHandler
{
    private readonly AuthorizationMiddlewareResultHandler standard = new();

    public async Task HandleAsync(RequestDelegate next, HttpContext http, AuthorizationPolicy policy, PolicyAuthorizationResult result)
    {
        if (result.Challenged || result.Forbidden)
        {
            var audit = http.RequestServices.GetRequiredService<AuditTrail>();
            var who = http.User.Identity?.IsAuthenticated == true ? http.User.Identity.Name ?? http.User.FindFirst("sub")?.Value : null;
            var reason = result.Forbidden
                ? "authenticated, but the policy refuses: " + string.Join("; ", result.AuthorizationFailure?.FailedRequirements.Select(r => r.ToString()) ?? [])
                : "no valid credentials";
            await audit.RecordAsync(result.Forbidden ? "access-denied" : "unauthenticated", who, http.User.FindFirst("client_id")?.Value, http,
                $"{http.Request.Method} {http.Request.Path}: {reason}", http.RequestAborted);
        }

        await standard.HandleAsync(next, http, policy, result);
    }
}
