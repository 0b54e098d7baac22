using System.Globalization;
using System.Xml;
using Landplatform.Cadastre.Contracts;
using Npgsql;

namespace Landplatform.GisServer.Ogc.Wfs;

/// <summary>GetCapabilities: the service, its operations and constraints, the feature types from the catalog, and the filter support.</summary>
public static class WfsCapabilities
{
    public const int CountDefault = 1000;
    public const int MaxCount = 10_000;

    public static IReadOnlyList<string> Operations { get; } =
        ["GetCapabilities", "DescribeFeatureType", "GetFeature", "GetPropertyValue", "ListStoredQueries", "DescribeStoredQueries"];

    public static IReadOnlyList<string> Versions { get; } = ["2.0.0", "2.0.2"];

    /// <summary>The coordinate systems every feature type can be asked for; the first is the default.</summary>
    public static IReadOnlyList<CoordinateReferenceSystem> Systems { get; } =
        [CoordinateReferenceSystem.NationalGrid, CoordinateReferenceSystem.Wgs84, CoordinateReferenceSystem.WebMercator];

    private static readonly (string Name, bool Value)[] ServiceConstraints =
    [
        ("ImplementsBasicWFS", true),
        ("ImplementsTransactionalWFS", false),
        ("ImplementsLockingWFS", false),
        ("KVPEncoding", true),
        ("XMLEncoding", true),
        ("SOAPEncoding", false),
        ("ImplementsInheritance", false),
        ("ImplementsRemoteResolve", false),
        ("ImplementsResultPaging", true),
        ("ImplementsStandardJoins", false),
        ("ImplementsSpatialJoins", false),
        ("ImplementsTemporalJoins", false),
        ("ImplementsFeatureVersioning", false),
        ("ManageStoredQueries", false),
    ];

    private static readonly (string Name, bool Value)[] FilterConstraints =
    [
        ("ImplementsQuery", true),
        ("ImplementsAdHocQuery", true),
        ("ImplementsFunctions", false),
        ("ImplementsResourceId", true),
        ("ImplementsMinStandardFilter", true),
        ("ImplementsStandardFilter", true),
        ("ImplementsMinSpatialFilter", true),
        ("ImplementsSpatialFilter", true),
        ("ImplementsMinTemporalFilter", false),
        ("ImplementsTemporalFilter", false),
        ("ImplementsVersionNav", false),
        ("ImplementsSorting", true),
        ("ImplementsExtendedOperators", false),
        ("ImplementsMinimumXPath", false),
        ("ImplementsSchemaElementFunc", false),
    ];

    /// <summary>ACCEPTVERSIONS, when sent, must include a version this service speaks.</summary>
    public static void CheckVersions(WfsParameters parameters)
    {
        if (parameters.Get("ACCEPTVERSIONS") is { } accepted &&
            !accepted.Split(',', StringSplitOptions.TrimEntries).Intersect(Versions).Any())
        {
            throw new WfsException(OwsExceptionCode.VersionNegotiationFailed, parameters.Locator("ACCEPTVERSIONS"),
                $"This service speaks WFS {string.Join(" and ", Versions)}; none of '{accepted}' is among them.");
        }
    }

    public static async Task WriteAsync(HttpContext http, CollectionExtents extents, CancellationToken ct)
    {
        var boxes = new Dictionary<string, (double MinX, double MinY, double MaxX, double MaxY)>(StringComparer.Ordinal);
        foreach (var collection in FeatureCatalog.All)
        {
            if ((await extents.ForAsync(collection, ct)).Bbox is { } b)
            {
                boxes[collection.Id] = (b[0], b[1], b[2], b[3]);
            }
        }

        var url = WfsXmlOutput.ServiceUrl(http.Request);
        await WfsXmlOutput.WriteDocumentAsync(http, WfsXmlOutput.XmlContentType, xml => Write(xml, url, boxes), ct);
    }

