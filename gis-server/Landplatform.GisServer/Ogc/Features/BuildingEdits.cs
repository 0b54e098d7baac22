using System.Globalization;
using System.Text.Json;
using Landplatform.Cadastre.Contracts;
using Landplatform.Cadastre.Fabric;
using Landplatform.Integrations.Identity;
using NetTopologySuite.Geometries;

namespace Landplatform.GisServer.Ogc.Features;

/// <summary>
/// OGC API Features Part 4 on the buildings collection: create, replace, update (merge) and delete,
/// with optimistic locking through ETag / If-Match. Parcels change only through surveys.
/// </summary>
public static class BuildingEdits
{
    private const int MaxBodyBytes = 1024 * 1024;
    private const string Items = "/collections/buildings/items";

    public static void Map(RouteGroupBuilder group)
    {
        var edits = group.MapGroup(Items).RequireAuthorization(AccessPolicies.FabricEditors);
        edits.MapPost("/", CreateAsync).WithName("OgcCreateBuilding")
            .WithSummary("Adds a building (GeoJSON Feature with a Polygon within its parcel 'upi'; CRS84 unless Content-Crs says otherwise). Registrars and administrators.")
            .Accepts<JsonElement>(FeaturesEndpoints.GeoJson, "application/json")
            .Produces(StatusCodes.Status201Created).ProducesProblem(StatusCodes.Status400BadRequest).ProducesProblem(StatusCodes.Status409Conflict);
        edits.MapPut("/{featureId}", ReplaceAsync).WithName("OgcReplaceBuilding")
            .WithSummary("Replaces a building; If-Match with the ETag read is required (428 without, 412 when stale).")
            .Accepts<JsonElement>(FeaturesEndpoints.GeoJson, "application/json")
            .Produces(StatusCodes.Status204NoContent).ProducesProblem(StatusCodes.Status412PreconditionFailed).ProducesProblem(StatusCodes.Status428PreconditionRequired);
        edits.MapPatch("/{featureId}", UpdateAsync).WithName("OgcUpdateBuilding")
            .WithSummary("Merges the given properties and/or geometry into a building; If-Match required.")
            .Accepts<JsonElement>("application/merge-patch+json", FeaturesEndpoints.GeoJson, "application/json")
            .Produces(StatusCodes.Status204NoContent).ProducesProblem(StatusCodes.Status412PreconditionFailed).ProducesProblem(StatusCodes.Status428PreconditionRequired);
        edits.MapDelete("/{featureId}", DeleteAsync).WithName("OgcDeleteBuilding")
            .WithSummary("Deletes a building; If-Match required.")
            .Produces(StatusCodes.Status204NoContent).ProducesProblem(StatusCodes.Status412PreconditionFailed).ProducesProblem(StatusCodes.Status428PreconditionRequired);
    }

    private static async Task<IResult> CreateAsync(HttpContext http, BuildingRegister register, CancellationToken ct)
    {
        using var body = await ReadBodyAsync(http, ct);
        var patch = Read(body.RootElement, ContentCrs(http.Request));
        var draft = Complete(patch);
        var result = await register.AddAsync(draft, ct);
        http.Response.Headers.ETag = Quote(result.Tag);
        return TypedResults.Created($"{FeaturesEndpoints.BaseUrl(http.Request)}/ogc{Items}/{result.Id.ToString(CultureInfo.InvariantCulture)}");
    }

    private static async Task<IResult> ReplaceAsync(string featureId, HttpContext http, BuildingRegister register, CancellationToken ct)
    {
        var id = Id(featureId);
        if (IfMatch(http) is not { } tag)
        {
            return PreconditionRequired();
        }

        using var body = await ReadBodyAsync(http, ct);
        var draft = Complete(Read(body.RootElement, ContentCrs(http.Request)));
        return Outcome(http, featureId, await register.ReplaceAsync(id, tag, draft, ct));
    }

