using System.Text.Json;
using Landplatform.Cadastre.Contracts;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Extensions;
using Microsoft.AspNetCore.Routing;
using Microsoft.AspNetCore.WebUtilities;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;
using NpgsqlTypes;

namespace Landplatform.Cadastre.Api;

/// <summary>The parcel API: one parcel, a search by place and text, and a parcel's lineage.</summary>
public static class ParcelEndpoints
{
    private const string GeoJson = "application/geo+json";

    public static RouteGroupBuilder MapParcelEndpoints(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/api/parcels").WithTags("Parcels");

        group.MapGet("/", SearchAsync)
            .WithName("SearchParcels")
            .WithSummary("Parcels in a bounding box and/or matching a UPI prefix or address, paged by UPI.")
            .WithDescription("bbox is minx,miny,maxx,maxy in CRS84 (longitude, latitude) unless bbox-crs names another "
                + "system (EPSG:4326 uses latitude first; EPSG:3857; EPSG:2007). q is a UPI prefix (CH-000) or part of an "
                + "address. asOf (a date = end of that day UTC, or an RFC 3339 date-time) returns the fabric as it was. "
                + "crs chooses the output system. limit 1-1000 (default 100); follow the next link to page.")
            .Produces(StatusCodes.Status200OK, contentType: GeoJson)
            .ProducesProblem(StatusCodes.Status400BadRequest);

        group.MapGet("/{upi}", GetAsync)
            .WithName("GetParcel")
            .WithSummary("One parcel: its attributes and boundary; without asOf its latest version, retired or not.")
            .Produces(StatusCodes.Status200OK, contentType: GeoJson)
            .ProducesProblem(StatusCodes.Status400BadRequest)
            .ProducesProblem(StatusCodes.Status404NotFound);

        group.MapGet("/{upi}/lineage", LineageAsync)
            .WithName("GetParcelLineage")
            .WithSummary("The parcels this one was made from (ancestors) and the parcels made from it (descendants).")
            .Produces(StatusCodes.Status200OK, contentType: "application/json")
            .ProducesProblem(StatusCodes.Status400BadRequest)
            .ProducesProblem(StatusCodes.Status404NotFound);

        return group;
    }

    private static async Task GetAsync(
        string upi, string? crs, string? asOf, HttpContext http, [FromKeyedServices(DataSourceKeys.Stateless)] NpgsqlDataSource db, CancellationToken ct)
    {
        var id = ParcelIdentifier.Parse(upi, "upi");
        var outputCrs = string.IsNullOrWhiteSpace(crs) ? CoordinateReferenceSystem.NationalGrid : CoordinateReferenceSystem.Parse(crs, "crs");
        var instant = ParcelQueryParameters.ParseAsOf(asOf);

        await using var command = db.CreateCommand(instant is null
            ? $"SELECT {ParcelFeatureWriter.SelectList} FROM {ParcelFeatureWriter.From} "
              + "WHERE p.upi = @upi AND p.status <> 'pending' ORDER BY p.version DESC LIMIT 1"
            : $"SELECT {ParcelFeatureWriter.SelectList} FROM {ParcelFeatureWriter.From} "
              + "WHERE p.upi = @upi AND p.status <> 'pending' AND p.valid_from <= @asOf AND (p.valid_to IS NULL OR p.valid_to > @asOf)");
        command.Parameters.AddWithValue("upi", id);
        AddOutputCrs(command, outputCrs);
        if (instant is not null)
        {
            command.Parameters.AddWithValue("asOf", NpgsqlDbType.TimestampTz, instant.Value);
        }

        await using var row = await command.ExecuteReaderAsync(ct);
        if (!await row.ReadAsync(ct))
        {
            throw new ResourceNotFoundException("parcel-unknown", instant is null
                ? $"No parcel has the UPI {id}."
                : $"No version of parcel {id} was in force on {instant.Value:yyyy-MM-dd'T'HH:mm:ss'Z'}.");
        }

        http.Response.ContentType = GeoJson;
        http.Response.Headers["Content-Crs"] = $"<{outputCrs.Uri}>";
        await using var json = new Utf8JsonWriter(http.Response.BodyWriter);
        ParcelFeatureWriter.Write(json, row, BaseUrl(http.Request));
        await json.FlushAsync(ct);
    }

