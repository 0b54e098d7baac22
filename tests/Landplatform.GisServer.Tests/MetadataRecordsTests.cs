using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using Landplatform.Cadastre.Contracts.Layers;
using Landplatform.Testing;

namespace Landplatform.GisServer.Tests;

/// <summary>
/// The metadata catalogue (OGC API Records): a record for every published collection with its abstract, lineage,
/// licence, update frequency, contact and the extent PostGIS computes; searchable by text, extent and time; read by
/// OWSLib's Records client; each collection links to its record.
/// </summary>
public sealed class MetadataRecordsTests(LoopbackPlatformServer server) : IClassFixture<LoopbackPlatformServer>
{
    private static readonly string[] Ids = PublishedLayers.All.Select(l => l.Id).ToArray();

    [Fact]
    public void Every_published_layer_has_its_dataset_metadata_and_nothing_else_does()
    {
        Assert.Equal(Ids, DatasetCatalogue.All.Select(m => m.LayerId));
        Assert.All(DatasetCatalogue.All, m =>
        {
            Assert.NotEmpty(m.Keywords);
            Assert.False(string.IsNullOrWhiteSpace(m.Lineage));
            Assert.Contains(m.UpdateFrequency, new[] { "continual", "daily", "weekly", "monthly", "annually", "asNeeded", "irregular", "notPlanned" });
        });
    }

    [Fact]
    public async Task The_catalogue_is_a_record_collection_with_a_record_for_each_collection_and_its_extent_from_the_data()
    {
        var conformance = await server.GetJsonAsync("/ogc/conformance");
        var classes = conformance.GetProperty("conformsTo").EnumerateArray().Select(c => c.GetString()).ToList();
        Assert.Contains("http://www.opengis.net/spec/ogcapi-records-1/1.0/conf/record-core", classes);
        Assert.Contains("http://www.opengis.net/spec/ogcapi-records-1/1.0/conf/record-api", classes);

        var collections = await server.GetJsonAsync("/ogc/collections");
        var catalogue = Assert.Single(collections.GetProperty("collections").EnumerateArray(), c => c.GetProperty("itemType").GetString() == "record");
        Assert.Equal("metadata", catalogue.GetProperty("id").GetString());

        var records = await server.GetJsonAsync("/ogc/collections/metadata/items?limit=100");
        Assert.Equal(Ids, records.GetProperty("features").EnumerateArray().Select(r => r.GetProperty("id").GetString()));
        Assert.Equal(Ids.Length, records.GetProperty("numberMatched").GetInt32());

        var parcels = await server.GetJsonAsync("/ogc/collections/metadata/items/parcels");
        var p = parcels.GetProperty("properties");
        Assert.Equal("dataset", p.GetProperty("type").GetString());
        Assert.Equal("Parcels", p.GetProperty("title").GetString());
        Assert.Equal(DatasetCatalogue.LicenceId, p.GetProperty("license").GetString());
        Assert.Equal("continual", p.GetProperty("updateFrequency").GetString());
        Assert.Contains("lp-datagen", p.GetProperty("lineage").GetString(), StringComparison.Ordinal);
        Assert.Equal(DatasetCatalogue.Contact.Email, p.GetProperty("contacts")[0].GetProperty("emails")[0].GetProperty("value").GetString());
        Assert.Contains(parcels.GetProperty("links").EnumerateArray(), l => l.GetProperty("rel").GetString() == "license");

        // The record's box is the fabric's own extent, and its time span starts with the fabric's oldest version.
        var ring = parcels.GetProperty("geometry").GetProperty("coordinates")[0].EnumerateArray().Select(c => (c[0].GetDouble(), c[1].GetDouble())).ToList();
        var west = await server.Database.ScalarAsync<double>(
            "SELECT ST_XMin(ST_Transform(ST_SetSRID(ST_Extent(boundary)::geometry, 2007), 4326)) FROM cadastre.parcel_versions WHERE status = 'current'");
        Assert.InRange(ring.Min(c => c.Item1), west - 0.001, west);
        var oldest = await server.Database.ScalarAsync<DateTime>("SELECT min(valid_from) FROM cadastre.parcel_versions");
        Assert.Equal(oldest.ToUniversalTime().ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture),
            parcels.GetProperty("time").GetProperty("interval")[0].GetString());