    private static async Task<IResult> UpdateAsync(string featureId, HttpContext http, BuildingRegister register, CancellationToken ct)
    {
        var id = Id(featureId);
        if (IfMatch(http) is not { } tag)
        {
            return PreconditionRequired();
        }

        using var body = await ReadBodyAsync(http, ct);
        var patch = Read(body.RootElement, ContentCrs(http.Request));
        return Outcome(http, featureId, await register.UpdateAsync(id, tag, patch, ct));
    }

    private static async Task<IResult> DeleteAsync(string featureId, HttpContext http, BuildingRegister register, CancellationToken ct)
    {
        var id = Id(featureId);
        if (IfMatch(http) is not { } tag)
        {
            return PreconditionRequired();
        }

        return Outcome(http, featureId, await register.RemoveAsync(id, tag, ct));
    }

    private static IResult Outcome(HttpContext http, string featureId, BuildingWriteResult result)
    {
        switch (result.Status)
        {
            case BuildingWriteStatus.NotFound:
                throw new ResourceNotFoundException("feature-unknown", $"buildings has no feature '{featureId}'.");
            case BuildingWriteStatus.Stale:
                return Problem(StatusCodes.Status412PreconditionFailed, "Precondition failed", "if-match-current",
                    "The building changed since it was read: If-Match does not name its current ETag. Read it again, then retry.");
            default:
                if (result.Tag is not null)
                {
                    http.Response.Headers.ETag = Quote(result.Tag);
                }

                return TypedResults.NoContent();
        }
    }

    private static long Id(string featureId) =>
        long.TryParse(featureId, NumberStyles.None, CultureInfo.InvariantCulture, out var id)
            ? id
            : throw new ResourceNotFoundException("feature-unknown", $"buildings has no feature '{featureId}'.");

    // The tag as the register knows it (unquoted); a weak or absent tag cannot prove the caller read the current row.
    private static string? IfMatch(HttpContext http)
    {
        var value = http.Request.Headers.IfMatch.ToString().Trim();
        if (value.Length == 0)
        {
            return null;
        }

        return value.Length > 2 && value[0] == '"' && value[^1] == '"' ? value[1..^1] : value;
    }

    private static IResult PreconditionRequired() =>
        Problem(StatusCodes.Status428PreconditionRequired, "Precondition required", "if-match-required",
            "Send If-Match with the ETag of the building as last read (GET the item first).");

    private static IResult Problem(int status, string title, string rule, string detail) =>
        TypedResults.Problem(detail, statusCode: status, title: title, type: "https://landplatform.example/problems/" + rule,
            extensions: new Dictionary<string, object?> { ["rule"] = rule });

    private static string Quote(string? tag) => $"\"{tag}\"";

    private static CoordinateReferenceSystem ContentCrs(HttpRequest request)
    {
        var value = request.Headers["Content-Crs"].ToString().Trim();
        return value.Length == 0 ? CoordinateReferenceSystem.Crs84 : CoordinateReferenceSystem.Parse(value.Trim('<', '>'), "Content-Crs");
    }

    private static async Task<JsonDocument> ReadBodyAsync(HttpContext http, CancellationToken ct)
    {
        if (http.Request.ContentLength > MaxBodyBytes)
        {
            throw new InvalidParameterException("body", "body-size", $"A building is at most {MaxBodyBytes} bytes of GeoJSON.");
        }

        using var buffer = new MemoryStream();
        var chunk = new byte[16 * 1024];
        int read;
        while ((read = await http.Request.Body.ReadAsync(chunk, ct)) > 0)
        {
            if (buffer.Length + read > MaxBodyBytes)
            {
                throw new InvalidParameterException("body", "body-size", $"A building is at most {MaxBodyBytes} bytes of GeoJSON.");
            }

            buffer.Write(chunk, 0, read);
        }

        try
        {
            return JsonDocument.Parse(buffer.ToArray(), new JsonDocumentOptions { MaxDepth = 16 });
        }
        catch (JsonException e)
        {
            throw new InvalidParameterException("body", "geojson-format", $"The body is not JSON: {e.Message}");
        }
    }