    private static async Task SearchAsync(
        string? bbox, [Microsoft.AspNetCore.Mvc.FromQuery(Name = "bbox-crs")] string? bboxCrs, string? q, string? crs,
        string? asOf, string? limit, string? after, HttpContext http, [FromKeyedServices(DataSourceKeys.Reads)] NpgsqlDataSource db, CancellationToken ct)
    {
        var box = ParcelQueryParameters.ParseBbox(bbox, bboxCrs);
        var text = ParcelQueryParameters.ParseSearchText(q);
        var outputCrs = string.IsNullOrWhiteSpace(crs) ? CoordinateReferenceSystem.Crs84 : CoordinateReferenceSystem.Parse(crs, "crs");
        var instant = ParcelQueryParameters.ParseAsOf(asOf);
        var pageSize = ParcelQueryParameters.ParseLimit(limit);
        var cursor = after is null ? null : ParcelIdentifier.Parse(after, "after");

        await using var command = db.CreateCommand();
        var where = new List<string>();
        if (instant is null)
        {
            where.Add("p.status = 'current'");
        }
        else
        {
            where.Add("p.status <> 'pending' AND p.valid_from <= @asOf AND (p.valid_to IS NULL OR p.valid_to > @asOf)");
            command.Parameters.AddWithValue("asOf", NpgsqlDbType.TimestampTz, instant.Value);
        }

        if (box is not null)
        {
            where.Add("p.boundary && ST_Transform(ST_MakeEnvelope(@minx, @miny, @maxx, @maxy, @bboxSrid), 2007) "
                + "AND ST_Intersects(p.boundary, ST_Transform(ST_MakeEnvelope(@minx, @miny, @maxx, @maxy, @bboxSrid), 2007))");
            command.Parameters.AddWithValue("minx", box.MinX);
            command.Parameters.AddWithValue("miny", box.MinY);
            command.Parameters.AddWithValue("maxx", box.MaxX);
            command.Parameters.AddWithValue("maxy", box.MaxY);
            command.Parameters.AddWithValue("bboxSrid", box.Crs.Srid);
        }

        if (text is not null)
        {
            var byAddress = "p.address ILIKE @addressPattern";
            command.Parameters.AddWithValue("addressPattern", "%" + ParcelQueryParameters.EscapeLike(text) + "%");
            if (ParcelQueryParameters.IsUpiPrefix(text))
            {
                where.Add($"(p.upi LIKE @upiPrefix OR {byAddress})");
                command.Parameters.AddWithValue("upiPrefix", ParcelQueryParameters.EscapeLike(text.ToUpperInvariant()) + "%");
            }
            else
            {
                where.Add(byAddress);
            }
        }

        if (cursor is not null)
        {
            where.Add("p.upi > @after");
            command.Parameters.AddWithValue("after", cursor);
        }

        AddOutputCrs(command, outputCrs);
        command.Parameters.AddWithValue("take", pageSize + 1);
        command.CommandText = $"SELECT {ParcelFeatureWriter.SelectList} FROM {ParcelFeatureWriter.From} "
            + $"WHERE {string.Join(" AND ", where)} ORDER BY p.upi LIMIT @take";

        await using var rows = await command.ExecuteReaderAsync(ct);
        http.Response.ContentType = GeoJson;
        http.Response.Headers["Content-Crs"] = $"<{outputCrs.Uri}>";
        var baseUrl = BaseUrl(http.Request);
        await using var json = new Utf8JsonWriter(http.Response.BodyWriter);
        json.WriteStartObject();
        json.WriteString("type", "FeatureCollection");
        json.WriteStartArray("features");
        var written = 0;
        string? lastUpi = null;
        var more = false;
        while (await rows.ReadAsync(ct))
        {
            if (written == pageSize)
            {
                more = true;
                break;
            }

            ParcelFeatureWriter.Write(json, rows, baseUrl);
            lastUpi = rows.GetString(0);
            written++;
            if (json.BytesPending > 32 * 1024)
            {
                await json.FlushAsync(ct);
            }
        }

        json.WriteEndArray();
        json.WriteNumber("numberReturned", written);
        json.WriteStartArray("links");
        ParcelFeatureWriter.WriteLink(json, "self", http.Request.GetEncodedUrl(), GeoJson);
        if (more && lastUpi is not null)
        {
            ParcelFeatureWriter.WriteLink(json, "next", PageLink(http.Request, lastUpi), GeoJson);
        }

        json.WriteEndArray();
        json.WriteEndObject();
        await json.FlushAsync(ct);
    }

