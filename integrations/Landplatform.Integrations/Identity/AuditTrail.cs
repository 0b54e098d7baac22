using Microsoft.AspNetCore.Http;

namespace Landplatform.Integrations.Identity;

/// <summary>Records sign-ins, token issuance and access denials in <c>identity.audit_events</c>.</summary>
public sealed class AuditTrail(IdentityStore store, TimeProvider clock)
{
    public async Task RecordAsync(string kind, string? subject, string? clientId, HttpContext? http, string detail, CancellationToken ct)
    {
        store.AuditEvents.Add(new AuditEvent
        {
            At = clock.GetUtcNow(),
            Kind = kind,
            Subject = Truncate(subject, 256),
            ClientId = Truncate(clientId, 100),
            RemoteAddress = http?.Connection.RemoteIpAddress?.ToString(),
            Path = Truncate(http?.Request.Path.Value, 400),
            Detail = Truncate(detail, 1000)!,
        });
        await store.SaveChangesAsync(ct);
    }

    private static string? Truncate(string? text, int length) => text is null || text.Length <= length ? text : text[..length];
}
