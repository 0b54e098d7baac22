using System.Globalization;
using Landplatform.Cadastre.Contracts;
using SkiaSharp;

namespace Landplatform.GisServer.Ogc.Wms;

/// <summary>The KVP parameters of one WMS request, read with case-insensitive names as WMS 1.3.0 requires.</summary>
public sealed class WmsParameters
{
    public const int MaxSize = 4096;

    /// <summary>At most this many pixels in one image (a 4096 x 2048 map).</summary>
    public const long MaxArea = 4096L * 2048;

    public const int LayerLimit = 16;

    private readonly Dictionary<string, string> values = new(StringComparer.OrdinalIgnoreCase);

    public WmsParameters(IQueryCollection query)
    {
        foreach (var (name, value) in query)
        {
            if (value.Count > 1 || !values.TryAdd(name, value.ToString()))
            {
                throw new WmsException(null, name.ToUpperInvariant(), $"The parameter {name.ToUpperInvariant()} is given more than once.");
            }
        }
    }

    public string? this[string name] => values.TryGetValue(name, out var value) ? value : null;

    public string Required(string name) =>
        this[name] is { Length: > 0 } value ? value : throw new WmsException(null, name, $"The parameter {name} is missing.");

    /// <summary>The layers and styles of a GetMap (or the map part of a GetFeatureInfo).</summary>
    public IReadOnlyList<MapLayer> Layers()
    {
        var names = Required("LAYERS").Split(',');
        if (names.Length > LayerLimit)
        {
            throw new WmsException(null, "LAYERS", $"At most {LayerLimit} layers can be drawn in one map.");
        }

        var styles = this["STYLES"] is { Length: > 0 } s ? s.Split(',') : new string[names.Length];
        if (styles.Length != names.Length)
        {
            throw new WmsException(null, "STYLES", $"STYLES names {styles.Length} styles for {names.Length} layers; give one per layer (empty for the default) or none.");
        }

        var layers = new List<MapLayer>(names.Length);
        for (var i = 0; i < names.Length; i++)
        {
            var collection = Collection(names[i], "LAYERS");
            var styleName = (styles[i] ?? string.Empty).Trim();
            var style = MapStyles.Find(collection.Id, styleName) ?? throw new WmsException("StyleNotDefined", "STYLES",
                $"Layer {collection.Id} has no style {WmsException.Quote(styleName)}; its styles are {string.Join(", ", MapStyles.For(collection.Id).Select(x => x.Name))}.");
            layers.Add(new MapLayer(collection, style));
        }

        return layers;
    }

    public static FeatureCollectionDefinition Collection(string name, string parameter)
    {
        var trimmed = name.Trim();
        return FeatureCatalog.Find(trimmed) is { } collection && MapStyles.For(collection.Id).Count > 0
            ? collection
            : throw new WmsException("LayerNotDefined", parameter,
                $"No layer is named {WmsException.Quote(trimmed)}; the layers are {string.Join(", ", FeatureCatalog.All.Select(c => c.Id))}.");
    }

    /// <summary>
    /// The version the request speaks: 1.3.0 unless it says 1.1.1 (Leaflet's default), which names the CRS in SRS, always
    /// writes x (longitude, easting) first and names the pixel of GetFeatureInfo X and Y.
    /// </summary>
    public bool IsVersion111 => this["VERSION"]?.Trim() == "1.1.1";

    /// <summary>CRS (SRS in 1.1.1), BBOX, WIDTH and HEIGHT as a view, with the 1.3.0 axis order of the CRS (EPSG:4326 is latitude first; 1.1.1 is always x first).</summary>
    public MapView View()
    {
        var crsName = IsVersion111 ? "SRS" : "CRS";
        var crs = Crs(Required(crsName), crsName);
        var parts = Required("BBOX").Split(',');
        if (parts.Length != 4)
        {
            throw new WmsException(null, "BBOX", "BBOX needs four numbers: minx,miny,maxx,maxy in the axis order of the CRS.");
        }

        var numbers = new double[4];
        for (var i = 0; i < 4; i++)
        {
            if (!double.TryParse(parts[i], NumberStyles.Float, CultureInfo.InvariantCulture, out numbers[i]) || !double.IsFinite(numbers[i]))
            {
                throw new WmsException(null, "BBOX", $"BBOX value {WmsException.Quote(parts[i])} is not a finite number.");
            }
        }

        if (numbers[0] >= numbers[2] || numbers[1] >= numbers[3] || !double.IsFinite(numbers[2] - numbers[0]) || !double.IsFinite(numbers[3] - numbers[1]))
        {
            throw new WmsException(null, "BBOX", "BBOX must have its minimum before its maximum on both axes, and enclose an area.");
        }

        var (minX, minY, maxX, maxY) = crs.LatitudeFirst && !IsVersion111
            ? (numbers[1], numbers[0], numbers[3], numbers[2])
            : (numbers[0], numbers[1], numbers[2], numbers[3]);
        if (crs.Srid == 4326 && (minX < -180 || maxX > 180 || minY < -90 || maxY > 90))
        {
            throw new WmsException(null, "BBOX", "BBOX lies outside the range of longitude (-180..180) and latitude (-90..90).");
        }

        var width = Size("WIDTH");
        var height = Size("HEIGHT");
        if ((long)width * height > MaxArea)
        {
            throw new WmsException(null, "WIDTH", $"A map of {width} x {height} pixels is too large; at most {MaxArea} pixels in all.");
        }

        return new MapView(minX, minY, maxX, maxY, crs.Srid, width, height);
    }