    private static void Write(XmlWriter xml, string url, Dictionary<string, (double MinX, double MinY, double MaxX, double MaxY)> extents)
    {
        xml.WriteStartElement("wfs", "WFS_Capabilities", WfsNames.Wfs);
        xml.WriteAttributeString("version", "2.0.0");
        xml.WriteAttributeString("xmlns", "ows", null, WfsNames.Ows);
        xml.WriteAttributeString("xmlns", "fes", null, WfsNames.Fes);
        xml.WriteAttributeString("xmlns", "gml", null, WfsNames.Gml);
        xml.WriteAttributeString("xmlns", "xlink", null, WfsNames.XLink);
        xml.WriteAttributeString("xmlns", WfsNames.PlatformPrefix, null, WfsNames.Platform);
        xml.WriteAttributeString("xsi", "schemaLocation", WfsNames.Xsi, $"{WfsNames.Wfs} {WfsNames.WfsSchemaLocation}");

        xml.WriteStartElement("ows", "ServiceIdentification", WfsNames.Ows);
        xml.Ows("Title", "Landplatform WFS");
        xml.Ows("Abstract", "The cadastral parcel fabric of Saint Vincent and the layers around it (buildings, road reserves, hazard zones, "
            + "districts, blocks) as WFS 2.0 feature types, in the national grid EPSG:2007, WGS 84 or Web Mercator.");
        xml.WriteStartElement("ows", "Keywords", WfsNames.Ows);
        foreach (var keyword in (string[])["cadastre", "parcels", "land information", "Saint Vincent"])
        {
            xml.Ows("Keyword", keyword);
        }

        xml.WriteEndElement();
        xml.WriteStartElement("ows", "ServiceType", WfsNames.Ows);
        xml.WriteAttributeString("codeSpace", "OGC");
        xml.WriteString("WFS");
        xml.WriteEndElement();
        foreach (var version in Versions)
        {
            xml.Ows("ServiceTypeVersion", version);
        }

        xml.Ows("Fees", "NONE");
        xml.Ows("AccessConstraints", "NONE");
        xml.WriteEndElement();

        xml.WriteStartElement("ows", "ServiceProvider", WfsNames.Ows);
        xml.Ows("ProviderName", "Landplatform");
        xml.WriteStartElement("ows", "ProviderSite", WfsNames.Ows);
        xml.WriteAttributeString("xlink", "href", WfsNames.XLink, "https://landplatform.example/");
        xml.WriteEndElement();
        xml.WriteStartElement("ows", "ServiceContact", WfsNames.Ows);
        xml.Ows("IndividualName", "Land information office");
        xml.Ows("PositionName", "Registrar of lands");
        xml.WriteEndElement();
        xml.WriteEndElement();

        WriteOperations(xml, url);
        WriteFeatureTypes(xml, extents);
        WriteFilterCapabilities(xml);
        xml.WriteEndElement();
    }

    private static void WriteOperations(XmlWriter xml, string url)
    {
        xml.WriteStartElement("ows", "OperationsMetadata", WfsNames.Ows);
        foreach (var operation in Operations)
        {
            xml.WriteStartElement("ows", "Operation", WfsNames.Ows);
            xml.WriteAttributeString("name", operation);
            xml.WriteStartElement("ows", "DCP", WfsNames.Ows);
            xml.WriteStartElement("ows", "HTTP", WfsNames.Ows);
            xml.WriteStartElement("ows", "Get", WfsNames.Ows);
            xml.WriteAttributeString("xlink", "href", WfsNames.XLink, url + "?");
            xml.WriteEndElement();
            xml.WriteStartElement("ows", "Post", WfsNames.Ows);
            xml.WriteAttributeString("xlink", "href", WfsNames.XLink, url);
            xml.WriteEndElement();
            xml.WriteEndElement();
            xml.WriteEndElement();
            switch (operation)
            {
                case "GetCapabilities":
                    xml.AllowedValues("Parameter", "AcceptVersions", Versions);
                    xml.AllowedValues("Parameter", "AcceptFormats", ["text/xml", "application/xml"]);
                    break;
                case "DescribeFeatureType":
                    xml.AllowedValues("Parameter", "outputFormat", [WfsFeatureTypeSchema.OutputFormat]);
                    break;
                case "GetFeature":
                    xml.AllowedValues("Parameter", "outputFormat", WfsOutputFormats.Advertised);
                    xml.AllowedValues("Parameter", "resultType", ["results", "hits"]);
                    break;
                case "GetPropertyValue":
                    xml.AllowedValues("Parameter", "outputFormat", WfsOutputFormats.Advertised.Take(2));
                    xml.AllowedValues("Parameter", "resultType", ["results", "hits"]);
                    break;
            }

            xml.WriteEndElement();
        }

        xml.AllowedValues("Parameter", "version", Versions);
        foreach (var (name, value) in ServiceConstraints)
        {
            xml.DefaultValue("ows", WfsNames.Ows, name, value ? "TRUE" : "FALSE");
        }

        xml.DefaultValue("ows", WfsNames.Ows, "CountDefault", CountDefault.ToString(CultureInfo.InvariantCulture));
        xml.AllowedValues("Constraint", "QueryExpressions", ["wfs:Query", "wfs:StoredQuery"]);
        xml.WriteEndElement();
    }

