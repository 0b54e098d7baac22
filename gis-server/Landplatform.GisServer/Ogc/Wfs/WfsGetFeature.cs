using System.Data;
using System.Globalization;
using System.Text.Json;
using System.Text;
using System.Xml;
using Landplatform.Cadastre.Api;
using Landplatform.Cadastre.Contracts;
using Npgsql;

namespace Landplatform.GisServer.Ogc.Wfs;

/// <summary>A GetFeature request as understood: the shared feature query plus what only WFS needs.</summary>
public sealed record WfsFeatureRequest(
    FeatureQuery Query,
    CoordinateReferenceSystem Crs,
    WfsOutputFormat Format,
    bool HitsOnly,
    bool SingleFeature);

/// <summary>
/// GetFeature (ad hoc query or the GetFeatureById stored query): one feature type per request, paged by
/// COUNT/STARTINDEX, streamed from PostGIS row by row as GML 3.2 or GeoJSON.
/// </summary>
public static class WfsGetFeature
{
    /// <summary>GetFeature, or GetPropertyValue when <paramref name="valueReference"/> names the one property to return.</summary>
    public static async Task RunAsync(HttpContext http, NpgsqlDataSource db, WfsParameters parameters, CancellationToken ct, bool propertyValue = false)
    {
        var request = Parse(parameters);
        var value = propertyValue ? ValueReference(parameters, ref request) : null;
        await using var connection = await db.OpenConnectionAsync(ct);
        // Count and page read one snapshot, so numberMatched agrees with the members.
        await using var transaction = await connection.BeginTransactionAsync(IsolationLevel.RepeatableRead, ct);
        // numberMatched: exact for hits (the count is what was asked), for a single feature, and whenever the
        // page reaches the last match; otherwise exact only when PostgreSQL plans the count as cheap, else
        // "unknown" as WFS 2.0 allows. A count capped just past the page says how many members come back.
        long? matched = 1;
        var returned = 0;
        if (request.SingleFeature)
        {
            returned = (int)Math.Max(0, Math.Min(request.Query.Limit, 1 - request.Query.Offset));
        }
        else if (request.HitsOnly)
        {
            await using var count = OnConnection(FeatureSql.Count(db, request.Query), connection, transaction);
            matched = (long)(await count.ExecuteScalarAsync(ct))!;
        }
        else
        {
            var cap = request.Query.Offset + request.Query.Limit + 1;
            await using var capped = OnConnection(FeatureSql.CountUpTo(db, request.Query, cap), connection, transaction);
            var seen = (long)(await capped.ExecuteScalarAsync(ct))!;
            returned = (int)Math.Max(0, Math.Min(request.Query.Limit, seen - request.Query.Offset));
            if (seen < cap)
            {
                matched = seen;
            }
            else
            {
                await using var count = OnConnection(FeatureSql.Count(db, request.Query), connection, transaction);
                matched = await FeatureSql.CountIfCheapAsync(count, ct);
            }
        }

        if (request.HitsOnly && value is null)
        {
            await WriteHitsAsync(http, request, matched!.Value, ct);
            return;
        }

        await using var select = OnConnection(FeatureSql.Select(db, request.Query), connection, transaction);
        await using var rows = await select.ExecuteReaderAsync(ct);
        if (request.SingleFeature)
        {
            if (!await rows.ReadAsync(ct))
            {
                throw new WfsException(OwsExceptionCode.NotFound, "ID",
                    $"{WfsNames.TypeName(request.Query.Collection)} has no feature '{WfsNames.ResourceId(request.Query.Collection, request.Query.FeatureId!)}'.");
            }
        }

        var more = !request.SingleFeature && !request.HitsOnly && request.Query.Offset + returned < (matched ?? long.MaxValue);
        var links = Links(http, parameters, request.Query, more);
        if (value is not null)
        {
            await WriteValuesAsync(http, request, value, rows, matched, returned, links, ct);
        }
        else if (request.Format == WfsOutputFormat.GeoJson)
        {
            await WfsGeoJson.WriteAsync(http, request, rows, matched, returned, links, ct);
        }
        else
        {
            await WriteGmlAsync(http, request, rows, matched, returned, links, ct);
        }
    }