    private static async Task LineageAsync(string upi, HttpContext http, [FromKeyedServices(DataSourceKeys.Stateless)] NpgsqlDataSource db, CancellationToken ct)
    {
        var id = ParcelIdentifier.Parse(upi, "upi");
        await using var connection = await db.OpenConnectionAsync(ct);
        await using (var exists = new NpgsqlCommand("SELECT 1 FROM cadastre.parcel_records WHERE upi = @upi", connection))
        {
            exists.Parameters.AddWithValue("upi", id);
            if (await exists.ExecuteScalarAsync(ct) is null)
            {
                throw new ResourceNotFoundException("parcel-unknown", $"No parcel has the UPI {id}.");
            }
        }

        http.Response.ContentType = "application/json";
        await using var json = new Utf8JsonWriter(http.Response.BodyWriter);
        json.WriteStartObject();
        json.WriteString("upi", id);
        await WriteLineageAsync(json, connection, id, ancestors: true, ct);
        await WriteLineageAsync(json, connection, id, ancestors: false, ct);
        json.WriteStartArray("links");
        var baseUrl = BaseUrl(http.Request);
        ParcelFeatureWriter.WriteLink(json, "self", $"{baseUrl}/api/parcels/{id}/lineage", "application/json");
        ParcelFeatureWriter.WriteLink(json, "parcel", $"{baseUrl}/api/parcels/{id}", GeoJson);
        json.WriteEndArray();
        json.WriteEndObject();
        await json.FlushAsync(ct);
    }

    // Walks the lineage graph in SQL; the depth cap stops a walk however the graph was written.
    private static async Task WriteLineageAsync(Utf8JsonWriter json, NpgsqlConnection connection, string upi, bool ancestors, CancellationToken ct)
    {
        var (from, to) = ancestors ? ("parent_upi", "child_upi") : ("child_upi", "parent_upi");
        await using var command = new NpgsqlCommand($"""
            WITH RECURSIVE walk(upi, via, transaction_id, depth) AS (
              SELECT e.{from}, e.{to}, e.transaction_id, 1 FROM cadastre.lineage_edges e WHERE e.{to} = @upi
              UNION
              SELECT e.{from}, e.{to}, e.transaction_id, w.depth + 1
              FROM cadastre.lineage_edges e JOIN walk w ON e.{to} = w.upi
              WHERE w.depth < 64
            )
            SELECT w.upi, w.via, w.depth, t.id, t.kind, t.reference, t.effective_at
            FROM walk w JOIN cadastre.fabric_transactions t ON t.id = w.transaction_id
            ORDER BY w.depth, w.upi, w.via
            """, connection);
        command.Parameters.AddWithValue("upi", upi);
        await using var rows = await command.ExecuteReaderAsync(ct);
        json.WriteStartArray(ancestors ? "ancestors" : "descendants");
        while (await rows.ReadAsync(ct))
        {
            json.WriteStartObject();
            json.WriteString("upi", rows.GetString(0));
            json.WriteString(ancestors ? "childUpi" : "parentUpi", rows.GetString(1));
            json.WriteNumber("depth", rows.GetInt32(2));
            json.WriteStartObject("transaction");
            json.WriteString("id", rows.GetGuid(3));
            json.WriteString("kind", rows.GetString(4));
            json.WriteString("reference", rows.GetString(5));
            json.WriteString("effectiveAt", rows.GetFieldValue<DateTimeOffset>(6));
            json.WriteEndObject();
            json.WriteEndObject();
        }

        json.WriteEndArray();
    }

    private static void AddOutputCrs(NpgsqlCommand command, CoordinateReferenceSystem crs)
    {
        command.Parameters.AddWithValue("srid", crs.Srid);
        command.Parameters.AddWithValue("decimals", crs.Decimals);
    }

    private static string BaseUrl(HttpRequest request) => $"{request.Scheme}://{request.Host}{request.PathBase}";

    private static string PageLink(HttpRequest request, string after)
    {
        var query = QueryHelpers.ParseQuery(request.QueryString.Value)
            .Where(p => !p.Key.Equals("after", StringComparison.OrdinalIgnoreCase))
            .SelectMany(p => p.Value.Select(v => new KeyValuePair<string, string?>(p.Key, v)))
            .Append(new KeyValuePair<string, string?>("after", after));
        return QueryHelpers.AddQueryString($"{BaseUrl(request)}{request.Path}", query);
    }
}
