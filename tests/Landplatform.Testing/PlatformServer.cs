using System.Net.Http.Json;
using System.Text.Json;
using Xunit;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;

namespace Landplatform.Testing;

/// <summary>The real host over a test class's own clone of the sample island, in the demo configuration.</summary>
public class PlatformServer : IAsyncLifetime
{
    private WebApplicationFactory<Program>? factory;

    public SampleIslandDatabase Database { get; } = new();

    /// <summary>This instance's own journal checkpoint directory (the signing key and the log), removed with it.</summary>
    public string CheckpointDirectory { get; } = Path.Combine(Path.GetTempPath(), "lp-checkpoints-" + Guid.NewGuid().ToString("N")[..12]);

    public HttpClient Client { get; private set; } = null!;

    /// <summary>The host as built, for its services (endpoints, options).</summary>
    public IServiceProvider Services => factory!.Services;

    /// <summary>
    /// True to serve on a real loopback port (Kestrel) instead of in memory, so external clients (GDAL,
    /// OWSLib, a browser) can reach it at <see cref="BaseAddress"/>.
    /// </summary>
    protected virtual bool ListensOnLoopback => false;

    /// <summary>Where the server answers: http://localhost in memory, or the real loopback address.</summary>
    public Uri BaseAddress => Client.BaseAddress!;

    /// <summary>Configuration the host runs with; fixtures for special cases override it.</summary>
    protected virtual IReadOnlyDictionary<string, string> Settings { get; } = new Dictionary<string, string>
    {
        ["Identity:DemoMode"] = "true",
        ["Identity:PublicPermitsPerMinute"] = "100000",
        ["Identity:SignInPermitsPerMinute"] = "1000",
        ["Identity:TokenPermitsPerMinute"] = "1000",
    };

    /// <summary>Services a fixture adds to the host (e.g. an in-process event subscriber), after the host's own.</summary>
    protected virtual void ConfigureServices(Microsoft.Extensions.DependencyInjection.IServiceCollection services)
    {
    }

    /// <summary>A client that talks HTTPS, as clients of a real deployment must.</summary>
    public HttpClient SecureClient() =>
        factory!.CreateClient(new WebApplicationFactoryClientOptions { BaseAddress = new Uri("https://localhost") });

    /// <summary>A client that keeps cookies and does not follow redirects, as a browser stepping through a sign-in.</summary>
    public HttpClient BrowserClient() =>
        factory!.CreateClient(new WebApplicationFactoryClientOptions { AllowAutoRedirect = false, HandleCookies = true });

    /// <summary>
    /// The key ring this host protects its stored keys with: its own, in a temporary folder with a random master key, so
    /// no test leans on a ring another test class made. <see cref="AnotherInstance"/> shares it, as a deployment's instances do.
    /// </summary>
    public TestKeyRing KeyRing { get; } = TestKeyRing.Create();

    public virtual async Task InitializeAsync()
    {
        await Database.InitializeAsync();
        factory = CreateFactory(new Dictionary<string, string>());
        if (ListensOnLoopback)
        {
            // An explicit port 0 on loopback: the system picks a free port, so test classes never collide.
            factory.UseKestrel(o => o.Listen(System.Net.IPAddress.Loopback, 0));
            factory.StartServer();
        }

        Client = factory.CreateClient();
    }

    /// <summary>
    /// A second server instance over the same database, with this host's settings and key ring unless
    /// <paramref name="overrides"/> says otherwise (an empty value unsets a setting). Not started until its client or services are asked for.
    /// </summary>
    public WebApplicationFactory<Program> AnotherInstance(IReadOnlyDictionary<string, string>? overrides = null) =>
        CreateFactory(overrides ?? new Dictionary<string, string>());

    private WebApplicationFactory<Program> CreateFactory(IReadOnlyDictionary<string, string> overrides) =>
        new WebApplicationFactory<Program>().WithWebHostBuilder(b =>
        {
            b.UseEnvironment("Testing").UseSetting("LP_CONNECTION_STRING", Database.RuntimeConnectionString);
            b.UseSetting("Registry:Checkpoints:Directory", CheckpointDirectory);
            foreach (var (key, value) in KeyRing.Settings.Concat(Settings).Concat(overrides))
            {
                b.UseSetting(key, value);
            }

            b.ConfigureServices(ConfigureServices);
        });

    public async Task<JsonElement> GetJsonAsync(string path)
    {
        using var response = await Client.GetAsync(path);
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.IsSuccessStatusCode, $"GET {path} answered {(int)response.StatusCode}: {body}");
        return JsonDocument.Parse(body).RootElement.Clone();
    }

    /// <summary>Asserts an RFC 9457 problem with the status, the rule and (for 400s) the parameter named.</summary>
    public async Task<JsonElement> GetProblemAsync(string path, int status, string rule, string? parameter = null)
    {
        using var response = await Client.GetAsync(path);
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(status == (int)response.StatusCode, $"GET {path}: expected {status}, got {(int)response.StatusCode}: {body}");
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        var problem = JsonDocument.Parse(body).RootElement.Clone();
        Assert.Equal(status, problem.GetProperty("status").GetInt32());
        Assert.Equal(rule, problem.GetProperty("rule").GetString());
        Assert.False(string.IsNullOrWhiteSpace(problem.GetProperty("detail").GetString()));
        if (parameter is not null)
        {
            Assert.Equal(parameter, problem.GetProperty("parameter").GetString());
        }

        return problem;
    }

    /// <summary>Stops the host and keeps its database, e.g. to clone it (CREATE DATABASE ... TEMPLATE needs it unused).</summary>
    public async Task StopHostAsync()
    {
        Client?.Dispose();
        if (factory is not null)
        {
            await factory.DisposeAsync();
            factory = null;
        }
    }

    public virtual async Task DisposeAsync()
    {
        Client?.Dispose();
        if (factory is not null)
        {
            await factory.DisposeAsync();
        }

        await Database.DisposeAsync();
        KeyRing.Dispose();
        if (Directory.Exists(CheckpointDirectory))
        {
            Directory.Delete(CheckpointDirectory, recursive: true);
        }
    }
}

/// <summary>The real host on a loopback port, for tests with external clients (GDAL, OWSLib, browsers).</summary>
public sealed class LoopbackPlatformServer : PlatformServer
{
    protected override bool ListensOnLoopback => true;
}
