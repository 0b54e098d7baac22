using Landplatform.Testing;
using Microsoft.Playwright;
using SkiaSharp;

namespace Landplatform.Tiles.Tests;

/// <summary>
/// The map page in a real headless Chromium (Debian's, driven by Playwright) against the real server
/// and its PostGIS database. Screenshots go to <c>.lp/screenshots/</c> at the repository root.
/// </summary>
public sealed class MapPageTests(LoopbackPlatformServer server) : IClassFixture<LoopbackPlatformServer>
{
    private const string Chromium = "/usr/bin/chromium";

    [Fact]
    public async Task The_map_shows_parcels_and_the_search_zooms_to_a_UPI()
    {
        Assert.True(File.Exists(Chromium), "Debian chromium is missing: ./lp test installs it");
        var parcel = await server.Database.SplittableParcelAsync(skip: 4);
        using var playwright = await Playwright.CreateAsync();
        await using var browser = await playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions
        {
            ExecutablePath = Chromium,
            Headless = true,
            Args = ["--no-sandbox", "--disable-gpu"],
        });
        var page = await browser.NewPageAsync(new BrowserNewPageOptions { ViewportSize = new ViewportSize { Width = 1200, Height = 800 } });
        var failures = new List<string>();
        page.PageError += (_, error) => failures.Add(error);
        page.RequestFailed += (_, request) => failures.Add($"{request.Url}: {request.Failure}");

        await page.GotoAsync(server.BaseAddress.ToString());
        await page.WaitForSelectorAsync("body[data-ready='true']", new PageWaitForSelectorOptions { Timeout = 30_000 });
        // Zoom in far enough for parcels (they start at zoom 10) and let the tiles load and draw.
        await AndWaitForDrawingAsync(page, () => page.EvaluateAsync("() => window.landplatform.map.getView().setZoom(14)"));
        // On a busy machine the render of the first view can complete just after the zoom and count as the
        // drawing waited for; the zoom-14 tiles then land a moment later. Wait for the parcels themselves.
        try
        {
            await page.WaitForFunctionAsync("() => window.landplatform.renderedParcels() > 50", null, new PageWaitForFunctionOptions { Timeout = 30_000 });
        }
        catch (TimeoutException)
        {
            Assert.Fail($"fewer than 50 parcels drawn at zoom 14 after 30 s ({await page.EvaluateAsync<int>("() => window.landplatform.renderedParcels()")})");
        }

        var overview = await page.Locator("#map").ScreenshotAsync(new LocatorScreenshotOptions { Path = ScreenshotPath("map-overview.png") });
        Assert.True(ParcelOutlinePixels(overview) > 2000, "the map canvas shows almost no parcel outlines");

        await page.FillAsync("#search-text", parcel.Upi);
        await AndWaitForDrawingAsync(page, async () =>
        {
            await page.PressAsync("#search-text", "Enter");
            await page.WaitForSelectorAsync($"#parcel h2:has-text('{parcel.Upi}')", new PageWaitForSelectorOptions { Timeout = 15_000 });
            await page.WaitForFunctionAsync("() => window.landplatform.view().zoom >= 16", null, new PageWaitForFunctionOptions { Timeout = 15_000 });
        });
        await page.ScreenshotAsync(new PageScreenshotOptions { Path = ScreenshotPath("map-search.png") });

        Assert.Equal([parcel.Upi], await page.EvaluateAsync<string[]>("() => window.landplatform.selected()"));
        Assert.Equal(parcel.LandUse, await page.TextContentAsync("#parcel dd[data-field='landUse']"));
        var view = await page.EvaluateAsync<double[]>("() => window.landplatform.view().center");
        var inside = await server.Database.ScalarAsync<bool>(
            "SELECT ST_Intersects(ST_Transform(ST_SetSRID(ST_MakePoint(@lon, @lat), 4326), 2007), ST_Expand(boundary, 20)) FROM cadastre.parcel_versions WHERE upi = @upi AND status = 'current'",
            ("lon", view[0]), ("lat", view[1]), ("upi", parcel.Upi));
        Assert.True(inside, $"the map centred at {view[0]}, {view[1]}, not on {parcel.Upi}");

        // A click on a point inside the parcel, at the map's centre, shows that parcel's attributes.
        var (lon, lat) = await TileProbe.PointInAsync(server.Database, parcel.Upi);
        await AndWaitForDrawingAsync(page, () => page.EvaluateAsync($"() => window.landplatform.centreOn({lon.ToString("R", System.Globalization.CultureInfo.InvariantCulture)}, {lat.ToString("R", System.Globalization.CultureInfo.InvariantCulture)}, 18.5)"));
        await page.EvaluateAsync("() => document.querySelector('#parcel').replaceChildren()");
        var box = (await page.Locator("#map").BoundingBoxAsync())!;
        await page.Mouse.ClickAsync(box.X + (box.Width / 2), box.Y + (box.Height / 2));
        await page.WaitForSelectorAsync($"#parcel h2:has-text('{parcel.Upi}')");
        Assert.Equal(parcel.Address ?? string.Empty, await page.TextContentAsync("#parcel dd[data-field='address']") ?? string.Empty);

        // The hazard switch draws the flood zones.
        await page.CheckAsync("input[name='flood-zones']");
        Assert.True(await page.EvaluateAsync<bool>("() => window.landplatform.map.getLayers().getArray().find(l => l.get('id') === 'flood-zones').getVisible()"));
        Assert.Empty(failures);
    }

    // Does something to the map and waits until it has finished drawing afterwards (every tile loaded).
    private static async Task AndWaitForDrawingAsync(IPage page, Func<Task> action)
    {
        var before = await page.EvaluateAsync<int>("() => window.landplatform.renders()");
        await action();
        await page.WaitForFunctionAsync($"() => window.landplatform.renders() > {before} && !window.landplatform.map.getView().getAnimating()",
            null, new PageWaitForFunctionOptions { Timeout = 30_000 });
    }

    // Pixels close to the parcel outline colour (#8a5a2b), as a person sees boundaries drawn.
    private static int ParcelOutlinePixels(byte[] png)
    {
        using var image = SKBitmap.Decode(png);
        return image.Pixels.Count(p => Math.Abs(p.Red - 0x8a) < 40 && Math.Abs(p.Green - 0x5a) < 40 && Math.Abs(p.Blue - 0x2b) < 40);
    }

    private static string ScreenshotPath(string name)
    {
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "Landplatform.slnx")))
        {
            dir = dir.Parent;
        }

        var folder = Path.Combine(dir?.FullName ?? Path.GetTempPath(), ".lp", "screenshots");
        Directory.CreateDirectory(folder);
        return Path.Combine(folder, name);
    }
}
