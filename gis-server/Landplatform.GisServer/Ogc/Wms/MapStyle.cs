using SkiaSharp;

namespace Landplatform.GisServer.Ogc.Wms;

/// <summary>
/// One class of a style: features whose <see cref="MapStyle.ClassProperty"/> equals <see cref="Value"/>
/// (or every feature, when the style has no class property) are drawn with this fill and outline.
/// </summary>
public sealed record StyleClass(string Label, string? Value, SKColor Fill, SKColor Stroke, float StrokeWidth);

/// <summary>A named way to draw a collection: its classes, and the property to label features with.</summary>
/// <param name="LabelProperty">Property written on each feature big enough on screen to hold it; null for no labels.</param>
/// <param name="LabelHalo">True to draw labels over a white halo (names over busy maps).</param>
public sealed record MapStyle(
    string Name,
    string Title,
    string? ClassProperty,
    IReadOnlyList<StyleClass> Classes,
    string? LabelProperty = null,
    float LabelSize = 11,
    SKColor LabelColor = default,
    bool LabelHalo = false)
{
    /// <summary>The properties a renderer must read for this style, by public name.</summary>
    public IReadOnlyList<string> Properties =>
        new[] { ClassProperty, LabelProperty }.OfType<string>().Distinct(StringComparer.Ordinal).ToList();

    /// <summary>The class a feature falls in, or null when its value has no class (it is not drawn).</summary>
    public StyleClass? ClassOf(string? value) =>
        ClassProperty is null ? Classes[0] : Classes.FirstOrDefault(c => string.Equals(c.Value, value, StringComparison.Ordinal));
}

/// <summary>The styles each published collection can be drawn with; the first of each is its default.</summary>
public static class MapStyles
{
    public const string DefaultName = "default";

    /// <summary>Colour of parcel labels: a near-black no outline or fill uses, so a label is easy to tell apart.</summary>
    public static readonly SKColor ParcelLabelColor = new(0x1A, 0x1A, 0x2E);

    private const byte HazardAlpha = 0x80;

    private static readonly Dictionary<string, IReadOnlyList<MapStyle>> ByCollection = new(StringComparer.Ordinal)
    {
        ["parcels"] =
        [
            new(DefaultName, "Parcel boundaries", null,
                [new("Parcel", null, new SKColor(0xF6, 0xEE, 0xDC), new SKColor(0x8C, 0x5A, 0x2B), 1)],
                "upi", 11, ParcelLabelColor),
            new("land-use", "Parcels by land use", "land_use",
                [
                    new("Residential", "residential", new SKColor(0xF4, 0xC2, 0x7A), new SKColor(0x70, 0x70, 0x70), 0.75f),
                    new("Agricultural", "agricultural", new SKColor(0xC9, 0xE2, 0x9A), new SKColor(0x70, 0x70, 0x70), 0.75f),
                    new("Forest", "forest", new SKColor(0x5E, 0x9E, 0x5A), new SKColor(0x70, 0x70, 0x70), 0.75f),
                    new("Conservation", "conservation", new SKColor(0x9C, 0xCF, 0xA0), new SKColor(0x70, 0x70, 0x70), 0.75f),
                    new("Commercial", "commercial", new SKColor(0xE9, 0x8A, 0x7E), new SKColor(0x70, 0x70, 0x70), 0.75f),
                    new("Industrial", "industrial", new SKColor(0xB5, 0x9A, 0xCB), new SKColor(0x70, 0x70, 0x70), 0.75f),
                    new("Institutional", "institutional", new SKColor(0x8D, 0xB5, 0xDE), new SKColor(0x70, 0x70, 0x70), 0.75f),
                ],
                "upi", 11, ParcelLabelColor),
        ],
        ["buildings"] =
        [
            new(DefaultName, "Building footprints", null,
                [new("Building", null, new SKColor(0x9A, 0x8C, 0x84), new SKColor(0x5C, 0x50, 0x48), 0.75f)]),
        ],
        ["roads"] =
        [
            new(DefaultName, "Road reserves by class", "road_class",
                [
                    new("Primary road", "primary", new SKColor(0xF9, 0xC7, 0x4F), new SKColor(0xA0, 0x80, 0x30), 1),
                    new("Secondary road", "secondary", new SKColor(0xFF, 0xE9, 0xA8), new SKColor(0xB0, 0xA0, 0x70), 0.75f),
                    new("Local road", "local", new SKColor(0xFF, 0xFF, 0xFF), new SKColor(0xA8, 0xA8, 0xA8), 0.75f),
                ]),
        ],
        ["flood-zones"] = [Hazard("Flood susceptibility", new(0x9E, 0xCA, 0xE1), new(0x42, 0x92, 0xC6), new(0x08, 0x51, 0x9C))],
        ["landslide-zones"] = [Hazard("Landslide susceptibility", new(0xFD, 0xD4, 0x9E), new(0xFC, 0x8D, 0x59), new(0xD7, 0x30, 0x1F))],
        ["storm-surge-zones"] = [Hazard("Storm surge inundation", new(0xDA, 0xDA, 0xEB), new(0x9E, 0x9A, 0xC8), new(0x6A, 0x51, 0xA3))],
        ["districts"] =
        [
            new(DefaultName, "District boundaries and names", null,
                [new("District", null, SKColors.Transparent, new SKColor(0x6A, 0x3D, 0x9A), 2.5f)],
                "name", 16, new SKColor(0x4A, 0x1D, 0x7A), LabelHalo: true),
        ],
        ["blocks"] =
        [
            new(DefaultName, "Block outlines", null,
                [new("Block", null, SKColors.Transparent, new SKColor(0x55, 0x55, 0x55), 1.25f)]),
        ],
    };

    /// <summary>The styles of a collection, default first (empty for a collection without styles).</summary>
    public static IReadOnlyList<MapStyle> For(string collectionId) =>
        ByCollection.TryGetValue(collectionId, out var styles) ? styles : [];

    /// <summary>A style by name; an empty name is the default. Null when the collection has no such style.</summary>
    public static MapStyle? Find(string collectionId, string name)
    {
        var styles = For(collectionId);
        return name.Length == 0 ? styles.FirstOrDefault() : styles.FirstOrDefault(s => s.Name.Equals(name, StringComparison.Ordinal));
    }

    // Hazards are semi-transparent so the parcels under them stay readable.
    private static MapStyle Hazard(string title, SKColor low, SKColor medium, SKColor high) =>
        new(DefaultName, title + " by level", "level",
            [
                new("Low", "low", low.WithAlpha(HazardAlpha), low, 1),
                new("Medium", "medium", medium.WithAlpha(HazardAlpha), medium, 1),
                new("High", "high", high.WithAlpha(HazardAlpha), high, 1.5f),
            ]);
}
