using System.Globalization;
using System.Text;
using System.Xml;
using Npgsql;

namespace Landplatform.GisServer.Ogc.Wms;

/// <summary>The WMS 1.3.0 (or 1.1.1) capabilities document, streamed: service, operations, and one layer per published collection.</summary>
public static class WmsCapabilities
{
    private const string Wms = "http://www.opengis.net/wms";
    private const string XLink = "http://www.w3.org/1999/xlink";
    private const string Xsi = "http://www.w3.org/2001/XMLSchema-instance";

    /// <summary>The CRSs every layer is offered in, as WMS 1.3.0 names them, with their SRIDs.</summary>
    private static readonly (string Name, int Srid)[] Crss = [("EPSG:4326", 4326), ("EPSG:3857", 3857), ("EPSG:2007", 2007), ("CRS:84", 4326)];

    // The island's extent when the database holds no districts yet (an empty fabric).
    private static readonly Dictionary<int, double[]> FallbackExtent = new()
    {
        [2007] = [477_000, 1_451_000, 495_000, 1_479_000],
        [4326] = [-61.29, 13.12, -61.11, 13.39],
        [3857] = [-6_822_850, 1_473_600, -6_802_800, 1_503_950],
    };

    /// <summary>The content type of a WMS 1.1.1 capabilities document.</summary>
    public const string ContentType111 = "application/vnd.ogc.wms_xml";

