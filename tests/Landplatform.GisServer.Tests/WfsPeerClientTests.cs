using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using System.Text.RegularExpressions;
using Landplatform.Testing;

namespace Landplatform.GisServer.Tests;

/// <summary>The WFS as real clients see it: OWSLib (Python) and GDAL's WFS driver against the server on a loopback port.</summary>
public sealed class WfsPeerClientTests(LoopbackPlatformServer server) : IClassFixture<LoopbackPlatformServer>
{
    private const double MinE = 480_000, MinN = 1_460_000, MaxE = 482_000, MaxN = 1_462_000;

    private const string OwsLibScript = """
        import json, sys
        import xml.etree.ElementTree as ET
        from owslib.wfs import WebFeatureService
        from owslib.fes2 import Filter, PropertyIsEqualTo
        url, box = sys.argv[1], tuple(float(v) for v in sys.argv[2:6])
        wfs = WebFeatureService(url, version='2.0.0', timeout=30)
        parcels = wfs.contents['lp:parcels']
        out = {'version': wfs.version, 'title': wfs.identification.title, 'contents': sorted(wfs.contents),
               'wgs84': list(parcels.boundingBoxWGS84), 'crs': [c.getcodeurn() for c in parcels.crsOptions],
               'storedQueries': [q.id for q in wfs.storedqueries]}
        gml = ET.fromstring(wfs.getfeature(typename='lp:parcels', bbox=box, maxfeatures=7).read())
        out['gmlMatched'] = int(gml.get('numberMatched'))
        out['gmlIds'] = [m[0].get('{http://www.opengis.net/gml/3.2}id') for m in gml.findall('{http://www.opengis.net/wfs/2.0}member')]
        js = json.loads(wfs.getfeature(typename='lp:parcels', bbox=box, maxfeatures=7, outputFormat='application/json').read())
        out['jsonMatched'], out['jsonIds'] = js['numberMatched'], [f['id'] for f in js['features']]
        flt = Filter(PropertyIsEqualTo('land_use', 'industrial')).toXML()
        posted = json.loads(wfs.getfeature(typename='lp:parcels', filter=flt, maxfeatures=3, method='Post', outputFormat='application/json').read())
        out['postMatched'], out['postLandUse'] = posted['numberMatched'], sorted({f['properties']['land_use'] for f in posted['features']})
        one = ET.fromstring(wfs.getfeature(storedQueryID='urn:ogc:def:query:OGC-WFS::GetFeatureById', storedQueryParams={'ID': out['gmlIds'][0]}).read())
        out['byId'] = one.get('{http://www.opengis.net/gml/3.2}id')
        print(json.dumps(out))
        """;

    private string ServiceUrl => new Uri(server.BaseAddress, "/wfs").ToString();