    public static WfsFeatureRequest Parse(WfsParameters parameters)
    {
        var crs = parameters.Get("SRSNAME") is { } srsName ? OutputCrs(srsName, parameters.Locator("SRSNAME")) : WfsCapabilities.Systems[0];
        var format = WfsOutputFormats.Parse(parameters.Get("OUTPUTFORMAT"), parameters.Locator("OUTPUTFORMAT"));
        var hits = parameters.Get("RESULTTYPE") switch
        {
            null => false,
            var r when r.Equals("results", StringComparison.OrdinalIgnoreCase) => false,
            var r when r.Equals("hits", StringComparison.OrdinalIgnoreCase) => true,
            var r => throw new WfsException(OwsExceptionCode.InvalidParameterValue, parameters.Locator("RESULTTYPE"), $"RESULTTYPE is results or hits, not '{r}'."),
        };
        // resolve: the features have no references to resolve, so "none" and "local" change nothing (WFS 2.0, 7.6.4).
        if (parameters.Get("RESOLVE") is { } resolve && !(resolve.Equals("none", StringComparison.OrdinalIgnoreCase) ||
            resolve.Equals("local", StringComparison.OrdinalIgnoreCase) || resolve.Equals("all", StringComparison.OrdinalIgnoreCase)))
        {
            throw new WfsException(OwsExceptionCode.InvalidParameterValue, parameters.Locator("RESOLVE"), "RESOLVE is local, remote, all or none; this service resolves none, local or all (it has no references).");
        }

        if (parameters.Get("RESOLVE") is { } remote && remote.Equals("remote", StringComparison.OrdinalIgnoreCase))
        {
            throw new WfsException(OwsExceptionCode.InvalidParameterValue, parameters.Locator("RESOLVE"), "RESOLVE=remote is not supported: no feature refers outside this service.");
        }

        if (parameters.Get("FILTER_LANGUAGE") is { } language && language != "urn:ogc:def:query:OGC-FES:Filter")
        {
            throw new WfsException(OwsExceptionCode.InvalidParameterValue, parameters.Locator("FILTER_LANGUAGE"),
                "The only filter language is urn:ogc:def:query:OGC-FES:Filter (FES 2.0).");
        }

        var exclusive = new[] { "RESOURCEID", "BBOX", "FILTER", "STOREDQUERY_ID" }.Where(p => parameters.Get(p) is not null).ToList();
        if (exclusive.Count > 1)
        {
            throw new WfsException(OwsExceptionCode.InvalidParameterValue, parameters.Locator(exclusive[1]),
                $"{string.Join(" and ", exclusive)} cannot be combined; send one of them.");
        }

        var single = false;
        FeatureCollectionDefinition collection;
        string? featureId = null;
        FilterExpression? filter = null;
        BboxFilter? bbox = null;
        if (parameters.Get("STOREDQUERY_ID") is { } storedQuery)
        {
            if (storedQuery != WfsNames.GetFeatureById)
            {
                throw new WfsException(OwsExceptionCode.InvalidParameterValue, parameters.Locator("STOREDQUERY_ID"),
                    $"'{storedQuery}' is not a stored query of this service; the only one is {WfsNames.GetFeatureById}.");
            }

            (collection, featureId) = WfsNames.ParseResourceId(parameters.Require("ID"), parameters.Locator("ID"));
            single = true;
        }
        else if (parameters.Get("RESOURCEID") is { } resourceIds)
        {
            var ids = resourceIds.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries)
                .Select(rid => WfsNames.ParseResourceId(rid, parameters.Locator("RESOURCEID"))).ToList();
            collection = ids[0].Collection;
            if (ids.Any(i => i.Collection != collection))
            {
                throw new WfsException(OwsExceptionCode.InvalidParameterValue, parameters.Locator("RESOURCEID"),
                    "All resource ids of one request must belong to one feature type.");
            }

            if (parameters.GetAny("TYPENAMES", "TYPENAME") is var (name, value) && WfsNames.ParseTypeNames(value, parameters.Locator(name)) != collection)
            {
                throw new WfsException(OwsExceptionCode.InvalidParameterValue, parameters.Locator("RESOURCEID"),
                    $"The resource ids are not features of {value}.");
            }

            filter = new ResourceIdFilter(ids.Select(i => i.FeatureId).ToList());
        }
        else
        {
            var (name, value) = parameters.GetAny("TYPENAMES", "TYPENAME")
                ?? throw new WfsException(OwsExceptionCode.MissingParameterValue, "TYPENAMES", "GetFeature needs TYPENAMES (or RESOURCEID, or STOREDQUERY_ID).");
            collection = WfsNames.ParseTypeNames(value, parameters.Locator(name));
            if (parameters.Get("FILTER") is { } fes)
            {
                filter = FesFilterReader.Read(fes, collection, parameters.Locator("FILTER"));
            }

            if (parameters.Get("BBOX") is { } box)
            {
                bbox = ParseBbox(box, parameters.Locator("BBOX"));
            }
        }

