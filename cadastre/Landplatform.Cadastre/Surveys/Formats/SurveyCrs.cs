using System.Text.RegularExpressions;

namespace Landplatform.Cadastre.Surveys.Formats;

/// <summary>Decides a survey's CRS from what the file says and what the upload declares; never guesses.</summary>
internal static partial class SurveyCrs
{
    /// <summary>The names ESRI and OGC WKT give the CRSs surveys are lodged in, letters and digits only, lower case.</summary>
    private static readonly Dictionary<string, int> KnownWktNames = new(StringComparer.Ordinal)
    {
        ["stvincent45britishwestindiesgrid"] = 2007,
        ["stvincent1945britishwestindiesgrid"] = 2007,
        ["wgs84"] = 4326,
        ["wgs1984"] = 4326,
        ["gcswgs1984"] = 4326,
    };

    /// <summary>
    /// The EPSG code a shapefile's .prj names: its EPSG authority when it carries one, otherwise its CRS name matched
    /// against the names GIS software writes for EPSG:2007 and EPSG:4326. Anything else is refused, never guessed.
    /// </summary>
    public static int FromPrj(string wkt)
    {
        var head = WktHead().Match(wkt);
        if (!head.Success)
        {
            throw SurveyUnreadableException.Because("The archive's .prj is not a WKT coordinate reference system; it must be EPSG:2007 or EPSG:4326 as GIS software writes it.");
        }

        var authority = WktAuthority().Match(wkt);
        if (authority.Success)
        {
            return int.Parse(authority.Groups[1].Success ? authority.Groups[1].Value : authority.Groups[2].Value, System.Globalization.CultureInfo.InvariantCulture);
        }

        var name = new string(head.Groups[1].Value.Where(char.IsAsciiLetterOrDigit).Select(char.ToLowerInvariant).ToArray());
        return KnownWktNames.TryGetValue(name, out var srid)
            ? srid
            : throw SurveyUnreadableException.Because(
                "The archive's .prj names a coordinate reference system the platform does not know; surveys are lodged in the national grid (EPSG:2007) or WGS 84 (EPSG:4326).");
    }

    [GeneratedRegex(@"^\s*(?:PROJCS|GEOGCS|PROJCRS|GEOGCRS|GEODCRS)\s*\[\s*""([^""]{0,200})""")]
    private static partial Regex WktHead();

    /// <summary>The authority of the whole CRS: the last element before the closing bracket.</summary>
    [GeneratedRegex(@"(?:AUTHORITY\s*\[\s*""EPSG""\s*,\s*""?(\d{1,6})""?\s*\]|ID\s*\[\s*""EPSG""\s*,\s*(\d{1,6})\s*\])\s*\]\s*$")]
    private static partial Regex WktAuthority();

    public static int Resolve(int? fileSrid, int? declaredSrid, int? rfcDefault)
    {
        if (fileSrid is not null && declaredSrid is not null && fileSrid != declaredSrid)
        {
            throw SurveyUnreadableException.Because($"The file says EPSG:{fileSrid} but the upload declares EPSG:{declaredSrid}; they must agree.");
        }

        var srid = fileSrid ?? declaredSrid ?? rfcDefault
            ?? throw SurveyUnreadableException.Because("The file names no coordinate reference system: declare crs (an EPSG code, e.g. EPSG:2007 or EPSG:32620) with the upload.");
        if (srid <= 0)
        {
            throw SurveyUnreadableException.Because($"EPSG:{srid} is not an EPSG code.");
        }

        return srid;
    }

    /// <summary>An EPSG code as a caller or a file writes it: <c>EPSG:32620</c>, an OGC URN or URI, a bare number, or CRS84; null when it is none of these.</summary>
    public static int? ParseName(string value)
    {
        var text = value.Trim();
        if (text.Equals("CRS84", StringComparison.OrdinalIgnoreCase) || text.Equals("OGC:CRS84", StringComparison.OrdinalIgnoreCase) ||
            text.Equals("urn:ogc:def:crs:OGC:1.3:CRS84", StringComparison.OrdinalIgnoreCase) ||
            text.Equals("http://www.opengis.net/def/crs/OGC/1.3/CRS84", StringComparison.OrdinalIgnoreCase))
        {
            return 4326;
        }

        foreach (var prefix in (string[])["http://www.opengis.net/def/crs/EPSG/0/", "urn:ogc:def:crs:EPSG::", "urn:ogc:def:crs:EPSG:", "EPSG:"])
        {
            if (text.StartsWith(prefix, StringComparison.OrdinalIgnoreCase))
            {
                text = text[prefix.Length..];
                break;
            }
        }

        return int.TryParse(text, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var code) && code is > 0 and < 1_000_000 ? code : null;
    }

    /// <summary>Refuses coordinates that cannot be in the stated CRS, e.g. grid metres declared as WGS 84.</summary>
    public static void CheckRange(int srid, IEnumerable<SurveyedParcel> parcels)
    {
        if (srid is not (2007 or 4326))
        {
            return; // the reader checks other systems after transforming them (SurveyReader)
        }

        foreach (var parcel in parcels)
        {
            var box = parcel.Boundary.EnvelopeInternal;
            var inside = srid == 4326
                ? box.MinX >= -62.5 && box.MaxX <= -60.5 && box.MinY >= 12.0 && box.MaxY <= 14.0
                : box.MinX >= 300_000 && box.MaxX <= 700_000 && box.MinY >= 1_300_000 && box.MaxY <= 1_700_000;
            if (!inside)
            {
                throw SurveyUnreadableException.Because(
                    $"{parcel.Label} lies at {box.MinX:0.###},{box.MinY:0.###}, outside Saint Vincent in EPSG:{srid}: the coordinates are in another CRS than the one stated.");
            }
        }
    }
}