    public static async Task WriteAsync(HttpContext http, NpgsqlDataSource db, bool version111, CancellationToken ct)
    {
        // 1.1.1 has no namespace, names CRSs SRS, writes every box x first and its geographic box as LatLonBoundingBox.
        var ns = version111 ? string.Empty : Wms;
        var version = version111 ? "1.1.1" : "1.3.0";
        var extent = await ExtentAsync(db, ct);
        DateTime? firstVersion;
        await using (var first = db.CreateCommand("SELECT min(valid_from) FROM cadastre.parcel_versions"))
        {
            firstVersion = await first.ExecuteScalarAsync(ct) as DateTime?;
        }

        var url = $"{http.Request.Scheme}://{http.Request.Host}{http.Request.PathBase}/wms";

        http.Response.ContentType = (version111 ? ContentType111 : WmsExceptionReport.ContentType) + "; charset=utf-8";
        await using var x = XmlWriter.Create(http.Response.Body, new XmlWriterSettings { Async = true, Encoding = new UTF8Encoding(false), Indent = true });
        await x.WriteStartDocumentAsync();
        await x.WriteStartElementAsync(null, version111 ? "WMT_MS_Capabilities" : "WMS_Capabilities", ns);
        await x.WriteAttributeStringAsync(null, "version", null, version);
        await x.WriteAttributeStringAsync("xmlns", "xlink", null, XLink);
        if (!version111)
        {
            await x.WriteAttributeStringAsync("xmlns", "xsi", null, Xsi);
            await x.WriteAttributeStringAsync("xsi", "schemaLocation", Xsi, $"{Wms} http://schemas.opengis.net/wms/1.3.0/capabilities_1_3_0.xsd");
        }

        await x.WriteStartElementAsync(null, "Service", ns);
        await Element(x, ns, "Name", version111 ? "OGC:WMS" : "WMS");
        await Element(x, ns, "Title", "Landplatform maps of Saint Vincent");
        await Element(x, ns, "Abstract", "The parcel fabric, buildings, road reserves, hazard zones, districts and blocks of the sample island, styled.");
        await x.WriteStartElementAsync(null, "KeywordList", ns);
        foreach (var keyword in (string[])["cadastre", "parcels", "land administration", "hazards", "Saint Vincent"])
        {
            await Element(x, ns, "Keyword", keyword);
        }

        await x.WriteEndElementAsync();
        await OnlineResource(x, ns, url);
        await Element(x, ns, "Fees", "none");
        await Element(x, ns, "AccessConstraints", "none");
        await Element(x, ns, "LayerLimit", WmsParameters.LayerLimit.ToString(CultureInfo.InvariantCulture));
        await Element(x, ns, "MaxWidth", WmsParameters.MaxSize.ToString(CultureInfo.InvariantCulture));
        await Element(x, ns, "MaxHeight", WmsParameters.MaxSize.ToString(CultureInfo.InvariantCulture));
        await x.WriteEndElementAsync();

        await x.WriteStartElementAsync(null, "Capability", ns);
        await x.WriteStartElementAsync(null, "Request", ns);
        await Operation(x, ns, "GetCapabilities", url, [version111 ? ContentType111 : "text/xml"]);
        await Operation(x, ns, "GetMap", url, ["image/png", "image/jpeg"]);
        await Operation(x, ns, "GetFeatureInfo", url, ["application/json", "text/html", "text/plain"]);
        await x.WriteEndElementAsync();
        await x.WriteStartElementAsync(null, "Exception", ns);
        await Element(x, ns, "Format", version111 ? "application/vnd.ogc.se_xml" : "XML");
        await x.WriteEndElementAsync();

        await x.WriteStartElementAsync(null, "Layer", ns);
        await Element(x, ns, "Title", "Landplatform");
        await Element(x, ns, "Abstract", "Every map layer of the platform; each named layer is one published feature collection.");
        var systems = version111 ? Crss.Where(c => c.Name != "CRS:84").ToArray() : Crss;
        foreach (var (name, _) in systems)
        {
            await Element(x, ns, version111 ? "SRS" : "CRS", name);
        }

        var geographic = extent[4326];
        if (version111)
        {
            await x.WriteStartElementAsync(null, "LatLonBoundingBox", ns);
            await x.WriteAttributeStringAsync(null, "minx", null, Number(geographic[0]));
            await x.WriteAttributeStringAsync(null, "miny", null, Number(geographic[1]));
            await x.WriteAttributeStringAsync(null, "maxx", null, Number(geographic[2]));
            await x.WriteAttributeStringAsync(null, "maxy", null, Number(geographic[3]));
            await x.WriteEndElementAsync();
        }
        else
        {
            await x.WriteStartElementAsync(null, "EX_GeographicBoundingBox", ns);
            await Element(x, ns, "westBoundLongitude", Number(geographic[0]));
            await Element(x, ns, "eastBoundLongitude", Number(geographic[2]));
            await Element(x, ns, "southBoundLatitude", Number(geographic[1]));
            await Element(x, ns, "northBoundLatitude", Number(geographic[3]));
            await x.WriteEndElementAsync();
        }

        foreach (var (name, srid) in systems)
        {
            var box = extent[srid];
            // WMS 1.3.0 writes EPSG:4326 boxes in its authority's axis order: latitude first; 1.1.1 writes x first.
            var latitudeFirst = name == "EPSG:4326" && !version111;
            await x.WriteStartElementAsync(null, "BoundingBox", ns);
            await x.WriteAttributeStringAsync(null, version111 ? "SRS" : "CRS", null, name);
            await x.WriteAttributeStringAsync(null, "minx", null, Number(latitudeFirst ? box[1] : box[0]));
            await x.WriteAttributeStringAsync(null, "miny", null, Number(latitudeFirst ? box[0] : box[1]));
            await x.WriteAttributeStringAsync(null, "maxx", null, Number(latitudeFirst ? box[3] : box[2]));
            await x.WriteAttributeStringAsync(null, "maxy", null, Number(latitudeFirst ? box[2] : box[3]));
            await x.WriteEndElementAsync();
        }

        foreach (var collection in FeatureCatalog.All)
        {
            var styles = MapStyles.For(collection.Id);
            if (styles.Count == 0)
            {
                continue;
            }

            await x.WriteStartElementAsync(null, "Layer", ns);
            await x.WriteAttributeStringAsync(null, "queryable", null, "1");
            await x.WriteAttributeStringAsync(null, "opaque", null, "0");
            await Element(x, ns, "Name", collection.Id);
            await Element(x, ns, "Title", collection.Title);
            await Element(x, ns, "Abstract", collection.Description);
            if (collection.IsTemporal)
            {
                var from = (firstVersion ?? new DateTime(2000, 1, 1, 0, 0, 0, DateTimeKind.Utc)).ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture);
                await x.WriteStartElementAsync(null, "Dimension", ns);
                await x.WriteAttributeStringAsync(null, "name", null, "time");
                await x.WriteAttributeStringAsync(null, "units", null, "ISO8601");
                if (version111)
                {
                    // 1.1.1 declares the dimension and gives its values in a separate Extent.
                    await x.WriteEndElementAsync();
                    await x.WriteStartElementAsync(null, "Extent", ns);
                    await x.WriteAttributeStringAsync(null, "name", null, "time");
                }

                await x.WriteAttributeStringAsync(null, "default", null, "current");
                if (!version111)
                {
                    await x.WriteAttributeStringAsync(null, "current", null, "1");
                }

                await x.WriteStringAsync($"{from}/current");
                await x.WriteEndElementAsync();
            }

            foreach (var style in styles)
            {
                var (width, height) = WmsLegend.SizeOf(style);
                await x.WriteStartElementAsync(null, "Style", ns);
                await Element(x, ns, "Name", style.Name);
                await Element(x, ns, "Title", style.Title);
                await x.WriteStartElementAsync(null, "LegendURL", ns);
                await x.WriteAttributeStringAsync(null, "width", null, width.ToString(CultureInfo.InvariantCulture));
                await x.WriteAttributeStringAsync(null, "height", null, height.ToString(CultureInfo.InvariantCulture));
                await Element(x, ns, "Format", "image/png");
                await OnlineResource(x, ns,
                    $"{url}?SERVICE=WMS&VERSION={version}&REQUEST=GetLegendGraphic&LAYER={collection.Id}&STYLE={style.Name}&FORMAT=image/png");
                await x.WriteEndElementAsync();
                await x.WriteEndElementAsync();
            }

            await x.WriteEndElementAsync();
        }