    /// <summary>The WMS 1.3.0 CRS names: CRS:84 (longitude first) and EPSG codes in their authority's axis order.</summary>
    public static CoordinateReferenceSystem Crs(string value, string parameter = "CRS")
    {
        if (value.Trim().Equals("CRS:84", StringComparison.OrdinalIgnoreCase))
        {
            return CoordinateReferenceSystem.Crs84;
        }

        try
        {
            return CoordinateReferenceSystem.Parse(value, parameter);
        }
        catch (InvalidParameterException)
        {
            throw new WmsException(parameter == "SRS" ? "InvalidSRS" : "InvalidCRS", parameter, $"{WmsException.Quote(value)} is not offered; use CRS:84, EPSG:4326, EPSG:3857 or EPSG:2007.");
        }
    }

    private int Size(string name)
    {
        var text = Required(name);
        return int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var size) && size is >= 1 and <= MaxSize
            ? size
            : throw new WmsException(null, name, $"{name} must be a whole number of pixels from 1 to {MaxSize}, not {WmsException.Quote(text)}.");
    }

    public MapImageFormat Format()
    {
        var format = Required("FORMAT").Trim();
        return format.ToLowerInvariant() switch
        {
            "image/png" => MapImageFormat.Png,
            "image/jpeg" => MapImageFormat.Jpeg,
            _ => throw new WmsException("InvalidFormat", "FORMAT", $"{WmsException.Quote(format)} is not offered; use image/png or image/jpeg."),
        };
    }

    public bool Transparent() => this["TRANSPARENT"]?.Trim().ToUpperInvariant() switch
    {
        null or "" or "FALSE" => false,
        "TRUE" => true,
        var other => throw new WmsException(null, "TRANSPARENT", $"TRANSPARENT is TRUE or FALSE, not {WmsException.Quote(other)}."),
    };

    public SKColor Background()
    {
        var text = this["BGCOLOR"]?.Trim();
        if (string.IsNullOrEmpty(text))
        {
            return SKColors.White;
        }

        return text.Length == 8 && text.StartsWith("0x", StringComparison.OrdinalIgnoreCase) &&
               uint.TryParse(text.AsSpan(2), NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out var rgb)
            ? new SKColor((byte)(rgb >> 16), (byte)(rgb >> 8), (byte)rgb)
            : throw new WmsException(null, "BGCOLOR", $"BGCOLOR is a hexadecimal 0xRRGGBB colour, not {WmsException.Quote(text)}.");
    }

    /// <summary>TIME for versioned layers: an ISO 8601 date or date-time, or <c>current</c>; null for today's fabric.</summary>
    public DateTimeOffset? Time()
    {
        var text = this["TIME"]?.Trim();
        if (string.IsNullOrEmpty(text) || text.Equals("current", StringComparison.OrdinalIgnoreCase))
        {
            return null;
        }

        if (DateOnly.TryParseExact(text, "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out var day))
        {
            // A date alone means the fabric at the end of that day, as the parcel API reads asOf.
            return new DateTimeOffset(day.ToDateTime(TimeOnly.MaxValue), TimeSpan.Zero);
        }

        if (DateTimeOffset.TryParseExact(text, ["yyyy-MM-dd'T'HH:mm:ssK", "yyyy-MM-dd'T'HH:mm:ss.FFFFFFFK", "yyyy-MM-dd'T'HH:mmK"],
                CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var instant) && instant.Year >= 1900)
        {
            return instant.ToUniversalTime();
        }

        throw new WmsException("InvalidDimensionValue", "TIME",
            $"TIME is an ISO 8601 date (2024-05-01) or date-time with zone (2024-05-01T10:00:00Z), or 'current', not {WmsException.Quote(text)}.");
    }

    /// <summary>Checks VERSION when given: this service speaks 1.3.0 and 1.1.1 (GetCapabilities negotiates instead).</summary>
    public void RequireVersion()
    {
        if (this["VERSION"] is { Length: > 0 } version && version.Trim() is not ("1.3.0" or "1.1.1"))
        {
            throw new WmsException(null, "VERSION", $"This service speaks WMS 1.3.0 and 1.1.1, not {WmsException.Quote(version)}.");
        }
    }

    /// <summary>
    /// The capabilities version to answer (WMS 1.3.0, 6.2.4): 1.3.0 when none or a later one is asked, 1.1.1 for any
    /// earlier one (it is the lowest this service speaks).
    /// </summary>
    public bool NegotiatesVersion111()
    {
        var asked = this["VERSION"]?.Trim();
        return !string.IsNullOrEmpty(asked) && Version.TryParse(asked, out var version) && version < new Version(1, 3, 0);
    }

    public MapImageRequest MapRequest() =>
        new(Layers(), View(), Format(), Transparent(), Background(), Time());
}
