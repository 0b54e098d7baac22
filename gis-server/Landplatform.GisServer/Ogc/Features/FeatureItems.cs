using System.Buffers;
using System.Globalization;
using System.Text;
using System.Text.Json;
using Landplatform.Cadastre.Contracts;
using Npgsql;

namespace Landplatform.GisServer.Ogc.Features;

/// <summary>The items of a collection and single features, streamed from PostGIS as GeoJSON, HTML or CSV.</summary>
public static class FeatureItems
{
    private static readonly string[] ItemNames = ["f", "crs", "datetime", "version"];

    public static async Task ItemsAsync(string collectionId, HttpContext http, [FromKeyedServices(DataSourceKeys.Reads)] NpgsqlDataSource db, CancellationToken ct)
    {
        var request = http.Request;
        ItemsParameters.RefuseUnknown(request.Query, ItemsParameters.ForItems);
        var collection = FeaturesEndpoints.Find(collectionId);
        var format = ItemsParameters.Format(request, csvAllowed: true);
        var crs = ItemsParameters.Crs(ItemsParameters.Single(request.Query, "crs"), "crs");
        var bbox = ItemsParameters.Bbox(ItemsParameters.Single(request.Query, "bbox"), ItemsParameters.Single(request.Query, "bbox-crs"));
        var limitText = ItemsParameters.Single(request.Query, "limit");
        var limit = ItemsParameters.Limit(limitText);
        // A GeoPackage is a download, not a page: without a limit it holds every feature the query selects.
        var whole = format == OutputFormat.GeoPackage && limitText is null;
        var cursor = ItemsParameters.Cursor(ItemsParameters.Single(request.Query, "cursor"), ItemsParameters.Single(request.Query, "offset"));
        var offset = cursor?.Position ?? ItemsParameters.Offset(ItemsParameters.Single(request.Query, "offset"));
        var (instant, period) = ItemsParameters.Datetime(ItemsParameters.Single(request.Query, "datetime"));
        var properties = ItemsParameters.Properties(ItemsParameters.Single(request.Query, "properties"));
        var filter = ItemsParameters.Filter(request.Query, collection);
        var sortBy = ItemsParameters.SortBy(ItemsParameters.Single(request.Query, "sortby"), collection);
        if (ItemsParameters.FreeText(ItemsParameters.Single(request.Query, "q"), collection) is { } text)
        {
            filter = filter is null ? text : new AndFilter([filter, text]);
        }

        if (sortBy is not null && cursor is not null)
        {
            throw new InvalidParameterException("cursor", "cursor-offset", "A cursor pages in the id order; with sortby, page with offset as the next links do.");
        }

        var query = new FeatureQuery(collection)
        {
            Bbox = bbox,
            AsOf = instant,
            Period = period,
            Filter = filter,
            Properties = properties,
            Limit = whole ? int.MaxValue : limit + 1,
            SimplifyMetres = ItemsParameters.SimplifyMetres(ItemsParameters.Single(request.Query, "zoom-level")),
            Offset = offset,
            After = cursor,
            SortBy = sortBy,
            ReturnsVersion = format is OutputFormat.Json or OutputFormat.Html,
            OutputSrid = crs.Srid,
            Decimals = crs.Decimals,
            LatitudeFirst = crs.LatitudeFirst && format != OutputFormat.GeoPackage,
            Geometry = format switch
            {
                OutputFormat.Csv => GeometryEncoding.Wkt,
                OutputFormat.FlatGeobuf or OutputFormat.GeoPackage => GeometryEncoding.Wkb,
                OutputFormat.Html => GeometryEncoding.None,
                _ => GeometryEncoding.GeoJson,
            },
        };
        var selected = FeatureSql.SelectedProperties(query);
        await using var select = FeatureSql.Select(db, query);
        // HTML says "of N" at the top; GeoJSON may say numberMatched at the end, when the page has shown
        // whether a count is needed at all.
        var matched = format == OutputFormat.Html ? await MatchedAsync(db, query, ct) : null;
        await using var rows = await select.ExecuteReaderAsync(ct);

        var page = new Page(limit, offset, matched) { Keyset = sortBy is null };
        http.Response.Headers["Content-Crs"] = $"<{crs.Uri}>";
        switch (format)
        {
            case OutputFormat.Html:
                await WriteHtmlAsync(http, collection, selected, rows, page, ct);
                break;
            case OutputFormat.Csv:
                await WriteCsvAsync(http, collection, selected, rows, page, ct);
                break;
            case OutputFormat.FlatGeobuf:
                await WriteFlatGeobufAsync(http, collection, selected, crs.Srid, rows, page, ct);
                break;
            case OutputFormat.GeoPackage:
                await GeoPackageDownload.WriteAsync(http, db, collection, selected, crs.Srid, rows, whole ? long.MaxValue : limit, ct);
                break;
            default:
                await WriteGeoJsonAsync(http, collection, selected, rows, page, token => MatchedAsync(db, query, token), ct);
                break;
        }
    }

