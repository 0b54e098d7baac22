using Landplatform.Testing;

namespace Landplatform.SingleWindow.Tests;

/// <summary>
/// The host beside the simulators, composed as <c>./lp run</c> composes it (the tax module assesses the duty,
/// follows the register and feeds the permits and customs checks), with quick exchange retries so a subscriber
/// that comes back is served within a second or two, and patient enough (60 attempts) that it is not given up on.
/// </summary>
public sealed class SingleWindowHost : SingleWindowServer
{
    /// <summary>Short, so the timeout test is quick: the gateway is told to take longer than this.</summary>
    public override int GatewayTimeoutSeconds => 2;

    protected override IReadOnlyDictionary<string, string> Settings => new Dictionary<string, string>(base.Settings)
    {
        ["Exchange:RetryBaseSeconds"] = "0.5",
        ["Exchange:RetryMaxSeconds"] = "2",
        ["Exchange:MaxAttempts"] = "60",
        ["Exchange:WebhookTimeoutSeconds"] = "3",

        // The land office's receiver runs on this machine: loopback callbacks are refused unless an administrator lists them.
        ["Exchange:AllowedWebhookHosts:0"] = "127.0.0.1",
    };
}
