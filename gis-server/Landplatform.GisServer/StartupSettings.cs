using System.Net;
using Landplatform.Integrations.Identity;
using Landplatform.Integrations.Security;
using Microsoft.AspNetCore.HttpOverrides;

namespace Landplatform.GisServer;

/// <summary>A server that may not start: the message names every setting to fix.</summary>
public sealed class UnsafeSettingsException(IReadOnlyList<string> problems)
    : Exception("The server does not start outside demo mode with these settings:" + Environment.NewLine
        + string.Join(Environment.NewLine, problems.Select(p => "  - " + p)))
{
    public IReadOnlyList<string> Problems { get; } = problems;
}

/// <summary>
/// The one check of the host's settings before it serves: outside demo mode every secret must be set and must not be a
/// published demo value, the key ring and its master key must be given, and the OpenID issuer must be configured. Demo values come from appsettings.Demo.json, loaded
/// only in demo mode.
/// </summary>
public static class StartupSettings
{
    public const string DemoFile = "appsettings.Demo.json";

    private static readonly string[] Secrets = ["Payments:Gateway:WebhookSecret", "Payments:Gateway:ApiKey"];

    // The password ./lp used to give the embedded cluster's role, published in its source.
    private const string OldDefaultDatabasePassword = "landplatform";

    public static bool DemoMode(IConfiguration configuration) =>
        configuration.GetValue($"{PlatformIdentityOptions.Section}:{nameof(PlatformIdentityOptions.DemoMode)}", false);

    /// <summary>In demo mode the demo values sit under every other source, so an explicit setting still wins.</summary>
    public static void AddDemoValues(ConfigurationManager configuration)
    {
        if (DemoMode(configuration))
        {
            // An absolute path needs a provider of its own folder: without one the source resolves it under the content root.
            var source = new Microsoft.Extensions.Configuration.Json.JsonConfigurationSource
            {
                Path = Path.Combine(AppContext.BaseDirectory, DemoFile), Optional = false, ReloadOnChange = false,
            };
            source.ResolveFileProvider();
            configuration.Sources.Insert(0, source);
        }
    }

    public static IReadOnlyList<string> Problems(IConfiguration configuration)
    {
        var problems = new List<string>();
        ForwardedHeaders(configuration, problems);
        problems.AddRange(KeyRing.Problems(configuration, DemoMode(configuration)));
        if (DemoMode(configuration))
        {
            return problems;
        }

        var demo = new ConfigurationBuilder().AddJsonFile(Path.Combine(AppContext.BaseDirectory, DemoFile), optional: true).Build();
        foreach (var key in Secrets)
        {
            var value = configuration[key];
            if (string.IsNullOrWhiteSpace(value))
            {
                problems.Add($"{key} is not set (environment variable {key.Replace(":", "__", StringComparison.Ordinal)}).");
            }
            else if (value == demo[key])
            {
                problems.Add($"{key} is the published demo value; set the secret you share with the gateway.");
            }
            else if (key.EndsWith("WebhookSecret", StringComparison.Ordinal) && value.Length < 32)
            {
                problems.Add($"{key} is shorter than 32 characters.");
            }
        }

        var issuer = configuration[$"{PlatformIdentityOptions.Section}:Issuer"];
        if (string.IsNullOrWhiteSpace(issuer))
        {
            problems.Add("Identity:Issuer is not set: the public https address of the platform, e.g. https://land.example/.");
        }
        else if (!Uri.TryCreate(issuer, UriKind.Absolute, out var uri) || uri.Scheme != Uri.UriSchemeHttps)
        {
            problems.Add("Identity:Issuer must be an absolute https address.");
        }

        if (string.IsNullOrWhiteSpace(configuration["Registry:Checkpoints:Directory"]))
        {
            problems.Add("Registry:Checkpoints:Directory is not set (environment variable Registry__Checkpoints__Directory): the directory, outside the database, where the journal's signing key and signed checkpoints are kept.");
        }

        DatabasePassword(configuration, PlatformDatabase.EnvironmentVariable, () => PlatformDatabase.ConnectionString(configuration), problems);
        if (PlatformDatabase.ReplicaConnectionString(configuration) is { } replica)
        {
            DatabasePassword(configuration, PlatformDatabase.ReplicaEnvironmentVariable, () => replica, problems);
        }

        return problems;
    }

    public static void ThrowIfUnsafe(IConfiguration configuration)
    {
        if (Problems(configuration) is { Count: > 0 } problems)
        {
            throw new UnsafeSettingsException(problems);
        }
    }

    /// <summary>Only the configured proxies are believed; the framework's loopback defaults are cleared.</summary>
    public static void ConfigureForwardedHeaders(ForwardedHeadersOptions options, IConfiguration configuration)
    {
        options.ForwardedHeaders = Microsoft.AspNetCore.HttpOverrides.ForwardedHeaders.XForwardedFor | Microsoft.AspNetCore.HttpOverrides.ForwardedHeaders.XForwardedProto;
        options.KnownProxies.Clear();
        options.KnownIPNetworks.Clear();
        foreach (var proxy in Values(configuration, "ForwardedHeaders:KnownProxies"))
        {
            if (IPAddress.TryParse(proxy, out var address))
            {
                options.KnownProxies.Add(address);
            }
        }

        foreach (var network in Values(configuration, "ForwardedHeaders:KnownNetworks"))
        {
            if (System.Net.IPNetwork.TryParse(network, out var parsed))
            {
                options.KnownIPNetworks.Add(parsed);
            }
        }
    }

    private static void ForwardedHeaders(IConfiguration configuration, List<string> problems)
    {
        foreach (var proxy in Values(configuration, "ForwardedHeaders:KnownProxies").Where(p => !IPAddress.TryParse(p, out _)))
        {
            problems.Add($"ForwardedHeaders:KnownProxies: '{proxy}' is not an IP address.");
        }

        foreach (var network in Values(configuration, "ForwardedHeaders:KnownNetworks").Where(n => !System.Net.IPNetwork.TryParse(n, out _)))
        {
            problems.Add($"ForwardedHeaders:KnownNetworks: '{network}' is not a network such as 10.0.0.0/8.");
        }
    }

    // A list given either as one comma-separated value (an environment variable) or as array entries (JSON).
    private static IEnumerable<string> Values(IConfiguration configuration, string key)
    {
        var section = configuration.GetSection(key);
        var all = (section.Value ?? string.Empty).Split([',', ';', ' '], StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Concat(section.GetChildren().Select(c => c.Value ?? string.Empty).Where(v => v.Length > 0));
        return all.Distinct(StringComparer.Ordinal).ToList();
    }

    private static void DatabasePassword(IConfiguration configuration, string variable, Func<string> connectionString, List<string> problems)
    {
        string? password;
        try
        {
            password = new Npgsql.NpgsqlConnectionStringBuilder(connectionString()).Password;
        }
        catch (Exception e) when (e is ArgumentException or InvalidOperationException or FormatException)
        {
            problems.Add($"{variable}: {e.Message}");
            return;
        }

        if (string.IsNullOrEmpty(password))
        {
            problems.Add($"{variable} has no password.");
        }
        else if (password == OldDefaultDatabasePassword)
        {
            problems.Add($"{variable} uses the old default password '{OldDefaultDatabasePassword}'.");
        }
    }
}
