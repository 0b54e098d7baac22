using System.Diagnostics;
using System.Text.Json;
using Landplatform.Testing;
using SkiaSharp;

namespace Landplatform.GisServer.Tests;

/// <summary>OWSLib, a WMS client many Python tools use, reads our capabilities and fetches a map.</summary>
public sealed class WmsOwsLibTests(LoopbackPlatformServer server) : IClassFixture<LoopbackPlatformServer>
{
    private const string Script = """
        import base64, json, sys
        from owslib.wms import WebMapService
        wms = WebMapService(sys.argv[1], version='1.3.0', timeout=30)
        parcels = wms['parcels']
        image = wms.getmap(layers=['parcels', 'flood-zones'], styles=['land-use', ''], srs='EPSG:2007',
                           bbox=(476000, 1450000, 496000, 1480000), size=(200, 300), format='image/png', transparent=True)
        print(json.dumps({
            'title': wms.identification.title,
            'version': wms.identification.version,
            'layers': list(wms.contents),
            'crs': sorted(parcels.crsOptions),
            'styles': sorted(parcels.styles),
            'legend': parcels.styles['land-use'].get('legend'),
            'queryable': parcels.queryable,
            'formats': wms.getOperationByName('GetMap').formatOptions,
            'png': base64.b64encode(image.read()).decode('ascii'),
        }))
        """;

    [Fact]
    public async Task OWSLib_parses_the_capabilities_and_gets_a_map()
    {
        var start = new ProcessStartInfo("/usr/bin/python3", ["-c", Script, new Uri(server.BaseAddress, "/wms").ToString()])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        using var python = Process.Start(start)!;
        var output = python.StandardOutput.ReadToEndAsync();
        var errors = python.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        await python.WaitForExitAsync(timeout.Token);
        Assert.True(python.ExitCode == 0, await errors);

        var result = JsonDocument.Parse(await output).RootElement;
        Assert.Equal("1.3.0", result.GetProperty("version").GetString());
        Assert.Equal(["parcels", "buildings", "roads", "flood-zones", "landslide-zones", "storm-surge-zones", "districts", "blocks"],
            result.GetProperty("layers").EnumerateArray().Select(l => l.GetString()));
        Assert.Equal(["CRS:84", "EPSG:2007", "EPSG:3857", "EPSG:4326"], result.GetProperty("crs").EnumerateArray().Select(c => c.GetString()));
        Assert.Equal(["default", "land-use"], result.GetProperty("styles").EnumerateArray().Select(s => s.GetString()));
        Assert.Contains("GetLegendGraphic", result.GetProperty("legend").GetString(), StringComparison.Ordinal);
        Assert.Equal(1, result.GetProperty("queryable").GetInt32());
        Assert.Contains("image/jpeg", result.GetProperty("formats").EnumerateArray().Select(f => f.GetString()));

        using var map = SKBitmap.Decode(Convert.FromBase64String(result.GetProperty("png").GetString()!));
        Assert.NotNull(map);
        Assert.Equal(200, map.Width);
        Assert.Equal(300, map.Height);
        Assert.Equal(0, map.GetPixel(1, 1).Alpha);
        Assert.Contains(map.Pixels, px => px.Alpha == 255);
    }

    private const string Script111 = """
        import base64, json, sys
        from owslib.wms import WebMapService
        wms = WebMapService(sys.argv[1], version='1.1.1', timeout=30)
        lon, lat = float(sys.argv[2]), float(sys.argv[3])
        box = (lon - 0.0005, lat - 0.0005, lon + 0.0005, lat + 0.0005)
        image = wms.getmap(layers=['parcels'], styles=[''], srs='EPSG:4326', bbox=box, size=(256, 256), format='image/png')
        info = wms.getfeatureinfo(layers=['parcels'], styles=[''], srs='EPSG:4326', bbox=box, size=(256, 256), format='image/png',
                                  query_layers=['parcels'], info_format='application/json', xy=(128, 128))
        print(json.dumps({
            'version': wms.identification.version,
            'crs': sorted(wms['parcels'].crsOptions),
            'box': list(wms['parcels'].boundingBoxWGS84),
            'png': base64.b64encode(image.read()).decode('ascii'),
            'info': json.loads(info.read()),
        }))
        """;

    [Fact]
    public async Task OWSLib_speaks_WMS_1_1_1_as_Leaflet_does_longitude_first_with_X_and_Y()
    {
        var point = (await server.Database.ScalarAsync<string>("""
            SELECT upi || ' ' || ST_X(p) || ' ' || ST_Y(p) FROM (SELECT upi, ST_Transform(ST_PointOnSurface(ST_Buffer(boundary, -10)), 4326) p
            FROM cadastre.parcel_versions WHERE status = 'current' AND computed_area > 3000 AND NOT ST_IsEmpty(ST_Buffer(boundary, -10)) ORDER BY upi LIMIT 1) x
            """)).Split(' ');
        var start = new ProcessStartInfo("/usr/bin/python3", ["-c", Script111, new Uri(server.BaseAddress, "/wms").ToString(), point[1], point[2]])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        using var python = Process.Start(start)!;
        var output = python.StandardOutput.ReadToEndAsync();
        var errors = python.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        await python.WaitForExitAsync(timeout.Token);
        Assert.True(python.ExitCode == 0, await errors);

        var result = JsonDocument.Parse(await output).RootElement;
        Assert.Equal("1.1.1", result.GetProperty("version").GetString());
        Assert.Equal(["EPSG:2007", "EPSG:3857", "EPSG:4326"], result.GetProperty("crs").EnumerateArray().Select(c => c.GetString()));
        var box = result.GetProperty("box").EnumerateArray().Take(4).Select(v => v.GetDouble()).ToList();
        Assert.InRange(box[0], -61.5, -61.0);
        Assert.InRange(box[1], 13.0, 13.5);
        using var map = SKBitmap.Decode(Convert.FromBase64String(result.GetProperty("png").GetString()!));
        Assert.Equal(256, map.Width);
        Assert.Contains(map.Pixels, px => px.Alpha == 255 && px.Red != 255);
        Assert.Equal(point[0], Assert.Single(result.GetProperty("info").GetProperty("features").EnumerateArray()).GetProperty("id").GetString());
    }
}
