using System.Net;
using System.Net.Sockets;
using Landplatform.Cadastre.Contracts;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Options;

namespace Landplatform.Integrations.Exchange;

/// <summary>
/// Where the platform may send webhooks. A subscription's callback is https (plain http only in demo mode) and points
/// at another organisation's server on the internet: never at this machine, the private networks behind it, link-local
/// or multicast addresses, nor the platform's own public address, unless an administrator lists the host (or host:port)
/// in <c>Exchange:AllowedWebhookHosts</c>. The rule is judged when the subscription is made (the URL as written and what
/// its name resolves to then) and again at every connection (<see cref="ConnectAsync"/>), so a name that later resolves
/// somewhere inside is refused too.
/// </summary>
public sealed class WebhookTargets(IOptions<ExchangeOptions> options, IConfiguration configuration, IServer? server = null)
{
    public const string Rule = "callback-url";

    /// <summary>Addresses that are not on the public internet (RFC 6890 special-purpose, private, shared, local).</summary>
    private static readonly IPNetwork[] Inside =
    [
        IPNetwork.Parse("0.0.0.0/8"), IPNetwork.Parse("10.0.0.0/8"), IPNetwork.Parse("100.64.0.0/10"), IPNetwork.Parse("127.0.0.0/8"),
        IPNetwork.Parse("169.254.0.0/16"), IPNetwork.Parse("172.16.0.0/12"), IPNetwork.Parse("192.0.0.0/24"), IPNetwork.Parse("192.0.2.0/24"),
        IPNetwork.Parse("192.168.0.0/16"), IPNetwork.Parse("198.18.0.0/15"), IPNetwork.Parse("198.51.100.0/24"), IPNetwork.Parse("203.0.113.0/24"),
        IPNetwork.Parse("224.0.0.0/4"), IPNetwork.Parse("240.0.0.0/4"),
        IPNetwork.Parse("::/128"), IPNetwork.Parse("::1/128"), IPNetwork.Parse("fc00::/7"), IPNetwork.Parse("fe80::/10"),
        IPNetwork.Parse("fec0::/10"), IPNetwork.Parse("ff00::/8"), IPNetwork.Parse("2001:db8::/32"), IPNetwork.Parse("100::/64"),
    ];

    private bool PlainHttpAllowed => options.Value.AllowPlainHttp;

    /// <summary>The callback as given, refused with a problem naming <c>callbackUrl</c> and what is wrong with it.</summary>
    public async Task<Uri> CheckAsync(string? callbackUrl, string? requestHost, CancellationToken ct)
    {
        if (!Uri.TryCreate(callbackUrl, UriKind.Absolute, out var callback) || (callback.Scheme != Uri.UriSchemeHttps && callback.Scheme != Uri.UriSchemeHttp)
            || !string.IsNullOrEmpty(callback.UserInfo) || callbackUrl!.Length > 2000)
        {
            throw Refused("The callback is an absolute http or https URL without credentials in it.");
        }

        if (callback.Scheme == Uri.UriSchemeHttp && !PlainHttpAllowed)
        {
            throw Refused("The callback must be an https URL: events carry register data and are signed, and plain http would expose both.");
        }

        if (IsOwn(callback.IdnHost, callback.Port, requestHost))
        {
            throw Refused($"The callback {callback.Authority} is this platform itself; a webhook goes to another organisation's server.");
        }

        if (Listed(callback.IdnHost, callback.Port))
        {
            return callback;
        }

        if (callback.HostNameType == UriHostNameType.Dns && NumericLastLabel(callback.IdnHost))
        {
            throw Refused($"The callback's host {callback.IdnHost} is a number in a form software reads differently; write the address as a name or as four decimal parts.");
        }

        if (IsLocalName(callback.IdnHost))
        {
            throw Refused($"The callback's host {callback.IdnHost} names this machine; list it in Exchange:AllowedWebhookHosts if that is meant.");
        }

        // Uri has already read decimal, octal and hexadecimal IPv4 forms (http://2130706433/) as the address they mean.
        if (IPAddress.TryParse(callback.IdnHost.Trim('[', ']'), out var literal))
        {
            if (IsInside(literal))
            {
                throw Refused($"The callback's address {literal} is not on the public internet (loopback, private, link-local, shared or multicast); list it in Exchange:AllowedWebhookHosts if that is meant.");
            }

            return callback;
        }

        IPAddress[] resolved;
        try
        {
            resolved = await Dns.GetHostAddressesAsync(callback.IdnHost, ct);
        }
        catch (SocketException)
        {
            // Not resolvable from here today (or no DNS at all): every delivery checks the addresses it connects to.
            return callback;
        }

        if (resolved.FirstOrDefault(IsInside) is { } inside)
        {
            throw Refused($"The callback's host {callback.IdnHost} resolves to {inside}, which is not on the public internet; list it in Exchange:AllowedWebhookHosts if that is meant.");
        }

        return callback;
    }