        await x.WriteEndElementAsync();
        await x.WriteEndElementAsync();
        await x.WriteEndElementAsync();
        await x.WriteEndDocumentAsync();
        await x.FlushAsync();
    }

    private static async Task<Dictionary<int, double[]>> ExtentAsync(NpgsqlDataSource db, CancellationToken ct)
    {
        await using var command = db.CreateCommand("""
            WITH island AS (SELECT ST_SetSRID(ST_Extent(boundary)::geometry, 2007) AS g FROM cadastre.districts)
            SELECT s.srid, ST_XMin(b), ST_YMin(b), ST_XMax(b), ST_YMax(b)
            FROM island, unnest(ARRAY[2007, 4326, 3857]) AS s(srid),
                 LATERAL (SELECT Box2D(ST_Transform(ST_Segmentize(island.g, 500), s.srid)) AS b) AS t
            WHERE island.g IS NOT NULL
            """);
        var extent = new Dictionary<int, double[]>(FallbackExtent);
        // Rounded outwards, so the advertised box never cuts off the edge of the island.
        await using var rows = await command.ExecuteReaderAsync(ct);
        while (await rows.ReadAsync(ct))
        {
            extent[rows.GetInt32(0)] =
            [
                Math.Floor(rows.GetDouble(1) * 1e6) / 1e6, Math.Floor(rows.GetDouble(2) * 1e6) / 1e6,
                Math.Ceiling(rows.GetDouble(3) * 1e6) / 1e6, Math.Ceiling(rows.GetDouble(4) * 1e6) / 1e6,
            ];
        }

        return extent;
    }

    private static string Number(double value) => value.ToString("0.######", CultureInfo.InvariantCulture);

    private static Task Element(XmlWriter x, string ns, string name, string value) => x.WriteElementStringAsync(null, name, ns, value);

    private static async Task OnlineResource(XmlWriter x, string ns, string href)
    {
        await x.WriteStartElementAsync(null, "OnlineResource", ns);
        await x.WriteAttributeStringAsync("xlink", "type", XLink, "simple");
        await x.WriteAttributeStringAsync("xlink", "href", XLink, href);
        await x.WriteEndElementAsync();
    }

    private static async Task Operation(XmlWriter x, string ns, string name, string url, string[] formats)
    {
        await x.WriteStartElementAsync(null, name, ns);
        foreach (var format in formats)
        {
            await Element(x, ns, "Format", format);
        }

        await x.WriteStartElementAsync(null, "DCPType", ns);
        await x.WriteStartElementAsync(null, "HTTP", ns);
        await x.WriteStartElementAsync(null, "Get", ns);
        await OnlineResource(x, ns, url + "?");
        await x.WriteEndElementAsync();
        await x.WriteEndElementAsync();
        await x.WriteEndElementAsync();
        await x.WriteEndElementAsync();
    }
}
