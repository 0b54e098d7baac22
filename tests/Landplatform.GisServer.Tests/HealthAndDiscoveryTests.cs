using Landplatform.Testing;
namespace Landplatform.GisServer.Tests;

public sealed class HealthAndDiscoveryTests(PlatformServer server) : IClassFixture<PlatformServer>
{
    [Fact]
    public async Task Health_answers_200_with_the_PostGIS_version_when_the_database_answers()
    {
        var health = await server.GetJsonAsync("/health");
        Assert.Equal("ok", health.GetProperty("status").GetString());
        Assert.StartsWith("PostgreSQL 15", health.GetProperty("database").GetString(), StringComparison.Ordinal);
        Assert.StartsWith("3.", health.GetProperty("postgis").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_OpenAPI_document_describes_every_parcel_endpoint()
    {
        var document = await server.GetJsonAsync("/openapi/v1.json");
        Assert.StartsWith("3.", document.GetProperty("openapi").GetString(), StringComparison.Ordinal);
        var paths = document.GetProperty("paths");
        foreach (var path in (string[])["/health", "/api/parcels", "/api/parcels/{upi}", "/api/parcels/{upi}/lineage"])
        {
            Assert.True(paths.TryGetProperty(path, out var item), $"OpenAPI lacks {path}");
            Assert.True(item.TryGetProperty("get", out _));
        }
    }

    [Fact]
    public async Task The_index_links_to_each_service()
    {
        var index = await server.GetJsonAsync("/services");
        var rels = index.GetProperty("links").EnumerateArray().Select(l => l.GetProperty("rel").GetString()).ToList();
        Assert.Contains("health", rels);
        Assert.Contains("parcels", rels);
        Assert.Contains("service-desc", rels);
        foreach (var link in index.GetProperty("links").EnumerateArray())
        {
            using var response = await server.Client.GetAsync(new Uri(link.GetProperty("href").GetString()!).PathAndQuery);
            Assert.True(response.StatusCode is System.Net.HttpStatusCode.OK or System.Net.HttpStatusCode.Unauthorized,
                $"{link.GetProperty("rel").GetString()} answered {(int)response.StatusCode}");
        }
    }

    [Fact]
    public async Task An_unknown_path_is_a_404_problem()
    {
        using var response = await server.Client.GetAsync("/api/nowhere");
        Assert.Equal(404, (int)response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
    }
}