    public static async Task ItemAsync(string collectionId, string featureId, HttpContext http, [FromKeyedServices(DataSourceKeys.Reads)] NpgsqlDataSource db, CancellationToken ct)
    {
        var request = http.Request;
        ItemsParameters.RefuseUnknown(request.Query, ItemNames);
        var collection = FeaturesEndpoints.Find(collectionId);
        var format = ItemsParameters.Format(request, csvAllowed: false);
        var crs = ItemsParameters.Crs(ItemsParameters.Single(request.Query, "crs"), "crs");
        // A historic version has its own URL: the version in force at an instant (datetime=), or by its number (version=).
        var (instant, period) = ItemsParameters.Datetime(ItemsParameters.Single(request.Query, "datetime"));
        if (period is not null)
        {
            throw new InvalidParameterException("datetime", "datetime-instant", "One feature is asked for at an instant (datetime=2020-05-31), not over an interval.");
        }

        long? version = null;
        if (ItemsParameters.Single(request.Query, "version") is { } versionText)
        {
            if (collection.VersionColumn is null || !long.TryParse(versionText, NumberStyles.None, CultureInfo.InvariantCulture, out var number) || number < 1)
            {
                throw new InvalidParameterException("version", "version-format", collection.VersionColumn is null
                    ? $"{collection.Id} has no versions."
                    : $"version is a whole number from 1 (the first version of a feature); got '{versionText}'.");
            }

            version = number;
        }

        var query = new FeatureQuery(collection)
        {
            FeatureId = featureId,
            FeatureVersion = version,
            AsOf = instant,
            ReturnsVersion = true,
            Limit = 1,
            OutputSrid = crs.Srid,
            Decimals = crs.Decimals,
            LatitudeFirst = crs.LatitudeFirst,
            Geometry = format == OutputFormat.Html ? GeometryEncoding.Wkt : GeometryEncoding.GeoJson,
        };

        var tag = await TagAsync(db, query, ct) ?? throw new ResourceNotFoundException("feature-unknown", $"{collection.Id} has no feature '{featureId}'.");
        http.Response.Headers.ETag = tag;
        if (request.Headers.IfNoneMatch.Any(v => v == tag || v == "*"))
        {
            http.Response.StatusCode = StatusCodes.Status304NotModified;
            return;
        }

        var selected = FeatureSql.SelectedProperties(query);
        await using var select = FeatureSql.Select(db, query);
        await using var row = await select.ExecuteReaderAsync(ct);
        if (!await row.ReadAsync(ct))
        {
            throw new ResourceNotFoundException("feature-unknown", $"{collection.Id} has no feature '{featureId}'.");
        }

        http.Response.Headers["Content-Crs"] = $"<{crs.Uri}>";
        var latest = $"{FeaturesEndpoints.BaseUrl(request)}/ogc/collections/{collection.Id}/items/{Uri.EscapeDataString(featureId)}";
        // A version asked for by datetime or number is addressed by its number; the plain URL is the current version.
        var versioned = collection.VersionColumn is not null && (instant is not null || version is not null);
        var self = versioned ? $"{latest}?version={row.GetInt64(row.FieldCount - 1).ToString(CultureInfo.InvariantCulture)}" : latest;
        var withFormat = (string f) => self + (versioned ? "&f=" : "?f=") + f;
        if (format == OutputFormat.Html)
        {
            http.Response.ContentType = HtmlPage.ContentType;
            var html = new StringBuilder(HtmlPage.Start($"{collection.Title}: {row.GetString(0)}"));
            html.Append(CultureInfo.InvariantCulture, $"<p><a href=\"{HtmlPage.Encode(withFormat("json"))}\">GeoJSON</a> · <a href=\"/ogc/collections/{collection.Id}/items?f=html\">All {HtmlPage.Encode(collection.Title)}</a></p>");
            html.Append("<table><caption>Properties</caption><tbody>");
            for (var i = 0; i < selected.Count; i++)
            {
                html.Append(CultureInfo.InvariantCulture, $"<tr><th scope=\"row\">{HtmlPage.Encode(selected[i].Title)}</th><td>{HtmlPage.Encode(Text(row.GetValue(i + 1)))}</td></tr>");
            }

            var wkt = row.GetString(selected.Count + 1);
            html.Append(CultureInfo.InvariantCulture, $"<tr><th scope=\"row\">Geometry ({HtmlPage.Encode(crs.Uri.ToString())})</th><td>{HtmlPage.Encode(wkt.Length > 2000 ? wkt[..2000] + "…" : wkt)}</td></tr>");
            html.Append("</tbody></table>").Append(HtmlPage.End);
            await http.Response.WriteAsync(html.ToString(), ct);
            return;
        }

        http.Response.ContentType = FeaturesEndpoints.GeoJson;
        await using var json = new Utf8JsonWriter(http.Response.BodyWriter);
        WriteFeature(json, collection, new FeatureJson(selected), row, links: writer =>
        {
            Link(writer, "self", self, FeaturesEndpoints.GeoJson);
            Link(writer, "alternate", withFormat("html"), "text/html");
            if (versioned)
            {
                Link(writer, "latest-version", latest, FeaturesEndpoints.GeoJson);
            }

            Link(writer, "collection", $"{FeaturesEndpoints.BaseUrl(request)}/ogc/collections/{collection.Id}", FeaturesEndpoints.Json);
        });
        await json.FlushAsync(ct);
    }

