using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using Landplatform.Testing;

namespace Landplatform.GisServer.Tests;

/// <summary>OGC API Features Part 4 on buildings, with real tokens from the password grant.</summary>
public sealed class OgcFeaturesEditTests(PlatformServer server) : IClassFixture<PlatformServer>
{
    private const string Items = "/ogc/collections/buildings/items";

    private async Task<string> TokenAsync(string user)
    {
        using var response = await server.Client.PostAsync("/connect/token", new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["grant_type"] = "password",
            ["client_id"] = "lp-cli",
            ["username"] = user,
            ["password"] = $"Demo-{user}-2026",
            ["scope"] = "openid roles",
        }));
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.IsSuccessStatusCode, body);
        return JsonDocument.Parse(body).RootElement.GetProperty("access_token").GetString()!;
    }

    private async Task<HttpResponseMessage> SendAsync(HttpMethod method, string path, string? token, object? body = null,
        string? ifMatch = null, string? contentCrs = null)
    {
        using var request = new HttpRequestMessage(method, path);
        if (token is not null)
        {
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        }

        if (body is not null)
        {
            request.Content = new StringContent(body as string ?? JsonSerializer.Serialize(body), Encoding.UTF8, "application/geo+json");
            if (contentCrs is not null)
            {
                request.Content.Headers.Add("Content-Crs", $"<{contentCrs}>");
            }
        }

        if (ifMatch is not null)
        {
            request.Headers.TryAddWithoutValidation("If-Match", ifMatch);
        }

        return await server.Client.SendAsync(request);
    }

    // A square of side metres in the middle of a current parcel, as national grid coordinates.
    private async Task<(string Upi, double X, double Y)> ParcelCentreAsync(int skip)
    {
        await using var command = server.Database.DataSource.CreateCommand(
            "SELECT upi, ST_X(ST_PointOnSurface(boundary)), ST_Y(ST_PointOnSurface(boundary)) FROM cadastre.parcel_versions "
            + "WHERE status = 'current' AND computed_area > 3000 ORDER BY upi OFFSET @skip LIMIT 1");
        command.Parameters.AddWithValue("skip", skip);
        await using var row = await command.ExecuteReaderAsync();
        await row.ReadAsync();
        return (row.GetString(0), row.GetDouble(1), row.GetDouble(2));
    }

    private static object Feature(string upi, string use, int storeys, double x, double y, double side = 4) => new
    {
        type = "Feature",
        properties = new { upi, use, storeys },
        geometry = new
        {
            type = "Polygon",
            coordinates = new[] { new[] { new[] { x, y }, new[] { x + side, y }, new[] { x + side, y + side }, new[] { x, y + side }, new[] { x, y } } },
        },
    };

    private async Task<string> TagOfAsync(long id)
    {
        using var response = await server.Client.GetAsync($"{Items}/{id}");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return response.Headers.ETag!.Tag;
    }

    [Fact]
    public async Task A_registrar_creates_replaces_patches_and_deletes_a_building_with_optimistic_locking()
    {
        var token = await TokenAsync("registrar");
        var (upi, x, y) = await ParcelCentreAsync(0);

        using var created = await SendAsync(HttpMethod.Post, Items, token, Feature(upi, "dwelling", 2, x, y), contentCrs: "http://www.opengis.net/def/crs/EPSG/0/2007");
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        var location = created.Headers.Location!;
        var id = long.Parse(location.Segments[^1], CultureInfo.InvariantCulture);
        Assert.Equal(upi, await server.Database.ScalarAsync<string>("SELECT upi FROM cadastre.buildings WHERE id = @id", ("id", id)));
        Assert.Equal(16.0, await server.Database.ScalarAsync<double>("SELECT ST_Area(footprint) FROM cadastre.buildings WHERE id = @id", ("id", id)), 3);

        var stored = await server.GetJsonAsync(location.PathAndQuery);
        Assert.Equal("dwelling", stored.GetProperty("properties").GetProperty("use").GetString());
        var tag = await TagOfAsync(id);
        Assert.Equal(created.Headers.ETag?.Tag, tag);

        using (var missing = await SendAsync(HttpMethod.Put, $"{Items}/{id}", token, Feature(upi, "shop", 1, x, y)))
        {
            Assert.Equal(HttpStatusCode.PreconditionRequired, missing.StatusCode);
        }

        // A replacement in CRS84 (the default): the same square read back from the server in CRS84.
        var crs84 = stored.GetProperty("geometry");
        var replacement = new { type = "Feature", properties = new { upi, use = "shop", storeys = 1 }, geometry = crs84 };
        using (var replaced = await SendAsync(HttpMethod.Put, $"{Items}/{id}", token, replacement, ifMatch: tag))
        {
            Assert.Equal(HttpStatusCode.NoContent, replaced.StatusCode);
            Assert.NotEqual(tag, replaced.Headers.ETag?.Tag);
        }

        Assert.Equal("shop", await server.Database.ScalarAsync<string>("SELECT use FROM cadastre.buildings WHERE id = @id", ("id", id)));
        Assert.Equal(16.0, await server.Database.ScalarAsync<double>("SELECT ST_Area(footprint) FROM cadastre.buildings WHERE id = @id", ("id", id)), 1);

        using (var stale = await SendAsync(HttpMethod.Patch, $"{Items}/{id}", token, new { properties = new { storeys = 3 } }, ifMatch: tag))
        {
            Assert.Equal(HttpStatusCode.PreconditionFailed, stale.StatusCode);
            Assert.Equal("if-match-current", JsonDocument.Parse(await stale.Content.ReadAsStringAsync()).RootElement.GetProperty("rule").GetString());
        }

        Assert.Equal(1, await server.Database.ScalarAsync<int>("SELECT storeys FROM cadastre.buildings WHERE id = @id", ("id", id)));
        var current = await TagOfAsync(id);
        using (var patched = await SendAsync(HttpMethod.Patch, $"{Items}/{id}", token, new { properties = new { storeys = 3 } }, ifMatch: current))
        {
            Assert.Equal(HttpStatusCode.NoContent, patched.StatusCode);
        }

        Assert.Equal(3, await server.Database.ScalarAsync<int>("SELECT storeys FROM cadastre.buildings WHERE id = @id", ("id", id)));
        Assert.Equal("shop", await server.Database.ScalarAsync<string>("SELECT use FROM cadastre.buildings WHERE id = @id", ("id", id)));

        using (var noTag = await SendAsync(HttpMethod.Delete, $"{Items}/{id}", token))
        {
            Assert.Equal(HttpStatusCode.PreconditionRequired, noTag.StatusCode);
        }

        using (var deleted = await SendAsync(HttpMethod.Delete, $"{Items}/{id}", token, ifMatch: await TagOfAsync(id)))
        {
            Assert.Equal(HttpStatusCode.NoContent, deleted.StatusCode);
        }

        Assert.Equal(0L, await server.Database.ScalarAsync<long>("SELECT count(*) FROM cadastre.buildings WHERE id = @id", ("id", id)));
        await server.GetProblemAsync($"{Items}/{id}", 404, "feature-unknown");
    }

    [Fact]
    public async Task Only_registrars_and_administrators_may_edit()
    {
        var (upi, x, y) = await ParcelCentreAsync(1);
        var before = await server.Database.ScalarAsync<long>("SELECT count(*) FROM cadastre.buildings");
        var body = Feature(upi, "dwelling", 1, x, y);
        const string Grid = "http://www.opengis.net/def/crs/EPSG/0/2007";

        using (var anonymous = await SendAsync(HttpMethod.Post, Items, null, body, contentCrs: Grid))
        {
            Assert.Equal(HttpStatusCode.Unauthorized, anonymous.StatusCode);
        }

        foreach (var user in (string[])["citizen", "surveyor"])
        {
            using var refused = await SendAsync(HttpMethod.Post, Items, await TokenAsync(user), body, contentCrs: Grid);
            Assert.Equal(HttpStatusCode.Forbidden, refused.StatusCode);
        }

        var buildingId = await server.Database.ScalarAsync<long>("SELECT min(id) FROM cadastre.buildings");
        using (var refusedDelete = await SendAsync(HttpMethod.Delete, $"{Items}/{buildingId}", await TokenAsync("citizen"), ifMatch: await TagOfAsync(buildingId)))
        {
            Assert.Equal(HttpStatusCode.Forbidden, refusedDelete.StatusCode);
        }

        Assert.Equal(before, await server.Database.ScalarAsync<long>("SELECT count(*) FROM cadastre.buildings"));
        using var allowed = await SendAsync(HttpMethod.Post, Items, await TokenAsync("administrator"), body, contentCrs: Grid);
        Assert.Equal(HttpStatusCode.Created, allowed.StatusCode);
        Assert.Equal(before + 1, await server.Database.ScalarAsync<long>("SELECT count(*) FROM cadastre.buildings"));

        using var parcels = await SendAsync(HttpMethod.Post, "/ogc/collections/parcels/items", await TokenAsync("administrator"), body);
        Assert.Equal(HttpStatusCode.MethodNotAllowed, parcels.StatusCode);
    }

    [Fact]
    public async Task Rule_violations_are_problems_naming_field_and_rule_and_change_nothing()
    {
        var token = await TokenAsync("registrar");
        var (upi, x, y) = await ParcelCentreAsync(2);
        var before = await server.Database.ScalarAsync<long>("SELECT count(*) FROM cadastre.buildings");
        const string Grid = "http://www.opengis.net/def/crs/EPSG/0/2007";

        async Task ExpectAsync(object body, int status, string rule, string? parameter, string? crs = Grid)
        {
            using var response = await SendAsync(HttpMethod.Post, Items, token, body, contentCrs: crs);
            var text = await response.Content.ReadAsStringAsync();
            Assert.True(status == (int)response.StatusCode, text);
            var problem = JsonDocument.Parse(text).RootElement;
            Assert.Equal(rule, problem.GetProperty("rule").GetString());
            if (parameter is not null)
            {
                Assert.Equal(parameter, problem.GetProperty("parameter").GetString());
            }
        }

        await ExpectAsync(Feature(upi, "dwelling", 1, x + 100_000, y), 409, "building-within-parcel", null);
        await ExpectAsync(Feature("CH-99999-9999", "dwelling", 1, x, y), 409, "building-parcel-current", null);
        await ExpectAsync(Feature("x' OR 1=1 --", "dwelling", 1, x, y), 400, "upi-format", "upi");
        await ExpectAsync(Feature(upi, "dwelling", 0, x, y), 400, "building-storeys", "storeys");
        await ExpectAsync(Feature(upi, "", 1, x, y), 400, "building-use", "use");
        var bowtie = new
        {
            type = "Feature",
            properties = new { upi, use = "dwelling", storeys = 1 },
            geometry = new { type = "Polygon", coordinates = new[] { new[] { new[] { x, y }, new[] { x + 4, y + 4 }, new[] { x + 4, y }, new[] { x, y + 4 }, new[] { x, y } } } },
        };
        await ExpectAsync(bowtie, 400, "building-geometry-valid", "geometry");
        var point = new { type = "Feature", properties = new { upi, use = "dwelling", storeys = 1 }, geometry = new { type = "Point", coordinates = new[] { x, y } } };
        await ExpectAsync(point, 400, "building-geometry", "geometry");
        await ExpectAsync("{\"type\":\"Feature\",", 400, "geojson-format", "body");
        await ExpectAsync(Feature(upi, "dwelling", 1, x, y), 400, "supported-crs", "Content-Crs", "EPSG:9999");
        await ExpectAsync(new { type = "Feature", properties = new { upi, use = "dwelling", storeys = 1, owner = "x" } }, 400, "property-known", "owner");

        Assert.Equal(before, await server.Database.ScalarAsync<long>("SELECT count(*) FROM cadastre.buildings"));
    }
}