        var (properties, geometry) = ParsePropertyNames(parameters, collection);
        var query = new FeatureQuery(collection)
        {
            Bbox = bbox,
            Filter = filter,
            FilterParameter = parameters.Locator(parameters.Get("RESOURCEID") is null ? "FILTER" : "RESOURCEID"),
            FeatureId = featureId,
            AsOf = ParseAsOf(parameters, collection),
            Properties = properties,
            Limit = single ? 1 : Count(parameters) ?? WfsCapabilities.CountDefault,
            SortBy = ParseSortBy(parameters, collection),
            Offset = single ? 0 : parameters.GetInt("STARTINDEX", 0, int.MaxValue) ?? 0,
            OutputSrid = crs.Srid,
            Decimals = crs.Decimals,
            Geometry = !geometry ? GeometryEncoding.None : format == WfsOutputFormat.GeoJson ? GeometryEncoding.GeoJson : GeometryEncoding.Gml32,
            LatitudeFirst = format == WfsOutputFormat.Gml32 && crs.LatitudeFirst,
        };
        return new WfsFeatureRequest(query, crs, format, hits, single);
    }

    /// <summary>COUNT: a positive whole number; above the service's maximum it is answered with the maximum (WFS 2.0, 7.6.3.4), not refused.</summary>
    private static int? Count(WfsParameters parameters)
    {
        if (parameters.Get("COUNT") is not { } text)
        {
            return null;
        }

        text = text.Trim();
        if (text.Length == 0 || text.Length > 40 || !text.All(char.IsAsciiDigit) || text.All(c => c == '0'))
        {
            throw new WfsException(OwsExceptionCode.InvalidParameterValue, parameters.Locator("COUNT"), $"COUNT must be a positive whole number; got '{text}'.");
        }

        return int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var count) ? Math.Min(count, WfsCapabilities.MaxCount) : WfsCapabilities.MaxCount;
    }

    /// <summary>SORTBY: <c>property [ASC|DESC]</c>, comma-separated (FES 2.0 sort order; A and D as WFS 1.1 wrote them).</summary>
    private static IReadOnlyList<SortKey>? ParseSortBy(WfsParameters parameters, FeatureCollectionDefinition collection)
    {
        if (parameters.Get("SORTBY") is not { } text)
        {
            return null;
        }

        var keys = new List<SortKey>();
        foreach (var part in text.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries))
        {
            var words = part.Split(' ', StringSplitOptions.RemoveEmptyEntries);
            var name = WfsNames.LocalName(words[0]);
            var descending = words.Length switch
            {
                1 => false,
                2 when words[1] is "ASC" or "A" or "asc" => false,
                2 when words[1] is "DESC" or "D" or "desc" => true,
                _ => throw new WfsException(OwsExceptionCode.InvalidParameterValue, parameters.Locator("SORTBY"), $"'{part}' is not 'property ASC' or 'property DESC'."),
            };
            if (collection.FindProperty(name) is null)
            {
                throw new WfsException(OwsExceptionCode.InvalidParameterValue, parameters.Locator("SORTBY"),
                    $"'{name}' is not a property of {WfsNames.TypeName(collection)}; it has {string.Join(", ", collection.Properties.Select(p => p.Name))}.");
            }

            keys.Add(new SortKey(name, descending));
        }

        return keys.Count == 0 ? null : keys;
    }

    private static CoordinateReferenceSystem OutputCrs(string srsName, string locator)
    {
        var crs = WfsNames.ParseCrs(srsName, locator);
        if (!WfsCapabilities.Systems.Contains(crs))
        {
            throw new WfsException(OwsExceptionCode.InvalidParameterValue, locator,
                $"'{srsName}' is not an output CRS of this service; use {string.Join(", ", WfsCapabilities.Systems.Select(WfsNames.Urn))}.");
        }

        return crs;
    }

    /// <summary>BBOX=a,b,c,d[,crs]: in the default CRS (EPSG:2007) unless a CRS follows; coordinates in that CRS's axis order.</summary>
    public static BboxFilter ParseBbox(string value, string locator)
    {
        var parts = value.Split(',', StringSplitOptions.TrimEntries);
        if (parts.Length is not (4 or 5))
        {
            throw new WfsException(OwsExceptionCode.InvalidParameterValue, locator,
                $"BBOX is four numbers (lower corner, upper corner) and an optional CRS URI; got {parts.Length} value(s).");
        }

        var crs = parts.Length == 5 ? WfsNames.ParseCrs(parts[4], locator) : WfsCapabilities.Systems[0];
        var numbers = new double[4];
        for (var i = 0; i < 4; i++)
        {
            if (!double.TryParse(parts[i], NumberStyles.Float, CultureInfo.InvariantCulture, out numbers[i]) || !double.IsFinite(numbers[i]))
            {
                throw new WfsException(OwsExceptionCode.InvalidParameterValue, locator, $"BBOX value {i + 1} ('{parts[i]}') is not a number.");
            }
        }

        var box = crs.LatitudeFirst
            ? new BboxFilter(numbers[1], numbers[0], numbers[3], numbers[2], crs.Srid)
            : new BboxFilter(numbers[0], numbers[1], numbers[2], numbers[3], crs.Srid);
        if (box.MinX > box.MaxX || box.MinY > box.MaxY)
        {
            throw new WfsException(OwsExceptionCode.InvalidParameterValue, locator, "BBOX lists the lower corner first (in the CRS's axis order).");
        }

        WfsNames.CheckRange(crs, box.MinX, box.MinY, locator);
        WfsNames.CheckRange(crs, box.MaxX, box.MaxY, locator);

        return box;
    }

    private static (IReadOnlyList<string>? Properties, bool Geometry) ParsePropertyNames(WfsParameters parameters, FeatureCollectionDefinition collection)
    {
        if (parameters.Get("PROPERTYNAME") is not { } value)
        {
            return (null, true);
        }

        var names = value.Trim('(', ')').Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries).Select(WfsNames.LocalName).ToList();
        foreach (var name in names)
        {
            if (name != WfsNames.GeometryProperty && collection.FindProperty(name) is null)
            {
                throw new WfsException(OwsExceptionCode.InvalidParameterValue, parameters.Locator("PROPERTYNAME"),
                    $"'{name}' is not a property of {WfsNames.TypeName(collection)}; it has {string.Join(", ", collection.Properties.Select(p => p.Name).Append(WfsNames.GeometryProperty))}.");
            }
        }

        return (names.Where(n => n != WfsNames.GeometryProperty).ToList(), names.Contains(WfsNames.GeometryProperty));
    }

    private static DateTimeOffset? ParseAsOf(WfsParameters parameters, FeatureCollectionDefinition collection)
    {
        if (parameters.Get("ASOF") is not { } asOf)
        {
            return null;
        }

        if (!collection.IsTemporal)
        {
            throw new WfsException(OwsExceptionCode.InvalidParameterValue, parameters.Locator("ASOF"),
                $"{WfsNames.TypeName(collection)} keeps no history; ASOF applies to lp:parcels only.");
        }

        try
        {
            return ParcelQueryParameters.ParseAsOf(asOf);
        }
        catch (InvalidParameterException e)
        {
            throw new WfsException(OwsExceptionCode.InvalidParameterValue, parameters.Locator("ASOF"), e.Message);
        }
    }

    // The shared SQL writer builds commands on the data source; the page and its count run in one transaction instead.
    private static NpgsqlCommand OnConnection(NpgsqlCommand built, NpgsqlConnection connection, NpgsqlTransaction transaction)
    {
        using (built)
        {
            var command = new NpgsqlCommand(built.CommandText, connection, transaction);
            foreach (NpgsqlParameter parameter in built.Parameters)
            {
                command.Parameters.Add(parameter.Clone());
            }

            return command;
        }
    }

    /// <summary>The next and previous pages, as links with the request's own parameters.</summary>
    public sealed record PageLinks(string? Next, string? Previous);

    private static PageLinks Links(HttpContext http, WfsParameters parameters, FeatureQuery query, bool more)
    {
        string Page(long start) => WfsXmlOutput.ServiceUrl(http.Request) + QueryString.Create(parameters.Without("STARTINDEX", "COUNT")
            .Append(new("STARTINDEX", start.ToString(CultureInfo.InvariantCulture)))
            .Append(new("COUNT", query.Limit.ToString(CultureInfo.InvariantCulture))));

        var next = more ? Page(query.Offset + query.Limit) : null;
        var previous = query.Offset > 0 ? Page(Math.Max(0, query.Offset - query.Limit)) : null;
        return new PageLinks(next, previous);
    }

    // GetPropertyValue: the one property a VALUEREFERENCE names (a property, the geometry, or @gml:id), as the query's only column.
    private static string ValueReference(WfsParameters parameters, ref WfsFeatureRequest request)
    {
        var locator = parameters.Locator("VALUEREFERENCE");
        var reference = parameters.Require("VALUEREFERENCE").Trim();
        if (request.Format != WfsOutputFormat.Gml32)
        {
            throw new WfsException(OwsExceptionCode.InvalidParameterValue, parameters.Locator("OUTPUTFORMAT"), "GetPropertyValue answers in XML only.");
        }

        var collection = request.Query.Collection;
        var name = reference is "@gml:id" or "@id" ? "@gml:id" : WfsNames.LocalName(reference);
        if (name != "@gml:id" && name != WfsNames.GeometryProperty && collection.FindProperty(name) is null)
        {
            throw new WfsException(OwsExceptionCode.InvalidParameterValue, locator,
                $"'{reference}' is not a property of {WfsNames.TypeName(collection)}; it has {string.Join(", ", collection.Properties.Select(p => p.Name).Append(WfsNames.GeometryProperty))} and @gml:id.");
        }

        request = request with
        {
            Query = request.Query with
            {
                Properties = name is "@gml:id" or WfsNames.GeometryProperty ? [] : [name],
                Geometry = name == WfsNames.GeometryProperty ? GeometryEncoding.Gml32 : GeometryEncoding.None,
            },
        };
        return name;
    }

    private static async Task WriteValuesAsync(HttpContext http, WfsFeatureRequest request, string value, NpgsqlDataReader rows,
        long? matched, int returned, PageLinks links, CancellationToken ct)
    {
        await using var output = new WfsXmlOutput(http, WfsXmlOutput.XmlContentType);
        var xml = output.Writer;
        xml.WriteStartElement("wfs", "ValueCollection", WfsNames.Wfs);
        xml.WriteAttributeString("xmlns", "gml", null, WfsNames.Gml);
        xml.WriteAttributeString("timeStamp", XmlConvert.ToString(DateTime.UtcNow, XmlDateTimeSerializationMode.Utc));
        xml.WriteAttributeString("numberMatched", NumberMatched(matched));
        xml.WriteAttributeString("numberReturned", returned.ToString(CultureInfo.InvariantCulture));
        if (links.Next is not null)
        {
            xml.WriteAttributeString("next", links.Next);
        }

        if (links.Previous is not null)
        {
            xml.WriteAttributeString("previous", links.Previous);
        }

        var first = request.SingleFeature;
        while (!request.HitsOnly && (first || await rows.ReadAsync(ct)))
        {
            first = false;
            xml.WriteStartElement("wfs", "member", WfsNames.Wfs);
            if (value == "@gml:id")
            {
                xml.WriteString(WfsNames.ResourceId(request.Query.Collection, rows.GetString(0)));
            }
            else if (!rows.IsDBNull(1))
            {
                if (value == WfsNames.GeometryProperty)
                {
                    xml.WriteRaw(WithGmlIds(rows.GetString(1), WfsNames.ResourceId(request.Query.Collection, rows.GetString(0)) + ".geom"));
                }
                else
                {
                    xml.WriteString(XmlValue(rows.GetValue(1)));
                }
            }

            xml.WriteEndElement();
            await output.FlushIfFullAsync(ct);
        }

        xml.WriteEndElement();
        await output.CompleteAsync(ct);
    }

    private static async Task WriteHitsAsync(HttpContext http, WfsFeatureRequest request, long matched, CancellationToken ct)
    {
        if (request.Format == WfsOutputFormat.GeoJson)
        {
            await WfsGeoJson.WriteHitsAsync(http, matched, ct);
            return;
        }

        await using var output = new WfsXmlOutput(http, WfsXmlOutput.GmlContentType);
        StartCollection(output.Writer, http, request, matched, 0, new PageLinks(null, null));
        output.Writer.WriteEndElement();
        await output.CompleteAsync(ct);
    }

    /// <summary>The numberMatched attribute: the count, or "unknown" when it was not worth counting.</summary>
    public static string NumberMatched(long? matched) => matched?.ToString(CultureInfo.InvariantCulture) ?? "unknown";

    private static void StartCollection(XmlWriter xml, HttpContext http, WfsFeatureRequest request, long? matched, int returned, PageLinks links)
    {
        xml.WriteStartElement("wfs", "FeatureCollection", WfsNames.Wfs);
        Namespaces(xml, http, request.Query.Collection);
        xml.WriteAttributeString("timeStamp", XmlConvert.ToString(DateTime.UtcNow, XmlDateTimeSerializationMode.Utc));
        xml.WriteAttributeString("numberMatched", NumberMatched(matched));
        xml.WriteAttributeString("numberReturned", returned.ToString(CultureInfo.InvariantCulture));
        if (links.Next is not null)
        {
            xml.WriteAttributeString("next", links.Next);
        }

        if (links.Previous is not null)
        {
            xml.WriteAttributeString("previous", links.Previous);
        }
    }

    private static void Namespaces(XmlWriter xml, HttpContext http, FeatureCollectionDefinition collection)
    {
        xml.WriteAttributeString("xmlns", "wfs", null, WfsNames.Wfs);
        xml.WriteAttributeString("xmlns", "gml", null, WfsNames.Gml);
        xml.WriteAttributeString("xmlns", WfsNames.PlatformPrefix, null, WfsNames.Platform);
        var describe = WfsXmlOutput.ServiceUrl(http.Request) + QueryString.Create(new KeyValuePair<string, string?>[]
        {
            new("SERVICE", "WFS"), new("VERSION", "2.0.0"), new("REQUEST", "DescribeFeatureType"), new("TYPENAMES", WfsNames.TypeName(collection)),
        });
        xml.WriteAttributeString("xsi", "schemaLocation", WfsNames.Xsi,
            $"{WfsNames.Platform} {describe} {WfsNames.Wfs} {WfsNames.WfsSchemaLocation} {WfsNames.Gml} {WfsNames.GmlSchemaLocation}");
    }

    private static async Task WriteGmlAsync(HttpContext http, WfsFeatureRequest request, NpgsqlDataReader rows, long? matched, int returned, PageLinks links, CancellationToken ct)
    {
        var collection = request.Query.Collection;
        var properties = FeatureSql.SelectedProperties(request.Query);
        await using var output = new WfsXmlOutput(http, WfsXmlOutput.GmlContentType);
        var xml = output.Writer;
        if (request.SingleFeature)
        {
            WriteFeature(xml, rows, collection, properties, request.Query.Geometry != GeometryEncoding.None, http);
            await output.CompleteAsync(ct);
            return;
        }

        StartCollection(xml, http, request, matched, returned, links);
        while (await rows.ReadAsync(ct))
        {
            xml.WriteStartElement("wfs", "member", WfsNames.Wfs);
            WriteFeature(xml, rows, collection, properties, request.Query.Geometry != GeometryEncoding.None, null);
            xml.WriteEndElement();
            await output.FlushIfFullAsync(ct);
        }

        xml.WriteEndElement();
        await output.CompleteAsync(ct);
    }

    private static void WriteFeature(XmlWriter xml, NpgsqlDataReader row, FeatureCollectionDefinition collection,
        IReadOnlyList<FeatureProperty> properties, bool geometry, HttpContext? root)
    {
        var rid = WfsNames.ResourceId(collection, row.GetString(0));
        xml.WriteStartElement(WfsNames.PlatformPrefix, collection.Id, WfsNames.Platform);
        if (root is not null)
        {
            Namespaces(xml, root, collection);
        }

        xml.WriteAttributeString("gml", "id", WfsNames.Gml, rid);
        for (var i = 0; i < properties.Count; i++)
        {
            if (row.IsDBNull(i + 1))
            {
                continue;
            }

            xml.WriteElementString(WfsNames.PlatformPrefix, properties[i].Name, WfsNames.Platform, XmlValue(row.GetValue(i + 1)));
        }

        if (geometry && !row.IsDBNull(properties.Count + 1))
        {
            xml.WriteStartElement(WfsNames.PlatformPrefix, WfsNames.GeometryProperty, WfsNames.Platform);
            xml.WriteRaw(WithGmlIds(row.GetString(properties.Count + 1), rid + ".geom"));
            xml.WriteEndElement();
        }

        xml.WriteEndElement();
    }

    public static string XmlValue(object value) => value switch
    {
        DateTime t => XmlConvert.ToString(t, XmlDateTimeSerializationMode.Utc),
        DateTimeOffset t => XmlConvert.ToString(t),
        double d => XmlConvert.ToString(d),
        IFormattable f => f.ToString(null, CultureInfo.InvariantCulture),
        _ => value.ToString() ?? "",
    };

    /// <summary>GML 3.2 requires a gml:id on every geometry; PostGIS writes none (or one id twice), so each gets its own here.</summary>
    public static string WithGmlIds(string gml, string id)
    {
        // A plain scan: this runs once per feature of every page, where a regular expression cost a third of the writing.
        var result = new StringBuilder(gml.Length + 96);
        var copied = 0;
        var n = 0;
        for (var at = gml.IndexOf("<gml:", StringComparison.Ordinal); at >= 0; at = gml.IndexOf("<gml:", at + 5, StringComparison.Ordinal))
        {
            var end = at + 5;
            while (end < gml.Length && char.IsAsciiLetter(gml[end]))
            {
                end++;
            }

            if (end < gml.Length && gml[end] is ' ' or '\t' or '\r' or '\n' or '>' or '/' && IsGeometryElement(gml.AsSpan(at + 5, end - at - 5)))
            {
                result.Append(gml, copied, end - copied).Append(" gml:id=\"").Append(id);
                if (n > 0)
                {
                    result.Append('.').Append(n - 1);
                }

                result.Append('"');
                copied = end;
                n++;
            }
        }

        return result.Append(gml, copied, gml.Length - copied).ToString();
    }

    private static bool IsGeometryElement(ReadOnlySpan<char> name) =>
        name is "Point" or "LineString" or "Curve" or "Polygon" or "Surface" or "MultiPoint" or "MultiCurve" or "MultiSurface" or "MultiGeometry";
}