    private static BuildingDraft Complete(BuildingPatch patch) =>
        new(patch.Upi ?? throw Missing("upi"), patch.Use ?? throw Missing("use"), patch.Storeys ?? throw Missing("storeys"),
            patch.Footprint ?? throw new InvalidParameterException("geometry", "building-geometry", "A building needs a Polygon geometry."));

    private static InvalidParameterException Missing(string property) =>
        new(property, "property-required", $"A building needs the property '{property}'.");

    private static BuildingPatch Read(JsonElement feature, CoordinateReferenceSystem crs)
    {
        if (feature.ValueKind != JsonValueKind.Object)
        {
            throw new InvalidParameterException("body", "geojson-format", "The body is a GeoJSON Feature.");
        }

        if (feature.TryGetProperty("type", out var type) && type.ValueKind == JsonValueKind.String && type.GetString() != "Feature")
        {
            throw new InvalidParameterException("type", "geojson-format", "The body is a GeoJSON Feature (type Feature).");
        }

        string? upi = null, use = null;
        int? storeys = null;
        if (feature.TryGetProperty("properties", out var properties) && properties.ValueKind == JsonValueKind.Object)
        {
            foreach (var property in properties.EnumerateObject())
            {
                switch (property.Name)
                {
                    case "upi":
                        upi = property.Value.ValueKind == JsonValueKind.String ? property.Value.GetString() : throw Wrong("upi", "a string");
                        break;
                    case "use":
                        use = property.Value.ValueKind == JsonValueKind.String ? property.Value.GetString() : throw Wrong("use", "a string");
                        break;
                    case "storeys":
                        storeys = property.Value.ValueKind == JsonValueKind.Number && property.Value.TryGetInt32(out var n) ? n : throw Wrong("storeys", "a whole number");
                        break;
                    default:
                        throw new InvalidParameterException(property.Name, "property-known", $"'{property.Name}' is not a property of buildings; they have upi, use and storeys.");
                }
            }
        }

        Polygon? footprint = null;
        if (feature.TryGetProperty("geometry", out var geometry) && geometry.ValueKind != JsonValueKind.Null)
        {
            footprint = Polygon(geometry, crs);
        }

        return new BuildingPatch(upi, use, storeys, footprint);
    }

    private static InvalidParameterException Wrong(string property, string expected) =>
        new(property, "property-type", $"'{property}' must be {expected}.");

    private static Polygon Polygon(JsonElement geometry, CoordinateReferenceSystem crs)
    {
        if (geometry.ValueKind != JsonValueKind.Object || !geometry.TryGetProperty("type", out var type) || type.GetString() != "Polygon" ||
            !geometry.TryGetProperty("coordinates", out var rings) || rings.ValueKind != JsonValueKind.Array || rings.GetArrayLength() == 0)
        {
            throw new InvalidParameterException("geometry", "building-geometry", "A building's geometry is a GeoJSON Polygon.");
        }

        try
        {
            var factory = new GeometryFactory(new PrecisionModel(), crs.Srid);
            var linear = rings.EnumerateArray().Select(ring => factory.CreateLinearRing(ring.EnumerateArray().Select(position =>
            {
                if (position.ValueKind != JsonValueKind.Array || position.GetArrayLength() < 2)
                {
                    throw new InvalidParameterException("geometry", "building-geometry", "A position is an array of two numbers.");
                }

                var (a, b) = (position[0].GetDouble(), position[1].GetDouble());
                if (!double.IsFinite(a) || !double.IsFinite(b))
                {
                    throw new InvalidParameterException("geometry", "building-geometry", "Coordinates must be finite numbers.");
                }

                return crs.LatitudeFirst ? new Coordinate(b, a) : new Coordinate(a, b);
            }).ToArray())).ToArray();
            return factory.CreatePolygon(linear[0], linear[1..]);
        }
        catch (Exception e) when (e is ArgumentException or InvalidOperationException or FormatException)
        {
            throw new InvalidParameterException("geometry", "building-geometry", $"The Polygon is malformed: {e.Message}");
        }
    }
}
