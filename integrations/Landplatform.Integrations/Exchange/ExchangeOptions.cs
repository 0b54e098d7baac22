namespace Landplatform.Integrations.Exchange;

/// <summary>How the dispatcher paces itself (configuration section <c>Exchange</c>).</summary>
public sealed class ExchangeOptions
{
    /// <summary>How often to look for work when no notification arrives (a missed NOTIFY costs at most this).</summary>
    public double PollSeconds { get; set; } = 5;

    /// <summary>The first retry waits this long; each further one twice as long as the one before.</summary>
    public double RetryBaseSeconds { get; set; } = 5;

    /// <summary>No wait between attempts exceeds this.</summary>
    public double RetryMaxSeconds { get; set; } = 3600;

    /// <summary>After this many failed attempts a delivery becomes a dead letter.</summary>
    public int MaxAttempts { get; set; } = 8;

    /// <summary>A webhook that has not answered within this is a failed attempt.</summary>
    public double WebhookTimeoutSeconds { get; set; } = 10;

    /// <summary>Plain http callbacks are accepted (demo mode only: appsettings.Demo.json sets it).</summary>
    public bool AllowPlainHttp { get; set; }

    /// <summary>
    /// Hosts (any port) or host:port pairs a callback may name although they are loopback, private, link-local or this
    /// platform itself: an administrator's decision, e.g. a receiver on the same private network.
    /// </summary>
    public List<string> AllowedWebhookHosts { get; set; } = [];

    /// <summary>Events fanned out, or deliveries attempted, per round.</summary>
    public int BatchSize { get; set; } = 50;

    /// <summary>The wait before attempt <paramref name="failedAttempts"/> + 1: exponential, capped.</summary>
    public TimeSpan BackOff(int failedAttempts) =>
        TimeSpan.FromSeconds(Math.Min(RetryMaxSeconds, RetryBaseSeconds * Math.Pow(2, Math.Max(0, failedAttempts - 1))));
}
