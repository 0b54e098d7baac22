using Microsoft.Playwright;

namespace Landplatform.Portal.Tests;

/// <summary>Debian's Chromium through Playwright, opened on the portal, with a person's sign-in.</summary>
public sealed class PortalBrowser : IAsyncDisposable
{
    private const string Chromium = "/usr/bin/chromium";
    private readonly IPlaywright playwright;
    private readonly IBrowser browser;

    private PortalBrowser(IPlaywright playwright, IBrowser browser)
    {
        this.playwright = playwright;
        this.browser = browser;
    }

    /// <summary>Script errors and failed requests a page met: a page a person uses has none.</summary>
    public List<string> Failures { get; } = [];

    public static async Task<PortalBrowser> StartAsync()
    {
        Assert.True(File.Exists(Chromium), "Debian chromium is missing: ./lp test installs it");
        var playwright = await Playwright.CreateAsync();
        var browser = await playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions
        {
            ExecutablePath = Chromium, Headless = true, Args = ["--no-sandbox", "--disable-gpu"],
        });
        return new PortalBrowser(playwright, browser);
    }

    /// <summary>A new page (own cookies and storage) on the portal, ready.</summary>
    public async Task<IPage> OpenAsync(Uri server, string hash = "#/", int width = 1280, int height = 860)
    {
        var context = await browser.NewContextAsync(new BrowserNewContextOptions
        {
            ViewportSize = new ViewportSize { Width = width, Height = height }, AcceptDownloads = true,
        });
        // The portal's Content-Security-Policy refuses inline code and other origins: anything it blocks is a failure.
        await context.AddInitScriptAsync(
            "document.addEventListener('securitypolicyviolation', (e) => console.error(`CSP violation: ${e.effectiveDirective} ${e.blockedURI}`));");
        var page = await context.NewPageAsync();
        page.PageError += (_, error) => Failures.Add(error);
        page.Console += (_, message) =>
        {
            if (message.Type == "error" && message.Text.StartsWith("CSP violation", StringComparison.Ordinal))
            {
                Failures.Add(message.Text);
            }
        };
        page.RequestFailed += (_, request) =>
        {
            // Blob downloads and tiles cancelled by a moving map are not failures a person sees.
            if (!request.Url.StartsWith("blob:", StringComparison.Ordinal) && !request.Url.Contains("/tiles/", StringComparison.Ordinal))
            {
                Failures.Add($"{request.Url}: {request.Failure}");
            }
        };
        await page.GotoAsync(new Uri(server, "/" + hash).ToString());
        await WaitReadyAsync(page);
        return page;
    }

    public static Task WaitReadyAsync(IPage page) =>
        page.WaitForSelectorAsync("body[data-ready='true']", new PageWaitForSelectorOptions { Timeout = 60_000 });

    /// <summary>Signs in through the platform's own sign-in page (authorization code + PKCE) as the demo user.</summary>
    public static async Task SignInAsync(IPage page, string user)
    {
        await page.ClickAsync("#sign-in");
        await page.WaitForSelectorAsync("#username", new PageWaitForSelectorOptions { Timeout = 30_000 });
        await page.FillAsync("#username", user);
        await page.FillAsync("#password", $"Demo-{user}-2026");
        await page.ClickAsync("button[type='submit']");
        await WaitReadyAsync(page);
        await page.WaitForSelectorAsync("#who", new PageWaitForSelectorOptions { Timeout = 30_000 });
    }

    public static async Task GoAsync(IPage page, string hash, string waitFor)
    {
        await page.EvaluateAsync($"() => {{ location.hash = '{hash}'; }}");
        await page.WaitForSelectorAsync(waitFor, new PageWaitForSelectorOptions { Timeout = 60_000 });
    }

    public static Task ShotAsync(IPage page, string name) =>
        page.ScreenshotAsync(new PageScreenshotOptions { Path = ScreenshotPath(name), FullPage = true });

    public static string ScreenshotPath(string name)
    {
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "Landplatform.slnx")))
        {
            dir = dir.Parent;
        }

        var folder = Path.Combine(dir?.FullName ?? Path.GetTempPath(), ".lp", "screenshots", "portal");
        Directory.CreateDirectory(folder);
        return Path.Combine(folder, name);
    }

    public static string SampleFile(string relative)
    {
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "Landplatform.slnx")))
        {
            dir = dir.Parent;
        }

        return Path.Combine(dir!.FullName, "data-samples", relative);
    }

    public async ValueTask DisposeAsync()
    {
        await browser.DisposeAsync();
        playwright.Dispose();
    }
}