    /// <summary>The strong ETag of one stored row: a hash of the whole row as PostgreSQL prints it.</summary>
    public static async Task<string?> TagAsync(NpgsqlDataSource db, FeatureQuery query, CancellationToken ct)
    {
        await using var command = db.CreateCommand();
        command.CommandText = $"SELECT md5(t::text) FROM {query.Collection.Table} t WHERE {FeatureSql.Where(command, query)} LIMIT 1";
        return await command.ExecuteScalarAsync(ct) is string hash ? $"\"{hash}\"" : null;
    }

    /// <summary>numberMatched when cheap (<see cref="FeatureSql.CountIfCheapAsync"/>), otherwise none.</summary>
    private static async Task<long?> MatchedAsync(NpgsqlDataSource db, FeatureQuery query, CancellationToken ct)
    {
        await using var count = FeatureSql.Count(db, query);
        return await FeatureSql.CountIfCheapAsync(count, ct);
    }

    private sealed record Page(int Limit, long Offset, long? Matched)
    {
        /// <summary>Whether next links page by keyset (the id order); with sortby they page by offset.</summary>
        public bool Keyset { get; init; } = true;

        /// <summary>The key of the last feature written, from which the next page's cursor is made.</summary>
        public (string Id, long? Version) Last { get; set; }

        public void Remember(FeatureCollectionDefinition collection, NpgsqlDataReader row) =>
            Last = (row.GetString(0), collection.VersionColumn is null ? null : row.GetInt64(row.FieldCount - 1));
    }