    private static async Task<string> RunAsync(string program, params string[] arguments)
    {
        var start = new ProcessStartInfo(program) { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var errors = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        try
        {
            await process.WaitForExitAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw;
        }

        Assert.True(process.ExitCode == 0, $"{program} {string.Join(' ', arguments)} exited {process.ExitCode}: {await errors}\n{await output}");
        return await output;
    }

    private async Task<List<string>> CurrentUpisAsync(string where, int limit, params (string, object)[] parameters)
    {
        var upis = new List<string>();
        await using var command = server.Database.DataSource.CreateCommand(
            $"SELECT upi FROM cadastre.parcel_versions WHERE status = 'current' AND ({where}) ORDER BY upi LIMIT {limit}");
        foreach (var (name, value) in parameters)
        {
            command.Parameters.AddWithValue(name, value);
        }

        await using var reader = await command.ExecuteReaderAsync();
        while (await reader.ReadAsync())
        {
            upis.Add(reader.GetString(0));
        }

        return upis;
    }

    private Task<long> CountAsync(string where, params (string, object)[] parameters) =>
        server.Database.ScalarAsync<long>($"SELECT count(*) FROM cadastre.parcel_versions WHERE status = 'current' AND ({where})", parameters);

    [Fact]
    public async Task OWSLib_reads_the_capabilities_and_gets_by_bbox_filter_and_id_exactly_what_the_database_holds()
    {
        var script = Path.Combine(Path.GetTempPath(), $"wfs-owslib-{Guid.NewGuid():N}.py");
        await File.WriteAllTextAsync(script, OwsLibScript);
        try
        {
            var box = new[] { MinE, MinN, MaxE, MaxN }.Select(v => v.ToString(CultureInfo.InvariantCulture));
            var seen = JsonDocument.Parse(await RunAsync("/usr/bin/python3", [script, ServiceUrl, .. box])).RootElement;

            Assert.Equal("2.0.0", seen.GetProperty("version").GetString());
            Assert.Equal(FeatureCatalogTypeNames().Order(StringComparer.Ordinal), seen.GetProperty("contents").EnumerateArray().Select(e => e.GetString()!));
            Assert.Equal(["urn:ogc:def:crs:EPSG::2007", "urn:ogc:def:crs:EPSG::4326", "urn:ogc:def:crs:EPSG::3857"],
                seen.GetProperty("crs").EnumerateArray().Select(e => e.GetString()!));
            var wgs84 = seen.GetProperty("wgs84").EnumerateArray().Select(e => e.GetDouble()).ToArray();
            Assert.InRange(wgs84[0], -61.5, -61.0);
            Assert.InRange(wgs84[1], 13.0, 13.5);
            Assert.Equal(["urn:ogc:def:query:OGC-WFS::GetFeatureById"], seen.GetProperty("storedQueries").EnumerateArray().Select(e => e.GetString()!));

            const string inBox = "ST_Intersects(boundary, ST_MakeEnvelope(@a, @b, @c, @d, 2007))";
            (string, object)[] corners = [("a", MinE), ("b", MinN), ("c", MaxE), ("d", MaxN)];
            var matched = await CountAsync(inBox, corners);
            Assert.InRange(matched, 8, 5_000);
            var firstSeven = (await CurrentUpisAsync(inBox, 7, corners)).Select(u => "parcels." + u).ToList();
            Assert.Equal(matched, seen.GetProperty("gmlMatched").GetInt64());
            Assert.Equal(firstSeven, seen.GetProperty("gmlIds").EnumerateArray().Select(e => e.GetString()!));
            Assert.Equal(matched, seen.GetProperty("jsonMatched").GetInt64());
            Assert.Equal(firstSeven, seen.GetProperty("jsonIds").EnumerateArray().Select(e => e.GetString()!));

            Assert.Equal(await CountAsync("land_use = 'industrial'"), seen.GetProperty("postMatched").GetInt64());
            Assert.Equal(["industrial"], seen.GetProperty("postLandUse").EnumerateArray().Select(e => e.GetString()!));
            Assert.Equal(firstSeven[0], seen.GetProperty("byId").GetString());
        }
        finally
        {
            File.Delete(script);
        }
    }

    [Fact]
    public async Task GDAL_ogrinfo_sees_the_parcel_count_schema_and_a_filtered_read_that_match_the_database()
    {
        // Pages of 2,000 (GDAL's default is 100) keep the full-extent scan of -so short; GDAL still pages with STARTINDEX.
        var summary = await RunAsync("ogrinfo", "-ro", "-so", "--config", "OGR_WFS_PAGE_SIZE", "2000", $"WFS:{ServiceUrl}?VERSION=2.0.0", "lp:parcels");
        Assert.Contains("Geometry: Multi Surface", summary, StringComparison.Ordinal);
        var count = long.Parse(Regex.Match(summary, @"Feature Count: (\d+)").Groups[1].Value, CultureInfo.InvariantCulture);
        Assert.Equal(await CountAsync("true"), count);
        Assert.Contains("land_use: String", summary, StringComparison.Ordinal);
        Assert.Contains("official_area: Real", summary, StringComparison.Ordinal);
        Assert.Contains("version: Integer", summary, StringComparison.Ordinal);
        Assert.Contains("valid_from: DateTime", summary, StringComparison.Ordinal);
        Assert.Contains("St. Vincent 45 / British West Indies Grid", summary, StringComparison.Ordinal);
        var extent = Regex.Match(summary, @"Extent: \(([\d.]+), ([\d.]+)\) - \(([\d.]+), ([\d.]+)\)").Groups.Values.Skip(1)
            .Select(g => double.Parse(g.Value, CultureInfo.InvariantCulture)).ToArray();
        var minEasting = await server.Database.ScalarAsync<double>("SELECT ST_XMin(ST_Extent(boundary))::float8 FROM cadastre.parcel_versions WHERE status = 'current'");
        Assert.Equal(minEasting, extent[0], 0.01);

        var features = await RunAsync("ogrinfo", "-ro", "-q", $"WFS:{ServiceUrl}?VERSION=2.0.0", "lp:parcels",
            "-where", "land_use = 'industrial'", "-spat", "480000", "1460000", "490000", "1470000");
        var seen = Regex.Matches(features, @"upi \(String\) = (\S+)").Select(m => m.Groups[1].Value).Order(StringComparer.Ordinal).ToList();
        var expected = await CurrentUpisAsync("land_use = 'industrial' AND ST_Intersects(boundary, ST_MakeEnvelope(480000, 1460000, 490000, 1470000, 2007))", 10_000);
        Assert.NotEmpty(expected);
        Assert.Equal(expected, seen);
        Assert.Equal(expected.Count, Regex.Matches(features, @"MULTISURFACE \(\(\(").Count);
    }

    private static IEnumerable<string> FeatureCatalogTypeNames() =>
        Landplatform.GisServer.Ogc.FeatureCatalog.All.Select(c => "lp:" + c.Id);
}
