namespace Landplatform.Cadastre.Contracts;

/// <summary>
/// A request the platform refuses for a reason the caller can act on. The host maps each kind to
/// RFC 9457 problem details in one place; nothing else builds error responses.
/// </summary>
public abstract class RequestRejectedException(string rule, string detail) : Exception(detail)
{
    /// <summary>The rule that was broken, e.g. <c>bbox-format</c> or <c>S-CLOSE</c>.</summary>
    public string Rule { get; } = rule;
}

/// <summary>A query or body parameter that is missing, malformed or out of range (HTTP 400).</summary>
public sealed class InvalidParameterException(string parameter, string rule, string detail)
    : RequestRejectedException(rule, detail)
{
    /// <summary>The parameter exactly as the caller spells it, e.g. <c>bbox-crs</c>.</summary>
    public string Parameter { get; } = parameter;
}

/// <summary>The thing asked for does not exist, or did not exist at the date asked for (HTTP 404).</summary>
public sealed class ResourceNotFoundException(string rule, string detail) : RequestRejectedException(rule, detail);

/// <summary>
/// The caller may use this kind of action but not on this thing, e.g. a notary acting on another notary's
/// transaction (HTTP 403). Whether the caller may act at all is the authorization policies' business.
/// </summary>
public sealed class ActionNotPermittedException(string rule, string detail) : RequestRejectedException(rule, detail);

/// <summary>A well-formed request that a domain rule refuses, e.g. retiring a historic parcel (HTTP 409).</summary>
public sealed class DomainRuleViolationException(string rule, string detail) : RequestRejectedException(rule, detail);

/// <summary>A system we depend on (the payment gateway, the civil registry) did not answer in time or failed; the request may be retried (HTTP 503).</summary>
public sealed class UpstreamUnavailableException(string rule, string detail) : RequestRejectedException(rule, detail);
