using System.Globalization;

namespace Landplatform.Cadastre.Contracts;

/// <summary>A coordinate reference system every service can answer in.</summary>
/// <param name="Srid">The PostGIS SRID.</param>
/// <param name="Uri">The OGC URI that names it.</param>
/// <param name="LatitudeFirst">True where the authority's axis order is latitude, longitude (EPSG:4326).</param>
/// <param name="Decimals">Decimal places that keep millimetre precision in its units.</param>
public sealed record CoordinateReferenceSystem(int Srid, Uri Uri, bool LatitudeFirst, int Decimals)
{
    /// <summary>The national grid: St. Vincent 45 / British West Indies Grid, in metres.</summary>
    public static readonly CoordinateReferenceSystem NationalGrid =
        new(2007, new Uri("http://www.opengis.net/def/crs/EPSG/0/2007"), false, 3);

    /// <summary>WGS 84 with longitude first (OGC CRS84), the default of web APIs.</summary>
    public static readonly CoordinateReferenceSystem Crs84 =
        new(4326, new Uri("http://www.opengis.net/def/crs/OGC/1.3/CRS84"), false, 8);

    /// <summary>WGS 84 with the EPSG axis order, latitude first.</summary>
    public static readonly CoordinateReferenceSystem Wgs84 =
        new(4326, new Uri("http://www.opengis.net/def/crs/EPSG/0/4326"), true, 8);

    /// <summary>Web Mercator, as web maps use.</summary>
    public static readonly CoordinateReferenceSystem WebMercator =
        new(3857, new Uri("http://www.opengis.net/def/crs/EPSG/0/3857"), false, 3);

    /// <summary>Every system the services accept.</summary>
    public static IReadOnlyList<CoordinateReferenceSystem> Supported { get; } = [Crs84, Wgs84, WebMercator, NationalGrid];

    /// <summary>
    /// Reads a CRS as a caller writes it: an OGC URI, <c>EPSG:nnnn</c>, a bare code, or <c>CRS84</c>.
    /// </summary>
    /// <exception cref="InvalidParameterException">The value names no supported system.</exception>
    public static CoordinateReferenceSystem Parse(string value, string parameter)
    {
        var text = value.Trim();
        if (text.Equals("CRS84", StringComparison.OrdinalIgnoreCase) ||
            text.Equals("OGC:CRS84", StringComparison.OrdinalIgnoreCase) ||
            text.Equals(Crs84.Uri.ToString(), StringComparison.OrdinalIgnoreCase) ||
            text.Equals("[OGC:CRS84]", StringComparison.OrdinalIgnoreCase))
        {
            return Crs84;
        }

        foreach (var prefix in (string[])["http://www.opengis.net/def/crs/EPSG/0/", "urn:ogc:def:crs:EPSG::", "EPSG:", "[EPSG:"])
        {
            if (text.StartsWith(prefix, StringComparison.OrdinalIgnoreCase))
            {
                text = text[prefix.Length..].TrimEnd(']');
                break;
            }
        }

        if (int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var code))
        {
            var known = Supported.FirstOrDefault(c => c.Srid == code && c != Crs84);
            if (known is not null)
            {
                return known;
            }
        }

        throw new InvalidParameterException(
            parameter,
            "supported-crs",
            $"'{value}' is not a supported coordinate reference system; use one of CRS84, EPSG:4326, EPSG:3857 or EPSG:2007.");
    }
}