        // Each collection names its record, and the link leads there.
        var collection = await server.GetJsonAsync("/ogc/collections/buildings");
        var describedBy = Assert.Single(collection.GetProperty("links").EnumerateArray(),
            l => l.GetProperty("rel").GetString() == "describedby" && l.GetProperty("type").GetString() == "application/geo+json");
        var record = await server.GetJsonAsync(new Uri(describedBy.GetProperty("href").GetString()!).PathAndQuery);
        Assert.Equal("buildings", record.GetProperty("id").GetString());
    }

    [Theory]
    [InlineData("q=flood", "flood-zones")]
    [InlineData("q=HAZARD", "flood-zones,landslide-zones,storm-surge-zones")]
    [InlineData("q=hurricane,parish", "storm-surge-zones,districts")]
    [InlineData("q=no-such-word", "")]
    [InlineData("ids=blocks,parcels", "parcels,blocks")]
    [InlineData("type=service", "")]
    [InlineData("bbox=0,0,1,1", "")]
    [InlineData("bbox=-61.3,13.1,-61.1,13.4", "parcels,buildings,roads,flood-zones,landslide-zones,storm-surge-zones,districts,blocks")]
    [InlineData("datetime=1990-01-01/2000-01-01", "")]
    [InlineData("datetime=2015-06-01T00:00:00Z", "parcels")]
    [InlineData("q=zones&bbox=-61.3,13.1,-61.1,13.4&datetime=2015-06-01T00:00:00Z", "")]
    public async Task Records_are_found_by_text_extent_time_type_and_id(string query, string expected)
    {
        var found = await server.GetJsonAsync($"/ogc/collections/metadata/items?{query}");
        Assert.Equal(expected, string.Join(',', found.GetProperty("features").EnumerateArray().Select(r => r.GetProperty("id").GetString())));
    }

    [Fact]
    public async Task Pages_follow_next_links_without_gaps_or_repeats()
    {
        var seen = new List<string>();
        var path = "/ogc/collections/metadata/items?limit=3";
        while (path is not null)
        {
            var page = await server.GetJsonAsync(path);
            seen.AddRange(page.GetProperty("features").EnumerateArray().Select(r => r.GetProperty("id").GetString()!));
            var next = page.GetProperty("links").EnumerateArray().FirstOrDefault(l => l.GetProperty("rel").GetString() == "next");
            path = next.ValueKind == JsonValueKind.Undefined ? null : new Uri(next.GetProperty("href").GetString()!).PathAndQuery;
        }

        Assert.Equal(Ids, seen);
    }

    [Theory]
    [InlineData("/ogc/collections/metadata/items?limit=0", 400, "limit-range", "limit")]
    [InlineData("/ogc/collections/metadata/items?limit=101", 400, "limit-range", "limit")]
    [InlineData("/ogc/collections/metadata/items?offset=-1", 400, "offset-range", "offset")]
    [InlineData("/ogc/collections/metadata/items?bbox=1,2,3", 400, null, "bbox")]
    [InlineData("/ogc/collections/metadata/items?datetime=yesterday", 400, "datetime-format", "datetime")]
    [InlineData("/ogc/collections/metadata/items?sql=DROP%20TABLE", 400, null, "sql")]
    [InlineData("/ogc/collections/metadata/items/nothing-here", 404, "record-unknown", null)]
    public async Task Bad_searches_are_refused_naming_the_parameter(string path, int status, string? rule, string? parameter)
    {
        using var response = await server.Client.GetAsync(path);
        var body = await response.Content.ReadAsStringAsync();
        Assert.Equal(status, (int)response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        if (rule is not null)
        {
            Assert.Contains(rule, body, StringComparison.Ordinal);
        }

        if (parameter is not null)
        {
            Assert.Contains(parameter, body, StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task OWSLib_searches_the_catalogue_as_a_Records_client()
    {
        const string script = """
            import json, sys
            from owslib.ogcapi.records import Records
            catalogue = Records(sys.argv[1], timeout=30)
            found = catalogue.collection_items('metadata', q='hazard')
            one = catalogue.collection_item('metadata', 'parcels')
            print(json.dumps({
                'catalogues': catalogue.records(),
                'found': [r['id'] for r in found['features']],
                'title': one['properties']['title'],
            }))
            """;
        var start = new ProcessStartInfo("/usr/bin/python3", ["-c", script, new Uri(server.BaseAddress, "/ogc").ToString()])
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
        Assert.Equal(["metadata"], result.GetProperty("catalogues").EnumerateArray().Select(c => c.GetString()));
        Assert.Equal(["flood-zones", "landslide-zones", "storm-surge-zones"], result.GetProperty("found").EnumerateArray().Select(c => c.GetString()));
        Assert.Equal("Parcels", result.GetProperty("title").GetString());
    }
}