    private static void WriteFeatureTypes(XmlWriter xml, Dictionary<string, (double MinX, double MinY, double MaxX, double MaxY)> extents)
    {
        xml.WriteStartElement("wfs", "FeatureTypeList", WfsNames.Wfs);
        foreach (var collection in FeatureCatalog.All)
        {
            xml.WriteStartElement("wfs", "FeatureType", WfsNames.Wfs);
            xml.WriteElementString("wfs", "Name", WfsNames.Wfs, WfsNames.TypeName(collection));
            xml.WriteElementString("wfs", "Title", WfsNames.Wfs, collection.Title);
            xml.WriteElementString("wfs", "Abstract", WfsNames.Wfs, collection.IsTemporal
                ? collection.Description + " WFS returns the current fabric; the vendor parameter ASOF (a date or RFC 3339 date-time) returns it as it was."
                : collection.Description);
            xml.WriteElementString("wfs", "DefaultCRS", WfsNames.Wfs, WfsNames.Urn(Systems[0]));
            foreach (var other in Systems.Skip(1))
            {
                xml.WriteElementString("wfs", "OtherCRS", WfsNames.Wfs, WfsNames.Urn(other));
            }

            xml.WriteStartElement("wfs", "OutputFormats", WfsNames.Wfs);
            foreach (var format in WfsOutputFormats.Advertised)
            {
                xml.WriteElementString("wfs", "Format", WfsNames.Wfs, format);
            }

            xml.WriteEndElement();
            if (extents.TryGetValue(collection.Id, out var box))
            {
                xml.WriteStartElement("ows", "WGS84BoundingBox", WfsNames.Ows);
                xml.Ows("LowerCorner", string.Create(CultureInfo.InvariantCulture, $"{box.MinX:0.######} {box.MinY:0.######}"));
                xml.Ows("UpperCorner", string.Create(CultureInfo.InvariantCulture, $"{box.MaxX:0.######} {box.MaxY:0.######}"));
                xml.WriteEndElement();
            }

            xml.WriteEndElement();
        }

        xml.WriteEndElement();
    }

    private static void WriteFilterCapabilities(XmlWriter xml)
    {
        xml.WriteStartElement("fes", "Filter_Capabilities", WfsNames.Fes);
        xml.WriteStartElement("fes", "Conformance", WfsNames.Fes);
        foreach (var (name, value) in FilterConstraints)
        {
            xml.DefaultValue("fes", WfsNames.Fes, name, value ? "TRUE" : "FALSE");
        }

        xml.WriteEndElement();

        xml.WriteStartElement("fes", "Id_Capabilities", WfsNames.Fes);
        xml.WriteStartElement("fes", "ResourceIdentifier", WfsNames.Fes);
        xml.WriteAttributeString("name", "fes:ResourceId");
        xml.WriteEndElement();
        xml.WriteEndElement();

        xml.WriteStartElement("fes", "Scalar_Capabilities", WfsNames.Fes);
        xml.WriteStartElement("fes", "LogicalOperators", WfsNames.Fes);
        xml.WriteEndElement();
        xml.WriteStartElement("fes", "ComparisonOperators", WfsNames.Fes);
        foreach (var name in FesFilterReader.ComparisonOperatorNames)
        {
            xml.WriteStartElement("fes", "ComparisonOperator", WfsNames.Fes);
            xml.WriteAttributeString("name", name);
            xml.WriteEndElement();
        }

        xml.WriteEndElement();
        xml.WriteEndElement();

        xml.WriteStartElement("fes", "Spatial_Capabilities", WfsNames.Fes);
        xml.WriteStartElement("fes", "GeometryOperands", WfsNames.Fes);
        foreach (var name in FesFilterReader.GeometryOperands)
        {
            xml.WriteStartElement("fes", "GeometryOperand", WfsNames.Fes);
            xml.WriteAttributeString("name", "gml:" + name);
            xml.WriteEndElement();
        }

        xml.WriteEndElement();
        xml.WriteStartElement("fes", "SpatialOperators", WfsNames.Fes);
        foreach (var name in FesFilterReader.SpatialOperatorNames)
        {
            xml.WriteStartElement("fes", "SpatialOperator", WfsNames.Fes);
            xml.WriteAttributeString("name", name);
            xml.WriteEndElement();
        }

        xml.WriteEndElement();
        xml.WriteEndElement();
        xml.WriteEndElement();
    }
}
