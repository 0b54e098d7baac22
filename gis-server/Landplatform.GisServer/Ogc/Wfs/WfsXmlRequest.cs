using System.Xml.Linq;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.Primitives;

namespace Landplatform.GisServer.Ogc.Wfs;

/// <summary>
/// The XML (POST) encoding of WFS requests, read into the equivalent KVP parameters so both encodings
/// take one path. One wfs:Query or wfs:StoredQuery per GetFeature, like the KVP encoding.
/// </summary>
public static class WfsXmlRequest
{
    public const int MaxBodyLength = 128 * 1024;
    private static readonly XNamespace Wfs = WfsNames.Wfs;
    private static readonly XNamespace Fes = WfsNames.Fes;

    public static async Task<WfsParameters> ReadAsync(HttpRequest request, CancellationToken ct)
    {
        if (request.ContentLength > MaxBodyLength)
        {
            throw TooLarge();
        }

        using var reader = new StreamReader(request.Body);
        var buffer = new char[MaxBodyLength + 1];
        var length = 0;
        int read;
        while (length < buffer.Length && (read = await reader.ReadAsync(buffer.AsMemory(length), ct)) > 0)
        {
            length += read;
        }

        if (length > MaxBodyLength)
        {
            throw TooLarge();
        }

        var root = FesFilterReader.Load(new string(buffer, 0, length), "request", 4 * MaxBodyLength);
        return new WfsParameters(new QueryCollection(Parameters(root)));
    }

    private static WfsException TooLarge() =>
        new(OwsExceptionCode.OperationParsingFailed, "request", $"The request body is larger than {MaxBodyLength / 1024} KiB.");

    private static Dictionary<string, StringValues> Parameters(XElement root)
    {
        if (root.Name.Namespace != Wfs)
        {
            throw new WfsException(OwsExceptionCode.OperationParsingFailed, "request",
                $"The body must be a WFS 2.0 request in {WfsNames.Wfs}; got {root.Name.LocalName} in '{root.Name.NamespaceName}'.");
        }

        var kvp = new Dictionary<string, StringValues>(StringComparer.OrdinalIgnoreCase) { ["REQUEST"] = root.Name.LocalName };
        Copy(root, kvp, ("service", "SERVICE"), ("version", "VERSION"), ("outputFormat", "OUTPUTFORMAT"),
            ("count", "COUNT"), ("startIndex", "STARTINDEX"), ("resultType", "RESULTTYPE"));
        switch (root.Name.LocalName)
        {
            case "GetCapabilities":
                var versions = root.Element(Wfs + "AcceptVersions")?.Elements().Select(v => v.Value).ToList();
                if (versions is { Count: > 0 })
                {
                    kvp["ACCEPTVERSIONS"] = string.Join(",", versions);
                }

                break;
            case "DescribeFeatureType":
                var types = root.Elements(Wfs + "TypeName").Select(t => TypeName(t, t.Value)).ToList();
                if (types.Count > 0)
                {
                    kvp["TYPENAME"] = string.Join(",", types);
                }

                break;
            case "DescribeStoredQueries":
                var ids = root.Elements(Wfs + "StoredQueryId").Select(i => i.Value.Trim()).ToList();
                if (ids.Count > 0)
                {
                    kvp["STOREDQUERY_ID"] = string.Join(",", ids);
                }

                break;
            case "GetFeature":
                GetFeature(root, kvp);
                break;
            case "GetPropertyValue":
                Copy(root, kvp, ("valueReference", "VALUEREFERENCE"));
                GetFeature(root, kvp);
                break;
        }

        return kvp;
    }

    private static void GetFeature(XElement root, Dictionary<string, StringValues> kvp)
    {
        var queries = root.Elements().ToList();
        if (queries.Count != 1)
        {
            throw new WfsException(OwsExceptionCode.InvalidParameterValue, "Query",
                "GetFeature takes exactly one wfs:Query or wfs:StoredQuery in this service.");
        }

        var query = queries[0];
        if (query.Name == Wfs + "StoredQuery")
        {
            kvp["STOREDQUERY_ID"] = (string?)query.Attribute("id") ?? "";
            foreach (var parameter in query.Elements(Wfs + "Parameter"))
            {
                kvp[(string?)parameter.Attribute("name") ?? ""] = parameter.Value.Trim();
            }

            return;
        }

        if (query.Name != Wfs + "Query")
        {
            throw new WfsException(OwsExceptionCode.InvalidParameterValue, "Query", $"wfs:{query.Name.LocalName} is not a query this service runs.");
        }

        if (Attribute(query, "typeNames") is { } typeNames)
        {
            kvp["TYPENAMES"] = string.Join(",", typeNames.Split(' ', StringSplitOptions.RemoveEmptyEntries).Select(t => TypeName(query, t)));
        }

        Copy(query, kvp, ("srsName", "SRSNAME"));
        var properties = query.Elements(Wfs + "PropertyName").Select(p => p.Value.Trim()).ToList();
        if (properties.Count > 0)
        {
            kvp["PROPERTYNAME"] = string.Join(",", properties);
        }

        if (query.Element(Fes + "Filter") is { } filter)
        {
            kvp["FILTER"] = filter.ToString(SaveOptions.DisableFormatting);
        }

        if (query.Element(Fes + "SortBy") is { } sortBy)
        {
            kvp["SORTBY"] = string.Join(",", sortBy.Elements(Fes + "SortProperty").Select(p =>
                $"{p.Element(Fes + "ValueReference")?.Value.Trim()} {p.Element(Fes + "SortOrder")?.Value.Trim() ?? "ASC"}"));
        }
    }

    private static void Copy(XElement element, Dictionary<string, StringValues> kvp, params (string Attribute, string Parameter)[] names)
    {
        foreach (var (attribute, parameter) in names)
        {
            if (Attribute(element, attribute) is { } value)
            {
                kvp[parameter] = value;
            }
        }
    }

    // Clients differ in the case of attribute names (OWSLib writes typenames); XML Schema would not, we do not mind.
    private static string? Attribute(XElement element, string name) =>
        element.Attributes().FirstOrDefault(a => a.Name.Namespace == XNamespace.None && a.Name.LocalName.Equals(name, StringComparison.OrdinalIgnoreCase))?.Value;

    // A qualified type name whose prefix the document binds to the platform namespace reads as lp:name.
    private static string TypeName(XElement scope, string name)
    {
        var text = name.Trim();
        var colon = text.IndexOf(':', StringComparison.Ordinal);
        if (colon < 0)
        {
            return text;
        }

        return scope.GetNamespaceOfPrefix(text[..colon])?.NamespaceName == WfsNames.Platform
            ? $"{WfsNames.PlatformPrefix}:{text[(colon + 1)..]}"
            : text;
    }
}