    private static async Task WriteGeoJsonAsync(HttpContext http, FeatureCollectionDefinition collection, IReadOnlyList<FeatureProperty> selected,
        NpgsqlDataReader rows, Page page, Func<CancellationToken, Task<long?>> countMatched, CancellationToken ct)
    {
        http.Response.ContentType = FeaturesEndpoints.GeoJson;
        await using var json = new Utf8JsonWriter(http.Response.BodyWriter);
        json.WriteStartObject();
        json.WriteString("type", "FeatureCollection");
        json.WriteString("timeStamp", DateTimeOffset.UtcNow.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture));
        json.WriteStartArray("features");
        var written = 0;
        var more = false;
        var feature = new FeatureJson(selected);
        while (await rows.ReadAsync(ct))
        {
            if (written == page.Limit)
            {
                more = true;
                break;
            }

            WriteFeature(json, collection, feature, rows, links: null);
            page.Remember(collection, rows);
            written++;
            if (json.BytesPending > 32 * 1024)
            {
                await json.FlushAsync(ct);
            }
        }

        json.WriteEndArray();
        // A page that holds the last feature tells the total for free; otherwise ask PostgreSQL, if it is cheap.
        var matched = !more && (written > 0 || page.Offset == 0) ? page.Offset + written : await countMatched(ct);
        if (matched is { } total)
        {
            json.WriteNumber("numberMatched", total);
        }

        json.WriteNumber("numberReturned", written);
        json.WriteStartArray("links");
        var request = http.Request;
        Link(json, "self", FeaturesEndpoints.SelfUrl(request), FeaturesEndpoints.GeoJson);
        Link(json, "alternate", FeaturesEndpoints.WithQuery(request, new Dictionary<string, string?> { ["f"] = "html" }), "text/html");
        Link(json, "alternate", FeaturesEndpoints.WithQuery(request, new Dictionary<string, string?> { ["f"] = "csv" }), "text/csv");
        Link(json, "alternate", FeaturesEndpoints.WithQuery(request, new Dictionary<string, string?> { ["f"] = "fgb" }), FlatGeobufWriter.MediaType);
        foreach (var (rel, href) in PageLinks(request, page, more))
        {
            Link(json, rel, href, FeaturesEndpoints.GeoJson);
        }