/// <summary>GetFeature as GeoJSON: a FeatureCollection with numberMatched/numberReturned and paging links, longitude first.</summary>
public static class WfsGeoJson
{
    public const string ContentType = "application/json";

    public static async Task WriteHitsAsync(HttpContext http, long matched, CancellationToken ct)
    {
        http.Response.ContentType = ContentType;
        await using var json = new Utf8JsonWriter(http.Response.BodyWriter);
        json.WriteStartObject();
        json.WriteString("type", "FeatureCollection");
        json.WriteNumber("numberMatched", matched);
        json.WriteNumber("numberReturned", 0);
        json.WriteString("timeStamp", DateTime.UtcNow.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture));
        json.WriteStartArray("features");
        json.WriteEndArray();
        json.WriteEndObject();
        await json.FlushAsync(ct);
    }

    public static async Task WriteAsync(HttpContext http, WfsFeatureRequest request, NpgsqlDataReader rows, long? matched, int returned,
        WfsGetFeature.PageLinks links, CancellationToken ct)
    {
        var collection = request.Query.Collection;
        var properties = FeatureSql.SelectedProperties(request.Query);
        var geometry = request.Query.Geometry != GeometryEncoding.None;
        http.Response.ContentType = ContentType;
        await using var json = new Utf8JsonWriter(http.Response.BodyWriter);
        if (request.SingleFeature)
        {
            WriteFeature(json, rows, collection, new FeatureJson(properties), geometry);
            await json.FlushAsync(ct);
            return;
        }

        json.WriteStartObject();
        json.WriteString("type", "FeatureCollection");
        if (matched is { } total)
        {
            json.WriteNumber("numberMatched", total);
        }

        json.WriteNumber("numberReturned", returned);
        json.WriteString("timeStamp", DateTime.UtcNow.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture));
        if (request.Crs.Srid != 4326)
        {
            json.WriteStartObject("crs");
            json.WriteString("type", "name");
            json.WriteStartObject("properties");
            json.WriteString("name", WfsNames.Urn(request.Crs));
            json.WriteEndObject();
            json.WriteEndObject();
        }

        json.WriteStartArray("features");
        var feature = new FeatureJson(properties);
        while (await rows.ReadAsync(ct))
        {
            WriteFeature(json, rows, collection, feature, geometry);
            if (json.BytesPending > 32 * 1024)
            {
                await json.FlushAsync(ct);
            }
        }

        json.WriteEndArray();
        json.WriteStartArray("links");
        foreach (var (rel, href) in new[] { ("next", links.Next), ("previous", links.Previous) })
        {
            if (href is not null)
            {
                json.WriteStartObject();
                json.WriteString("rel", rel);
                json.WriteString("href", href);
                json.WriteString("type", ContentType);
                json.WriteEndObject();
            }
        }

        json.WriteEndArray();
        json.WriteEndObject();
        await json.FlushAsync(ct);
    }

    private static void WriteFeature(Utf8JsonWriter json, NpgsqlDataReader row, FeatureCollectionDefinition collection,
        FeatureJson feature, bool geometry)
    {
        feature.Clear().Raw("{\"type\":\"Feature\",\"id\":"u8).String(WfsNames.ResourceId(collection, row.GetString(0)))
            .Raw(",\"properties\":"u8).Properties(row).Raw(",\"geometry\":"u8);
        _ = geometry ? feature.RawColumn(row, feature.PropertyCount + 1) : feature.Raw("null"u8);
        json.WriteRawValue(feature.Raw("}"u8).Written, skipInputValidation: true);
    }
}
