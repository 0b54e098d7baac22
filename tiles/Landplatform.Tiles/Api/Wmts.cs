using System.Globalization;
using System.Text;
using System.Xml;
using Landplatform.Cadastre.Contracts;
using Landplatform.Tiles.Raster;
using Landplatform.Tiles.Vector;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;

namespace Landplatform.Tiles.Api;

/// <summary>
/// OGC WMTS 1.0.0: GetCapabilities and GetTile as KVP on <c>/wmts</c> and as REST
/// (<c>/wmts/1.0.0/{layer}/{style}/WebMercatorQuad/{TileMatrix}/{TileRow}/{TileCol}.png</c>), PNG tiles from
/// the WMS renderer through the shared cache. Errors are OWS ExceptionReports with the parameter as locator.
/// </summary>
public static class Wmts
{
    private const string Ows = "http://www.opengis.net/ows/1.1";
    private const string WmtsNs = "http://www.opengis.net/wmts/1.0";
    private const string XLink = "http://www.w3.org/1999/xlink";
    private static readonly (string, string, string) KvpNames = ("TILEMATRIX", "TILECOL", "TILEROW");
    private static readonly (string, string, string) RestNames = ("TileMatrix", "TileCol", "TileRow");

    public static RouteGroupBuilder MapWmts(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/wmts").WithTags("WMTS").AllowAnonymous();
        group.MapGet("/", KvpAsync).WithName("Wmts")
            .WithSummary("WMTS 1.0.0 KVP: SERVICE=WMTS&REQUEST=GetCapabilities or GetTile (LAYER, STYLE, FORMAT=image/png, TILEMATRIXSET=WebMercatorQuad, TILEMATRIX, TILEROW, TILECOL, TIME).");
        group.MapGet("/1.0.0/WMTSCapabilities.xml", CapabilitiesAsync).WithName("WmtsRestCapabilities")
            .WithSummary("WMTS 1.0.0 capabilities (RESTful).");
        group.MapGet("/1.0.0/{layer}/{style}/{tileMatrixSet}/{tileMatrix}/{tileRow}/{tileCol}.png", RestTileAsync).WithName("WmtsRestTile")
            .WithSummary("A WMTS tile (RESTful), 256 px PNG.");
        return group;
    }

    private static async Task KvpAsync(HttpContext http, RasterTiles tiles, CancellationToken ct)
    {
        var query = http.Request.Query.ToDictionary(p => p.Key.ToUpperInvariant(), p => p.Value.ToString());
        try
        {
            if (!query.TryGetValue("SERVICE", out var service) || !service.Equals("WMTS", StringComparison.OrdinalIgnoreCase))
            {
                throw new InvalidParameterException("SERVICE", "MissingParameterValue", "SERVICE=WMTS is required.");
            }

            var request = query.GetValueOrDefault("REQUEST") ?? string.Empty;
            if (request.Equals("GetCapabilities", StringComparison.OrdinalIgnoreCase))
            {
                await CapabilitiesAsync(http, tiles, http.RequestServices.GetRequiredService<LayerBounds>(), ct);
                return;
            }

            if (!request.Equals("GetTile", StringComparison.OrdinalIgnoreCase))
            {
                throw new InvalidParameterException("REQUEST", "OperationNotSupported", "REQUEST is GetCapabilities or GetTile.");
            }

            if (query.GetValueOrDefault("VERSION") is { Length: > 0 } version && version != "1.0.0")
            {
                throw new InvalidParameterException("VERSION", "InvalidParameterValue", "VERSION is 1.0.0.");
            }

            var layer = Required(query, "LAYER");
            if (!tiles.Renderer.Styles.ContainsKey(layer))
            {
                throw new InvalidParameterException("LAYER", "InvalidParameterValue", $"Unknown LAYER '{layer}'.");
            }

            var format = Required(query, "FORMAT");
            if (format != RasterTiles.MediaType)
            {
                throw new InvalidParameterException("FORMAT", "InvalidParameterValue", "FORMAT is image/png.");
            }

            if (Required(query, "TILEMATRIXSET") != WebMercatorQuad.Id)
            {
                throw new InvalidParameterException("TILEMATRIXSET", "InvalidParameterValue", $"TILEMATRIXSET is {WebMercatorQuad.Id}.");
            }

            var tile = TileAddress.Parse(Required(query, "TILEMATRIX"), Required(query, "TILECOL"), Required(query, "TILEROW"), KvpNames);
            var asOf = TileRequest.AsOf(http.Request, http.Request.Query.Keys.FirstOrDefault(k => k.Equals("TIME", StringComparison.OrdinalIgnoreCase)) ?? "TIME");
            var content = await tiles.GetAsync(layer, query.GetValueOrDefault("STYLE") ?? string.Empty, "STYLE", tile, asOf, ct);
            await TileRequest.WriteAsync(http, content, RasterTiles.MediaType, ct);
        }
        catch (RequestRejectedException e)
        {
            await ExceptionReportAsync(http, e, ct);
        }
    }