        Link(json, "collection", $"{FeaturesEndpoints.BaseUrl(request)}/ogc/collections/{collection.Id}", FeaturesEndpoints.Json);
        json.WriteEndArray();
        json.WriteEndObject();
        await json.FlushAsync(ct);
    }

    private static async Task WriteHtmlAsync(HttpContext http, FeatureCollectionDefinition collection, IReadOnlyList<FeatureProperty> selected,
        NpgsqlDataReader rows, Page page, CancellationToken ct)
    {
        http.Response.ContentType = HtmlPage.ContentType;
        var request = http.Request;
        var html = new StringBuilder(HtmlPage.Start(collection.Title));
        html.Append("<p>").Append(HtmlPage.Encode(collection.Description)).Append("</p>");
        html.Append(CultureInfo.InvariantCulture, $"<p><a href=\"{HtmlPage.Encode(FeaturesEndpoints.WithQuery(request, new Dictionary<string, string?> { ["f"] = "json" }))}\">GeoJSON</a> · ");
        html.Append(CultureInfo.InvariantCulture, $"<a href=\"{HtmlPage.Encode(FeaturesEndpoints.WithQuery(request, new Dictionary<string, string?> { ["f"] = "csv" }))}\">CSV</a> · ");
        html.Append(CultureInfo.InvariantCulture, $"<a href=\"{HtmlPage.Encode(FeaturesEndpoints.WithQuery(request, new Dictionary<string, string?> { ["f"] = "fgb" }))}\">FlatGeobuf</a></p>");
        html.Append("<table><caption>").Append(HtmlPage.Encode(collection.Title))
            .Append(CultureInfo.InvariantCulture, $", from number {page.Offset + 1}")
            .Append(page.Matched is { } m ? string.Create(CultureInfo.InvariantCulture, $" of {m}") : string.Empty)
            .Append("</caption><thead><tr><th scope=\"col\">id</th>");
        foreach (var property in selected)
        {
            html.Append("<th scope=\"col\">").Append(HtmlPage.Encode(property.Name)).Append("</th>");
        }

        html.Append("</tr></thead><tbody>");
        var written = 0;
        var more = false;
        while (await rows.ReadAsync(ct))
        {
            if (written == page.Limit)
            {
                more = true;
                break;
            }

            var id = rows.GetString(0);
            html.Append(CultureInfo.InvariantCulture, $"<tr><th scope=\"row\"><a href=\"/ogc/collections/{collection.Id}/items/{HtmlPage.Encode(Uri.EscapeDataString(id))}?f=html\">{HtmlPage.Encode(id)}</a></th>");
            for (var i = 0; i < selected.Count; i++)
            {
                html.Append("<td>").Append(HtmlPage.Encode(Text(rows.GetValue(i + 1)))).Append("</td>");
            }

            html.Append("</tr>");
            page.Remember(collection, rows);
            written++;
            if (html.Length > 32 * 1024)
            {
                await http.Response.WriteAsync(html.ToString(), ct);
                html.Clear();
            }
        }

        html.Append("</tbody></table><nav aria-label=\"Pages\"><p>");
        foreach (var (rel, href) in PageLinks(request, page, more))
        {
            html.Append(CultureInfo.InvariantCulture, $"<a rel=\"{rel}\" href=\"{HtmlPage.Encode(href)}\">{(rel == "next" ? "Next page" : "Previous page")}</a> ");
        }

        html.Append("</p></nav>").Append(HtmlPage.End);
        await http.Response.WriteAsync(html.ToString(), ct);
    }

    private static async Task WriteFlatGeobufAsync(HttpContext http, FeatureCollectionDefinition collection, IReadOnlyList<FeatureProperty> selected,
        int srid, NpgsqlDataReader rows, Page page, CancellationToken ct)
    {
        http.Response.ContentType = FlatGeobufWriter.MediaType;
        http.Response.Headers.ContentDisposition = $"attachment; filename=\"{collection.Id}.fgb\"";
        var writer = FlatGeobufWriter.For(collection, selected);
        var body = http.Response.BodyWriter;
        await body.WriteAsync(writer.Start(collection.Id, collection.Title, srid), ct);
        var reader = new NetTopologySuite.IO.WKBReader();
        var values = new object?[selected.Count + 1];
        var geometryOrdinal = selected.Count + 1;
        var written = 0;
        var pending = 0;
        while (written < page.Limit && await rows.ReadAsync(ct))
        {
            values[0] = collection.IdIsNumeric ? long.Parse(rows.GetString(0), CultureInfo.InvariantCulture) : rows.GetString(0);
            for (var i = 0; i < selected.Count; i++)
            {
                values[i + 1] = rows.GetValue(i + 1);
            }

            var geometry = rows.IsDBNull(geometryOrdinal) ? null : reader.Read(rows.GetFieldValue<byte[]>(geometryOrdinal));
            var feature = writer.Feature(geometry, values);
            feature.CopyTo(body.GetSpan(feature.Length));
            body.Advance(feature.Length);
            written++;
            pending += feature.Length;
            if (pending > 32 * 1024)
            {
                await body.FlushAsync(ct);
                pending = 0;
            }
        }

        await body.FlushAsync(ct);
    }

    private static async Task WriteCsvAsync(HttpContext http, FeatureCollectionDefinition collection, IReadOnlyList<FeatureProperty> selected,
        NpgsqlDataReader rows, Page page, CancellationToken ct)
    {
        http.Response.ContentType = "text/csv; charset=utf-8";
        http.Response.Headers.ContentDisposition = $"inline; filename=\"{collection.Id}.csv\"";
        var csv = new StringBuilder("id");
        foreach (var property in selected)
        {
            csv.Append(',').Append(property.Name);
        }

        csv.Append(",wkt\r\n");
        var written = 0;
        while (written < page.Limit && await rows.ReadAsync(ct))
        {
            csv.Append(Csv(rows.GetString(0)));
            for (var i = 0; i <= selected.Count; i++)
            {
                csv.Append(',').Append(Csv(Text(rows.GetValue(i + 1))));
            }

            csv.Append("\r\n");
            written++;
            if (csv.Length > 32 * 1024)
            {
                await http.Response.WriteAsync(csv.ToString(), ct);
                csv.Clear();
            }
        }

        await http.Response.WriteAsync(csv.ToString(), ct);
    }

    private static IEnumerable<(string Rel, string Href)> PageLinks(HttpRequest request, Page page, bool more)
    {
        var limit = page.Limit.ToString(CultureInfo.InvariantCulture);
        if (more && !page.Keyset)
        {
            yield return ("next", FeaturesEndpoints.WithQuery(request, new Dictionary<string, string?>
            {
                ["offset"] = (page.Offset + page.Limit).ToString(CultureInfo.InvariantCulture),
                ["limit"] = limit,
            }));
        }
        else if (more)
        {
            // Keyset: the next page seeks past the last feature of this one, however deep it is.
            var next = new FeatureCursor(page.Offset + page.Limit, page.Last.Id, page.Last.Version);
            yield return ("next", FeaturesEndpoints.WithQuery(request, new Dictionary<string, string?>
            {
                ["offset"] = null,
                ["cursor"] = ItemsParameters.CursorText(next),
                ["limit"] = limit,
            }));
        }

        if (page.Offset > 0)
        {
            yield return ("prev", FeaturesEndpoints.WithQuery(request, new Dictionary<string, string?>
            {
                ["cursor"] = null,
                ["offset"] = Math.Max(0, page.Offset - page.Limit).ToString(CultureInfo.InvariantCulture),
                ["limit"] = limit,
            }));
        }
    }

    private static void WriteFeature(Utf8JsonWriter json, FeatureCollectionDefinition collection, FeatureJson feature,
        NpgsqlDataReader row, Action<Utf8JsonWriter>? links)
    {
        feature.Clear().Raw("{\"type\":\"Feature\",\"id\":"u8);
        // A numeric id comes as the digits of a bigint's text, which JSON takes as they are.
        _ = collection.IdIsNumeric ? feature.RawColumn(row, 0) : feature.StringColumn(row, 0);
        feature.Raw(",\"geometry\":"u8).RawColumn(row, feature.PropertyCount + 1).Raw(",\"properties\":"u8).Properties(row);
        if (links is null)
        {
            json.WriteRawValue(feature.Raw("}"u8).Written, skipInputValidation: true);
            return;
        }

        var tail = new ArrayBufferWriter<byte>();
        using (var writer = new Utf8JsonWriter(tail))
        {
            writer.WriteStartArray();
            links(writer);
            writer.WriteEndArray();
        }

        json.WriteRawValue(feature.Raw(",\"links\":"u8).Raw(tail.WrittenSpan).Raw("}"u8).Written, skipInputValidation: true);
    }

    private static string Text(object value) => value switch
    {
        DBNull => string.Empty,
        DateTime t => DateTime.SpecifyKind(t, DateTimeKind.Utc).ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture),
        double d => Math.Round(d, 3).ToString(CultureInfo.InvariantCulture),
        _ => Convert.ToString(value, CultureInfo.InvariantCulture) ?? string.Empty,
    };

    // Quotes every field that needs it and defuses leading formula characters for spreadsheet users.
    private static string Csv(string value)
    {
        if (value.Length > 0 && value[0] is '=' or '+' or '@' && !char.IsAsciiDigit(value.Length > 1 ? value[1] : 'x'))
        {
            value = "'" + value;
        }

        return value.IndexOfAny([',', '"', '\r', '\n']) >= 0 ? "\"" + value.Replace("\"", "\"\"", StringComparison.Ordinal) + "\"" : value;
    }

    private static void Link(Utf8JsonWriter json, string rel, string href, string type)
    {
        json.WriteStartObject();
        json.WriteString("rel", rel);
        json.WriteString("type", type);
        json.WriteString("href", href);
        json.WriteEndObject();
    }
}
