using System.Text.Json;
using Landplatform.Testing;
using Microsoft.Playwright;

namespace Landplatform.Portal.Tests;

/// <summary>
/// Another agency's web map: a page on another origin, in Debian's Chromium, fetches our vector tiles, TileJSON, items,
/// WFS and GetFeatureInfo as MapLibre or OpenLayers would, and cannot read the authenticated API.
/// </summary>
[Collection("portal")]
public sealed class OtherOriginWebMapTests(LoopbackPlatformServer server) : IClassFixture<LoopbackPlatformServer>
{
    /// <summary>
    /// The other agency's page, served by a listener of its own on another loopback port and named by 'localhost', so it is
    /// another origin in the loopback address space (Chromium refuses fetches from pages it cannot place in one).
    /// </summary>
    private static async Task<(System.Net.Sockets.TcpListener Listener, Task Serving)> ServePageAsync(string html, CancellationToken stop)
    {
        var listener = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0);
        listener.Start();
        var body = System.Text.Encoding.UTF8.GetBytes(html);
        async Task ServeAsync()
        {
            while (!stop.IsCancellationRequested)
            {
                using var client = await listener.AcceptTcpClientAsync(stop);
                await using var stream = client.GetStream();
                var buffer = new byte[8192];
                _ = await stream.ReadAsync(buffer, stop);
                var head = System.Text.Encoding.ASCII.GetBytes(
                    $"HTTP/1.1 200 OK\r\nContent-Type: text/html; charset=utf-8\r\nContent-Length: {body.Length}\r\nConnection: close\r\n\r\n");
                await stream.WriteAsync(head, stop);
                await stream.WriteAsync(body, stop);
            }
        }