    /// <summary>
    /// The webhook client's connection: the host is resolved here and only an address outside every inside range is
    /// dialled, unless the host is listed. Redirects are not followed and no proxy is used, so this is the only way out.
    /// </summary>
    public async ValueTask<Stream> ConnectAsync(SocketsHttpConnectionContext context, CancellationToken ct)
    {
        var host = context.DnsEndPoint.Host;
        var port = context.DnsEndPoint.Port;
        var listed = Listed(host, port);
        if (!listed && (IsLocalName(host) || NumericLastLabel(host) && !IPAddress.TryParse(host, out _)))
        {
            throw new HttpRequestException($"webhook refused: {host} names this machine and is not listed in Exchange:AllowedWebhookHosts");
        }

        var addresses = IPAddress.TryParse(host.Trim('[', ']'), out var literal) ? [literal] : await Dns.GetHostAddressesAsync(host, ct);
        var allowed = listed ? addresses : addresses.Where(a => !IsInside(a)).ToArray();
        if (allowed.Length == 0)
        {
            throw new HttpRequestException($"webhook refused: {host} resolves only to addresses that are not on the public internet ({string.Join(", ", addresses.Select(a => a.ToString()))})");
        }

        var socket = new Socket(SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        try
        {
            await socket.ConnectAsync(allowed, port, ct);
            return new NetworkStream(socket, ownsSocket: true);
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }

    public static bool IsInside(IPAddress address)
    {
        if (address.IsIPv4MappedToIPv6)
        {
            address = address.MapToIPv4();
        }

        return Inside.Any(n => n.BaseAddress.AddressFamily == address.AddressFamily && n.Contains(address));
    }

    /// <summary>No DNS name ends in a number: such a host is an address in an octal, hexadecimal or shortened form.</summary>
    private static bool NumericLastLabel(string host)
    {
        var last = host.TrimEnd('.').Split('.')[^1];
        return last.Length > 0 && (last.All(char.IsAsciiDigit) || last.StartsWith("0x", StringComparison.OrdinalIgnoreCase));
    }

    private static bool IsLocalName(string host) =>
        host.Equals("localhost", StringComparison.OrdinalIgnoreCase) || host.EndsWith(".localhost", StringComparison.OrdinalIgnoreCase)
        || host.EndsWith(".local", StringComparison.OrdinalIgnoreCase) || host.EndsWith(".internal", StringComparison.OrdinalIgnoreCase)
        || !host.Contains('.', StringComparison.Ordinal) && !host.Contains(':', StringComparison.Ordinal);

    /// <summary>Listed as the bare host (any port) or as host:port.</summary>
    private bool Listed(string host, int port) =>
        options.Value.AllowedWebhookHosts.Any(entry =>
        {
            var (listedHost, listedPort) = Split(entry);
            return string.Equals(listedHost, host.Trim('[', ']'), StringComparison.OrdinalIgnoreCase) && (listedPort is null || listedPort == port);
        });

    /// <summary>
    /// The platform's own public address (the OpenID issuer, the host the administrator called) and every address it
    /// listens on. Only an entry naming exactly that host:port lets a callback point at the platform.
    /// </summary>
    private bool IsOwn(string host, int port, string? requestHost)
    {
        if (options.Value.AllowedWebhookHosts.Any(e => Split(e) is var (h, p) && p == port && string.Equals(h, host.Trim('[', ']'), StringComparison.OrdinalIgnoreCase)))
        {
            return false;
        }

        var own = new List<Uri>();
        if (Uri.TryCreate(configuration["Identity:Issuer"], UriKind.Absolute, out var issuer))
        {
            own.Add(issuer);
        }

        if (!string.IsNullOrEmpty(requestHost) && Uri.TryCreate("https://" + requestHost, UriKind.Absolute, out var called))
        {
            own.Add(called);
            if (Uri.TryCreate("http://" + requestHost, UriKind.Absolute, out var calledPlain))
            {
                own.Add(calledPlain);
            }
        }

        if (own.Any(u => string.Equals(u.IdnHost, host, StringComparison.OrdinalIgnoreCase) && u.Port == port))
        {
            return true;
        }

        var listening = server?.Features.Get<IServerAddressesFeature>()?.Addresses ?? [];
        foreach (var address in listening)
        {
            var normalised = address.Replace("://+", "://0.0.0.0", StringComparison.Ordinal).Replace("://*", "://0.0.0.0", StringComparison.Ordinal);
            if (!Uri.TryCreate(normalised, UriKind.Absolute, out var bound) || bound.Port != port)
            {
                continue;
            }

            var boundHost = bound.IdnHost.Trim('[', ']');
            var wildcard = boundHost is "0.0.0.0" or "::";
            var target = host.Trim('[', ']');
            if (string.Equals(boundHost, target, StringComparison.OrdinalIgnoreCase)
                || wildcard && (IsLocalName(target) || IPAddress.TryParse(target, out var ip) && IsInside(ip)))
            {
                return true;
            }
        }

        return false;
    }

    private static (string Host, int? Port) Split(string entry)
    {
        var trimmed = entry.Trim();
        if (Uri.TryCreate("http://" + trimmed, UriKind.Absolute, out var parsed) && !string.IsNullOrEmpty(parsed.Host))
        {
            var explicitPort = trimmed.EndsWith(":" + parsed.Port, StringComparison.Ordinal);
            return (parsed.IdnHost.Trim('[', ']'), explicitPort ? parsed.Port : null);
        }

        return (trimmed, null);
    }

    private static InvalidParameterException Refused(string detail) => new("callbackUrl", Rule, detail);
}
