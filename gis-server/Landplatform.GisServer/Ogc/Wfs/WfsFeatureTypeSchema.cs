using Landplatform.Cadastre.Contracts.Layers;
using System.Xml;

namespace Landplatform.GisServer.Ogc.Wfs;

/// <summary>The output formats of GetFeature, as clients name them.</summary>
public enum WfsOutputFormat
{
    Gml32,
    GeoJson,
}

public static class WfsOutputFormats
{
    public static IReadOnlyList<string> Advertised { get; } =
        ["application/gml+xml; version=3.2", "text/xml; subtype=gml/3.2", "application/json"];

    /// <summary>Reads OUTPUTFORMAT; a '+' decoded to a space in a query string is tolerated.</summary>
    public static WfsOutputFormat Parse(string? value, string locator)
    {
        if (value is null)
        {
            return WfsOutputFormat.Gml32;
        }

        var key = new string(value.Where(c => !char.IsWhiteSpace(c) && c != '+').ToArray()).ToLowerInvariant();
        return key switch
        {
            "application/gmlxml;version=3.2" or "text/xml;subtype=gml/3.2" or "text/xml;subtype=gml/3.2.1" or "gml32" or "gml3.2" => WfsOutputFormat.Gml32,
            "application/json" or "json" or "geojson" or "application/geojson" => WfsOutputFormat.GeoJson,
            _ => throw new WfsException(OwsExceptionCode.InvalidParameterValue, locator,
                $"'{value}' is not an output format of this service; use {string.Join(" or ", WfsOutputFormats.Advertised)}."),
        };
    }
}

/// <summary>DescribeFeatureType: a GML 3.2 application schema for the requested feature types, from the catalog.</summary>
public static class WfsFeatureTypeSchema
{
    public const string OutputFormat = "application/gml+xml; version=3.2";

    public static async Task WriteAsync(HttpContext http, WfsParameters parameters, CancellationToken ct)
    {
        if (parameters.Get("OUTPUTFORMAT") is { } format &&
            WfsOutputFormats.Parse(format, parameters.Locator("OUTPUTFORMAT")) != WfsOutputFormat.Gml32)
        {
            throw new WfsException(OwsExceptionCode.InvalidParameterValue, parameters.Locator("OUTPUTFORMAT"),
                $"DescribeFeatureType answers in XML Schema only ({OutputFormat}).");
        }

        var collections = parameters.GetAny("TYPENAME", "TYPENAMES") is var (name, value)
            ? value.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries)
                .Select(t => WfsNames.ParseTypeName(t, parameters.Locator(name))).Distinct().ToList()
            : FeatureCatalog.All.ToList();
        await WfsXmlOutput.WriteDocumentAsync(http, OutputFormat, xml => Write(xml, collections), ct);
    }

    private static void Write(XmlWriter xml, IReadOnlyList<FeatureCollectionDefinition> collections)
    {
        xml.WriteStartElement("xsd", "schema", WfsNames.Xsd);
        xml.WriteAttributeString("xmlns", "gml", null, WfsNames.Gml);
        xml.WriteAttributeString("xmlns", WfsNames.PlatformPrefix, null, WfsNames.Platform);
        xml.WriteAttributeString("targetNamespace", WfsNames.Platform);
        xml.WriteAttributeString("elementFormDefault", "qualified");
        xml.WriteAttributeString("version", "1.0");
        xml.WriteStartElement("xsd", "import", WfsNames.Xsd);
        xml.WriteAttributeString("namespace", WfsNames.Gml);
        xml.WriteAttributeString("schemaLocation", WfsNames.GmlSchemaLocation);
        xml.WriteEndElement();

        foreach (var collection in collections)
        {
            xml.WriteStartElement("xsd", "complexType", WfsNames.Xsd);
            xml.WriteAttributeString("name", collection.Id + "Type");
            xml.WriteStartElement("xsd", "complexContent", WfsNames.Xsd);
            xml.WriteStartElement("xsd", "extension", WfsNames.Xsd);
            xml.WriteAttributeString("base", "gml:AbstractFeatureType");
            xml.WriteStartElement("xsd", "sequence", WfsNames.Xsd);
            foreach (var property in collection.Properties)
            {
                Property(xml, property.Name, XsdType(property.Type));
            }

            Property(xml, WfsNames.GeometryProperty, GeometryPropertyType(collection.GeometryType));
            xml.WriteEndElement();
            xml.WriteEndElement();
            xml.WriteEndElement();
            xml.WriteEndElement();

            xml.WriteStartElement("xsd", "element", WfsNames.Xsd);
            xml.WriteAttributeString("name", collection.Id);
            xml.WriteAttributeString("type", $"{WfsNames.PlatformPrefix}:{collection.Id}Type");
            xml.WriteAttributeString("substitutionGroup", "gml:AbstractFeature");
            xml.WriteEndElement();
        }

        xml.WriteEndElement();
    }

    private static void Property(XmlWriter xml, string name, string type)
    {
        xml.WriteStartElement("xsd", "element", WfsNames.Xsd);
        xml.WriteAttributeString("name", name);
        xml.WriteAttributeString("type", type);
        xml.WriteAttributeString("minOccurs", "0");
        xml.WriteAttributeString("maxOccurs", "1");
        xml.WriteAttributeString("nillable", "true");
        xml.WriteEndElement();
    }

    public static string XsdType(AttributeType type) => type switch
    {
        AttributeType.Integer => "xsd:int",
        AttributeType.Number => "xsd:double",
        AttributeType.DateTime => "xsd:dateTime",
        _ => "xsd:string",
    };

    public static string GeometryPropertyType(string geometryType) => geometryType switch
    {
        "Point" => "gml:PointPropertyType",
        "LineString" => "gml:CurvePropertyType",
        "Polygon" => "gml:SurfacePropertyType",
        "MultiPoint" => "gml:MultiPointPropertyType",
        "MultiLineString" => "gml:MultiCurvePropertyType",
        "MultiPolygon" => "gml:MultiSurfacePropertyType",
        _ => "gml:GeometryPropertyType",
    };
}