        await Task.Yield();
        return (listener, Task.Run(ServeAsync, stop));
    }

    [Fact]
    public async Task A_page_on_another_origin_loads_vector_tiles_TileJSON_items_WFS_and_feature_info()
    {
        var point = (await server.Database.ScalarAsync<string>(
            "SELECT ST_X(p) || ' ' || ST_Y(p) FROM (SELECT ST_Transform(ST_PointOnSurface(boundary), 4326) p FROM cadastre.parcel_versions WHERE status = 'current' ORDER BY upi LIMIT 1) x"))
            .Split(' ').Select(v => double.Parse(v, System.Globalization.CultureInfo.InvariantCulture)).ToArray();
        var api = server.BaseAddress.GetLeftPart(UriPartial.Authority);
        var page = $$"""
            <!doctype html><html><body><script>
            const api = '{{api}}';
            const lon = {{point[0].ToString(System.Globalization.CultureInfo.InvariantCulture)}}, lat = {{point[1].ToString(System.Globalization.CultureInfo.InvariantCulture)}};
            const n = 2 ** 14, x = Math.floor((lon + 180) / 360 * n);
            const y = Math.floor((1 - Math.log(Math.tan(lat * Math.PI / 180) + 1 / Math.cos(lat * Math.PI / 180)) / Math.PI) / 2 * n);
            const box = [lat - 0.001, lon - 0.001, lat + 0.001, lon + 0.001].join(',');
            async function probe(path, options, read) {
              try { const r = await fetch(api + path, options); return { status: r.status, value: await read(r) }; }
              catch (e) { return { error: String(e) }; }
            }
            (async () => {
              window.results = {
                tileJson: await probe('/tiles/parcels.json', {}, async r => (await r.json()).tiles[0]),
                tile: await probe(`/tiles/parcels/14/${x}/${y}.mvt`, {}, async r => (await r.arrayBuffer()).byteLength),
                // A custom header makes Chromium send a preflight first (Playwright does not show it): the answer is read only if it passed.
                items: await probe('/ogc/collections/parcels/items?limit=3', { headers: { 'X-Requested-With': 'web-map', 'Accept': 'application/geo+json' } },
                  async r => ({ returned: (await r.json()).numberReturned, next: (r.headers.get('Link') ?? '') })),
                wfs: await probe('/wfs?SERVICE=WFS&VERSION=2.0.0&REQUEST=GetFeature&TYPENAMES=lp:parcels&COUNT=2&OUTPUTFORMAT=application/json', {},
                  async r => (await r.json()).features.length),
                featureInfo: await probe(`/wms?SERVICE=WMS&VERSION=1.3.0&REQUEST=GetFeatureInfo&LAYERS=parcels&STYLES=&CRS=EPSG:4326&BBOX=${box}&WIDTH=100&HEIGHT=100&FORMAT=image/png&QUERY_LAYERS=parcels&INFO_FORMAT=application/json&I=50&J=50`, {},
                  async r => (await r.json()).features.length),
                contentCrs: await probe('/ogc/collections/parcels/items?limit=1', {}, async r => r.headers.get('Content-Crs')),
                privateApi: await probe('/api/identity/me', { headers: { 'Authorization': 'Bearer nothing' } }, async r => r.status),
              };
            })();
            </script></body></html>
            """;

        Assert.True(File.Exists("/usr/bin/chromium"), "Debian chromium is missing: ./lp test installs it");
        using var playwright = await Playwright.CreateAsync();
        await using var browser = await playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions
        {
            ExecutablePath = "/usr/bin/chromium", Headless = true, Args = ["--no-sandbox", "--disable-gpu"],
        });
        var tab = await browser.NewPageAsync();
        var console = new List<string>();
        tab.Console += (_, message) => console.Add(message.Text);
        using var stop = new CancellationTokenSource();
        var (listener, serving) = await ServePageAsync(page, stop.Token);
        var pageOrigin = $"http://localhost:{((System.Net.IPEndPoint)listener.LocalEndpoint).Port}";
        Assert.NotEqual(api, pageOrigin);
        await tab.GotoAsync(pageOrigin + "/webmap.html");
        await tab.WaitForFunctionAsync("() => window.results !== undefined", null, new PageWaitForFunctionOptions { Timeout = 60_000 });
        var results = JsonDocument.Parse(await tab.EvaluateAsync<string>("() => JSON.stringify(window.results)")).RootElement;
        foreach (var probe in results.EnumerateObject().Where(p => p.Name != "privateApi"))
        {
            Assert.False(probe.Value.TryGetProperty("error", out _), $"{probe.Name} failed on the other origin: {results} {string.Join(" | ", console)}");
        }

        Assert.Equal(200, results.GetProperty("tileJson").GetProperty("status").GetInt32());
        Assert.EndsWith("/tiles/parcels/{z}/{x}/{y}.mvt", results.GetProperty("tileJson").GetProperty("value").GetString(), StringComparison.Ordinal);
        Assert.Equal(200, results.GetProperty("tile").GetProperty("status").GetInt32());
        Assert.True(results.GetProperty("tile").GetProperty("value").GetInt32() > 100, results.GetProperty("tile").ToString());
        Assert.Equal(3, results.GetProperty("items").GetProperty("value").GetProperty("returned").GetInt32());
        Assert.Equal(2, results.GetProperty("wfs").GetProperty("value").GetInt32());
        Assert.True(results.GetProperty("featureInfo").GetProperty("value").GetInt32() >= 1, results.GetProperty("featureInfo").ToString());
        Assert.StartsWith("<http://www.opengis.net/def/crs/", results.GetProperty("contentCrs").GetProperty("value").GetString(), StringComparison.Ordinal);
        // The authenticated API is not open to an unlisted origin: the browser refuses the answer to the page.
        Assert.True(results.GetProperty("privateApi").TryGetProperty("error", out var refused), results.GetProperty("privateApi").ToString());
        Assert.Contains("Failed to fetch", refused.GetString(), StringComparison.Ordinal);
        Assert.Contains(console, line => line.Contains("/api/identity/me", StringComparison.Ordinal) && line.Contains("Access-Control-Allow-Origin", StringComparison.Ordinal));
        await stop.CancelAsync();
        listener.Stop();
        await Task.WhenAny(serving, Task.Delay(2000));
    }
}
