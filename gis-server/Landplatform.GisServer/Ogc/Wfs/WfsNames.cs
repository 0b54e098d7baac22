using Landplatform.Cadastre.Contracts;

namespace Landplatform.GisServer.Ogc.Wfs;

/// <summary>Namespaces, type names, resource ids and coordinate systems as WFS 2.0 clients write them.</summary>
public static class WfsNames
{
    public const string Wfs = "http://www.opengis.net/wfs/2.0";
    public const string Fes = "http://www.opengis.net/fes/2.0";
    public const string Gml = "http://www.opengis.net/gml/3.2";
    public const string Ows = WfsExceptionReport.OwsNamespace;
    public const string XLink = "http://www.w3.org/1999/xlink";
    public const string Xsd = "http://www.w3.org/2001/XMLSchema";
    public const string Xsi = "http://www.w3.org/2001/XMLSchema-instance";

    /// <summary>The namespace of the platform's feature types, bound to the prefix <c>lp</c>.</summary>
    public const string Platform = "https://landplatform.example/wfs";
    public const string PlatformPrefix = "lp";

    public const string WfsSchemaLocation = "http://schemas.opengis.net/wfs/2.0/wfs.xsd";
    public const string GmlSchemaLocation = "http://schemas.opengis.net/gml/3.2.1/gml.xsd";

    /// <summary>The name of every feature type's geometry property.</summary>
    public const string GeometryProperty = "geometry";

    public const string GetFeatureById = "urn:ogc:def:query:OGC-WFS::GetFeatureById";

    public static string TypeName(FeatureCollectionDefinition collection) => $"{PlatformPrefix}:{collection.Id}";

    /// <summary>A gml:id / resource id: the collection, a dot, the feature id (<c>parcels.CH-00001-0001</c>).</summary>
    public static string ResourceId(FeatureCollectionDefinition collection, string featureId) => $"{collection.Id}.{featureId}";

    /// <summary>The name without a namespace prefix (<c>lp:upi</c>, <c>upi</c>) or a leading type step (<c>lp:parcels/lp:upi</c>).</summary>
    public static string LocalName(string name)
    {
        var text = name.Trim();
        var slash = text.LastIndexOf('/');
        if (slash >= 0)
        {
            text = text[(slash + 1)..];
        }

        var colon = text.IndexOf(':', StringComparison.Ordinal);
        return colon >= 0 ? text[(colon + 1)..] : text;
    }

    /// <summary>The one feature type a TYPENAMES value names.</summary>
    public static FeatureCollectionDefinition ParseTypeNames(string value, string locator)
    {
        var names = value.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries);
        if (names.Length != 1 || value.Contains('(', StringComparison.Ordinal))
        {
            throw new WfsException(OwsExceptionCode.InvalidParameterValue, locator,
                $"Name exactly one feature type per request (joins and several types are not supported); got '{value}'.");
        }

        return ParseTypeName(names[0], locator);
    }

    public static FeatureCollectionDefinition ParseTypeName(string name, string locator)
    {
        var colon = name.IndexOf(':', StringComparison.Ordinal);
        if (colon >= 0 && name[..colon] != PlatformPrefix)
        {
            throw UnknownType(name, locator);
        }

        return FeatureCatalog.Find(name[(colon + 1)..]) ?? throw UnknownType(name, locator);
    }

    private static WfsException UnknownType(string name, string locator) =>
        new(OwsExceptionCode.InvalidParameterValue, locator,
            $"'{name}' is not a feature type of this service; it offers {string.Join(", ", FeatureCatalog.All.Select(TypeName))}.");

    /// <summary>Splits a resource id into its collection and feature id.</summary>
    public static (FeatureCollectionDefinition Collection, string FeatureId) ParseResourceId(string rid, string locator)
    {
        var text = rid.Trim();
        var dot = text.IndexOf('.', StringComparison.Ordinal);
        var collection = dot > 0 ? FeatureCatalog.Find(text[..dot]) : null;
        if (collection is null || dot == text.Length - 1)
        {
            throw new WfsException(OwsExceptionCode.InvalidParameterValue, locator,
                $"'{rid}' is not a resource id of this service; ids read <type>.<id>, e.g. parcels.CH-00001-0001.");
        }

        return (collection, text[(dot + 1)..]);
    }

    /// <summary>
    /// A coordinate system as WFS clients name it. Every EPSG form of 4326 (URN, http URI, EPSG:4326) has
    /// latitude first, as the EPSG registry defines it; CRS84 and the legacy <c>…/epsg.xml#4326</c> have longitude first.
    /// </summary>
    public static CoordinateReferenceSystem ParseCrs(string value, string locator)
    {
        var text = value.Trim();
        const string legacy = "http://www.opengis.net/gml/srs/epsg.xml#";
        const string oldUrn = "urn:x-ogc:def:crs:EPSG:";
        if (text.StartsWith(legacy, StringComparison.OrdinalIgnoreCase))
        {
            var crs = CoordinateReferenceSystem.Parse("EPSG:" + text[legacy.Length..], locator);
            return crs.LatitudeFirst ? CoordinateReferenceSystem.Crs84 : crs;
        }

        if (text.Equals("urn:ogc:def:crs:OGC:1.3:CRS84", StringComparison.OrdinalIgnoreCase))
        {
            return CoordinateReferenceSystem.Crs84;
        }

        return CoordinateReferenceSystem.Parse(text.StartsWith(oldUrn, StringComparison.OrdinalIgnoreCase) ? "EPSG:" + text[oldUrn.Length..] : text, locator);
    }

    /// <summary>
    /// Refuses coordinates outside the area of use of the CRS (x/y, longitude first), which PostGIS
    /// could not transform: a clear 400 instead of a failed query.
    /// </summary>
    public static void CheckRange(CoordinateReferenceSystem crs, double x, double y, string locator)
    {
        var (limitX, limitY) = crs.Srid switch
        {
            4326 => (180.0, 90.0),
            3857 => (20_037_508.35, 20_048_966.11),
            _ => (1e8, 1e8),
        };
        if (Math.Abs(x) > limitX || Math.Abs(y) > limitY)
        {
            throw new WfsException(OwsExceptionCode.InvalidParameterValue, locator, crs.Srid == 4326
                ? $"({x}, {y}) is not a longitude/latitude; EPSG:4326 URNs list latitude first, within -90..90 and -180..180."
                : $"({x}, {y}) lies outside the area EPSG:{crs.Srid} can describe.");
        }
    }

    /// <summary>The URN a GML document names a CRS with.</summary>
    public static string Urn(CoordinateReferenceSystem crs) => $"urn:ogc:def:crs:EPSG::{crs.Srid}";
}