    private static async Task RestTileAsync(string layer, string style, string tileMatrixSet, string tileMatrix, string tileRow, string tileCol, HttpContext http, RasterTiles tiles, CancellationToken ct)
    {
        try
        {
            if (!tiles.Renderer.Styles.ContainsKey(layer))
            {
                throw new ResourceNotFoundException("InvalidParameterValue", $"Unknown layer '{layer}'.");
            }

            if (tileMatrixSet != WebMercatorQuad.Id)
            {
                throw new ResourceNotFoundException("InvalidParameterValue", $"Unknown tile matrix set '{tileMatrixSet}'.");
            }

            var tile = TileAddress.Parse(tileMatrix, tileCol, tileRow, RestNames);
            var content = await tiles.GetAsync(layer, style, "style", tile, TileRequest.AsOf(http.Request, "TIME"), ct);
            await TileRequest.WriteAsync(http, content, RasterTiles.MediaType, ct);
        }
        catch (RequestRejectedException e)
        {
            await ExceptionReportAsync(http, e, ct);
        }
    }

    private static string Required(Dictionary<string, string> query, string name) =>
        query.TryGetValue(name, out var value) && value.Length > 0
            ? value
            : throw new InvalidParameterException(name, "MissingParameterValue", $"{name} is required.");

    private static async Task CapabilitiesAsync(HttpContext http, RasterTiles tiles, LayerBounds bounds, CancellationToken ct)
    {
        var root = TileEndpoints.BaseUrl(http.Request) + "/wmts";
        var island = await bounds.ForAsync(TileLayers.Get("parcels"), ct) ?? [-180, -85, 180, 85];
        var text = new StringBuilder();
        using (var xml = XmlWriter.Create(text, new XmlWriterSettings { Indent = true, OmitXmlDeclaration = false, Async = false }))
        {
            xml.WriteStartElement("Capabilities", WmtsNs);
            xml.WriteAttributeString("xmlns", "ows", null, Ows);
            xml.WriteAttributeString("xmlns", "xlink", null, XLink);
            xml.WriteAttributeString("version", "1.0.0");
            xml.WriteStartElement("ows", "ServiceIdentification", Ows);
            xml.WriteElementString("ows", "Title", Ows, "Landplatform WMTS");
            xml.WriteElementString("ows", "Abstract", Ows, "Raster tiles of the parcel fabric and the layers around it, drawn by the WMS renderer and never stale.");
            xml.WriteElementString("ows", "ServiceType", Ows, "OGC WMTS");
            xml.WriteElementString("ows", "ServiceTypeVersion", Ows, "1.0.0");
            xml.WriteEndElement();
            xml.WriteStartElement("ows", "OperationsMetadata", Ows);
            foreach (var operation in new[] { "GetCapabilities", "GetTile" })
            {
                xml.WriteStartElement("ows", "Operation", Ows);
                xml.WriteAttributeString("name", operation);
                xml.WriteStartElement("ows", "DCP", Ows);
                xml.WriteStartElement("ows", "HTTP", Ows);
                xml.WriteStartElement("ows", "Get", Ows);
                xml.WriteAttributeString("xlink", "href", XLink, root + "?");
                xml.WriteStartElement("ows", "Constraint", Ows);
                xml.WriteAttributeString("name", "GetEncoding");
                xml.WriteStartElement("ows", "AllowedValues", Ows);
                xml.WriteElementString("ows", "Value", Ows, "KVP");
                xml.WriteEndElement();
                xml.WriteEndElement();
                xml.WriteEndElement();
                xml.WriteEndElement();
                xml.WriteEndElement();
                xml.WriteEndElement();
            }

            xml.WriteEndElement();
            xml.WriteStartElement("Contents", WmtsNs);
            foreach (var (layer, styles) in tiles.Renderer.Styles)
            {
                var definition = TileLayers.Find(layer);
                xml.WriteStartElement("Layer", WmtsNs);
                xml.WriteElementString("ows", "Title", Ows, definition?.Title ?? layer);
                xml.WriteStartElement("ows", "WGS84BoundingBox", Ows);
                var box = definition is null ? island : await bounds.ForAsync(definition, ct) ?? island;
                xml.WriteElementString("ows", "LowerCorner", Ows, string.Create(CultureInfo.InvariantCulture, $"{box[0]} {box[1]}"));
                xml.WriteElementString("ows", "UpperCorner", Ows, string.Create(CultureInfo.InvariantCulture, $"{box[2]} {box[3]}"));
                xml.WriteEndElement();
                xml.WriteElementString("ows", "Identifier", Ows, layer);
                for (var i = 0; i < styles.Count; i++)
                {
                    xml.WriteStartElement("Style", WmtsNs);
                    if (i == 0)
                    {
                        xml.WriteAttributeString("isDefault", "true");
                    }

                    xml.WriteElementString("ows", "Identifier", Ows, styles[i]);
                    xml.WriteEndElement();
                }

                xml.WriteElementString("Format", WmtsNs, RasterTiles.MediaType);
                if (definition is { IsTemporal: true })
                {
                    xml.WriteStartElement("Dimension", WmtsNs);
                    xml.WriteElementString("ows", "Identifier", Ows, "TIME");
                    xml.WriteElementString("Default", WmtsNs, "current");
                    xml.WriteElementString("Value", WmtsNs, "current");
                    xml.WriteEndElement();
                }

                xml.WriteStartElement("TileMatrixSetLink", WmtsNs);
                xml.WriteElementString("TileMatrixSet", WmtsNs, WebMercatorQuad.Id);
                xml.WriteEndElement();
                xml.WriteStartElement("ResourceURL", WmtsNs);
                xml.WriteAttributeString("format", RasterTiles.MediaType);
                xml.WriteAttributeString("resourceType", "tile");
                xml.WriteAttributeString("template", $"{root}/1.0.0/{layer}/{{Style}}/{{TileMatrixSet}}/{{TileMatrix}}/{{TileRow}}/{{TileCol}}.png");
                xml.WriteEndElement();
                xml.WriteEndElement();
            }

            xml.WriteStartElement("TileMatrixSet", WmtsNs);
            xml.WriteElementString("ows", "Identifier", Ows, WebMercatorQuad.Id);
            xml.WriteElementString("ows", "SupportedCRS", Ows, "urn:ogc:def:crs:EPSG::3857");
            xml.WriteElementString("WellKnownScaleSet", WmtsNs, "urn:ogc:def:wkss:OGC:1.0:GoogleMapsCompatible");
            for (var z = 0; z <= TileLayers.MaxZoom; z++)
            {
                xml.WriteStartElement("TileMatrix", WmtsNs);
                xml.WriteElementString("ows", "Identifier", Ows, z.ToString(CultureInfo.InvariantCulture));
                xml.WriteElementString("ScaleDenominator", WmtsNs, WebMercatorQuad.ScaleDenominator(z).ToString("R", CultureInfo.InvariantCulture));
                xml.WriteElementString("TopLeftCorner", WmtsNs, string.Create(CultureInfo.InvariantCulture, $"{-TileAddress.HalfWorld:R} {TileAddress.HalfWorld:R}"));
                xml.WriteElementString("TileWidth", WmtsNs, "256");
                xml.WriteElementString("TileHeight", WmtsNs, "256");
                xml.WriteElementString("MatrixWidth", WmtsNs, (1L << z).ToString(CultureInfo.InvariantCulture));
                xml.WriteElementString("MatrixHeight", WmtsNs, (1L << z).ToString(CultureInfo.InvariantCulture));
                xml.WriteEndElement();
            }

            xml.WriteEndElement();
            xml.WriteEndElement();
            xml.WriteStartElement("ServiceMetadataURL", WmtsNs);
            xml.WriteAttributeString("xlink", "href", XLink, root + "/1.0.0/WMTSCapabilities.xml");
            xml.WriteEndElement();
            xml.WriteEndElement();
        }

        http.Response.ContentType = "application/xml";
        await http.Response.WriteAsync(text.ToString().Replace("encoding=\"utf-16\"", "encoding=\"utf-8\"", StringComparison.Ordinal), ct);
    }

