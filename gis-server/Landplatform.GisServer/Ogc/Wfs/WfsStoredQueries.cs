using System.Xml;

namespace Landplatform.GisServer.Ogc.Wfs;

/// <summary>ListStoredQueries and DescribeStoredQueries: the one mandatory stored query, GetFeatureById.</summary>
public static class WfsStoredQueries
{
    public static Task WriteListAsync(HttpContext http, CancellationToken ct) =>
        WfsXmlOutput.WriteDocumentAsync(http, WfsXmlOutput.XmlContentType, xml =>
        {
            xml.WriteStartElement("wfs", "ListStoredQueriesResponse", WfsNames.Wfs);
            xml.WriteAttributeString("xmlns", WfsNames.PlatformPrefix, null, WfsNames.Platform);
            xml.WriteStartElement("wfs", "StoredQuery", WfsNames.Wfs);
            xml.WriteAttributeString("id", WfsNames.GetFeatureById);
            xml.WriteElementString("wfs", "Title", WfsNames.Wfs, "Get feature by identifier");
            foreach (var collection in FeatureCatalog.All)
            {
                xml.WriteElementString("wfs", "ReturnFeatureType", WfsNames.Wfs, WfsNames.TypeName(collection));
            }

            xml.WriteEndElement();
            xml.WriteEndElement();
        }, ct);

    public static Task WriteDescriptionAsync(HttpContext http, WfsParameters parameters, CancellationToken ct)
    {
        if (parameters.Get("STOREDQUERY_ID") is { } ids &&
            ids.Split(',', StringSplitOptions.TrimEntries).FirstOrDefault(id => id != WfsNames.GetFeatureById) is { } unknown)
        {
            throw new WfsException(OwsExceptionCode.InvalidParameterValue, parameters.Locator("STOREDQUERY_ID"),
                $"'{unknown}' is not a stored query of this service; the only one is {WfsNames.GetFeatureById}.");
        }

        return WfsXmlOutput.WriteDocumentAsync(http, WfsXmlOutput.XmlContentType, Describe, ct);
    }

    private static void Describe(XmlWriter xml)
    {
        xml.WriteStartElement("wfs", "DescribeStoredQueriesResponse", WfsNames.Wfs);
        xml.WriteAttributeString("xmlns", "xsd", null, WfsNames.Xsd);
        xml.WriteAttributeString("xmlns", WfsNames.PlatformPrefix, null, WfsNames.Platform);
        xml.WriteStartElement("wfs", "StoredQueryDescription", WfsNames.Wfs);
        xml.WriteAttributeString("id", WfsNames.GetFeatureById);
        xml.WriteElementString("wfs", "Title", WfsNames.Wfs, "Get feature by identifier");
        xml.WriteElementString("wfs", "Abstract", WfsNames.Wfs,
            "Returns the one feature whose resource id (gml:id, e.g. parcels.CH-00001-0001) is given as ID, not wrapped in a collection.");
        xml.WriteStartElement("wfs", "Parameter", WfsNames.Wfs);
        xml.WriteAttributeString("name", "ID");
        xml.WriteAttributeString("type", "xsd:string");
        xml.WriteElementString("wfs", "Title", WfsNames.Wfs, "Resource id");
        xml.WriteEndElement();
        xml.WriteStartElement("wfs", "QueryExpressionText", WfsNames.Wfs);
        xml.WriteAttributeString("returnFeatureTypes", string.Join(" ", FeatureCatalog.All.Select(WfsNames.TypeName)));
        xml.WriteAttributeString("language", "urn:ogc:def:queryLanguage:OGC-WFS::WFSQueryExpression");
        xml.WriteAttributeString("isPrivate", "true");
        xml.WriteEndElement();
        xml.WriteEndElement();
        xml.WriteEndElement();
    }
}