    private static async Task ExceptionReportAsync(HttpContext http, RequestRejectedException e, CancellationToken ct)
    {
        var (code, locator) = e switch
        {
            InvalidParameterException p => (p.Rule is "MissingParameterValue" or "OperationNotSupported" or "InvalidParameterValue" ? p.Rule
                : p.Parameter.StartsWith("TILE", StringComparison.OrdinalIgnoreCase) && p.Rule == "tile-range" ? "TileOutOfRange" : "InvalidParameterValue", p.Parameter),
            _ => ("InvalidParameterValue", string.Empty),
        };
        http.Response.StatusCode = e is ResourceNotFoundException ? StatusCodes.Status404NotFound : StatusCodes.Status400BadRequest;
        http.Response.ContentType = "application/xml";
        var text = new StringBuilder();
        using (var xml = XmlWriter.Create(text, new XmlWriterSettings { Indent = true }))
        {
            xml.WriteStartElement("ows", "ExceptionReport", Ows);
            xml.WriteAttributeString("version", "2.0.0");
            xml.WriteStartElement("ows", "Exception", Ows);
            xml.WriteAttributeString("exceptionCode", code);
            if (locator.Length > 0)
            {
                xml.WriteAttributeString("locator", locator);
            }

            xml.WriteElementString("ows", "ExceptionText", Ows, XmlReportText.Safe(e.Message));
            xml.WriteEndElement();
            xml.WriteEndElement();
        }

        await http.Response.WriteAsync(text.ToString().Replace("encoding=\"utf-16\"", "encoding=\"utf-8\"", StringComparison.Ordinal), ct);
    }
}
