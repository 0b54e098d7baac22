using System.Text.Json;

namespace Landplatform.GisServer.Ogc;

/// <summary>The value type of a feature property, as OGC services describe it.</summary>
public enum PropertyType
{
    String,
    Integer,
    Number,
    DateTime,
}

/// <summary>A property a collection publishes: its public name and the column it reads (from the allow-list only).</summary>
public sealed record FeatureProperty(string Name, string Column, PropertyType Type, string Title)
{
    /// <summary>The name as JSON writes it, escaped once rather than for every feature.</summary>
    public JsonEncodedText JsonName { get; } = JsonEncodedText.Encode(Name);
}

/// <summary>
/// A collection the OGC services publish. Table, column and filter SQL come only from here, never from
/// a request: a request names a collection or property, and unknown names are refused.
/// </summary>
/// <param name="Id">The collection id in URLs and type names, e.g. <c>parcels</c>.</param>
/// <param name="Table">Schema-qualified table.</param>
/// <param name="IdColumn">The column that identifies a feature (text or bigint).</param>
/// <param name="GeometryColumn">The geometry column, stored in EPSG:2007.</param>
/// <param name="GeometryType">The OGC geometry type name, e.g. <c>MultiPolygon</c>.</param>
/// <param name="CurrentFilter">SQL that keeps the features in force today (also used when no datetime is asked).</param>
/// <param name="ValidFrom">For versioned collections, the column where a version starts; null otherwise.</param>
/// <param name="ValidTo">For versioned collections, the column where a version ends (null while in force).</param>
public sealed record FeatureCollectionDefinition(
    string Id,
    string Title,
    string Description,
    string Table,
    string IdColumn,
    bool IdIsNumeric,
    string GeometryColumn,
    string GeometryType,
    IReadOnlyList<FeatureProperty> Properties,
    string CurrentFilter,
    string? ValidFrom,
    string? ValidTo)
{
    public bool IsTemporal => ValidFrom is not null;

    public FeatureProperty? FindProperty(string name) =>
        Properties.FirstOrDefault(p => p.Name.Equals(name, StringComparison.Ordinal));
}

/// <summary>Every collection the OGC services (Features, WFS, WMS, tiles) publish, and nothing else.</summary>
public static class FeatureCatalog
{
    private static readonly FeatureProperty[] HazardProperties =
    [
        new("hazard", "hazard", PropertyType.String, "Hazard"),
        new("level", "level", PropertyType.String, "Susceptibility level (low, medium, high)"),
    ];

    public static IReadOnlyList<FeatureCollectionDefinition> All { get; } =
    [
        new("parcels", "Parcels", "The cadastral parcel fabric: current parcels, or the fabric as of a date (datetime).",
            "cadastre.parcel_versions", "upi", false, "boundary", "MultiPolygon",
            [
                new("upi", "upi", PropertyType.String, "Unique parcel identifier"),
                new("version", "version", PropertyType.Integer, "Version of the parcel"),
                new("status", "status", PropertyType.String, "current, historic or pending"),
                new("land_use", "land_use", PropertyType.String, "Land use"),
                new("address", "address", PropertyType.String, "Address"),
                new("district", "district_code", PropertyType.String, "District code"),
                new("block", "block_code", PropertyType.String, "Block code"),
                new("official_area", "official_area", PropertyType.Number, "Surveyed area (m²)"),
                new("computed_area", "computed_area", PropertyType.Number, "Area computed from the boundary (m²)"),
                new("valid_from", "valid_from", PropertyType.DateTime, "Start of this version"),
                new("valid_to", "valid_to", PropertyType.DateTime, "End of this version"),
            ],
            "status = 'current'", "valid_from", "valid_to"),
        new("buildings", "Buildings", "Building footprints, each on one parcel.",
            "cadastre.buildings", "id", true, "footprint", "Polygon",
            [
                new("upi", "upi", PropertyType.String, "Parcel the building stands on"),
                new("use", "use", PropertyType.String, "Use"),
                new("storeys", "storeys", PropertyType.Integer, "Storeys"),
            ],
            "true", null, null),
        new("roads", "Road reserves", "Land reserved for roads, between blocks.",
            "cadastre.road_reserves", "id", true, "boundary", "MultiPolygon",
            [
                new("name", "name", PropertyType.String, "Road name"),
                new("road_class", "road_class", PropertyType.String, "primary, secondary or local"),
            ],
            "true", null, null),
        new("flood-zones", "Flood zones", "Coastal and river flood susceptibility.",
            "cadastre.hazard_zones", "id", true, "boundary", "MultiPolygon", HazardProperties,
            "hazard IN ('flood_coastal', 'flood_river')", null, null),
        new("landslide-zones", "Landslide susceptibility", "Landslide susceptibility zones.",
            "cadastre.hazard_zones", "id", true, "boundary", "MultiPolygon", HazardProperties,
            "hazard = 'landslide'", null, null),
        new("storm-surge-zones", "Storm surge zones", "Storm surge inundation zones.",
            "cadastre.hazard_zones", "id", true, "boundary", "MultiPolygon", HazardProperties,
            "hazard = 'storm_surge'", null, null),
        new("districts", "Districts", "Administrative districts (parishes).",
            "cadastre.districts", "code", false, "boundary", "MultiPolygon",
            [new("code", "code", PropertyType.String, "District code"), new("name", "name", PropertyType.String, "District name")],
            "true", null, null),
        new("blocks", "Blocks", "Blocks of parcels between road reserves.",
            "cadastre.blocks", "code", false, "boundary", "MultiPolygon",
            [new("code", "code", PropertyType.String, "Block code"), new("district", "district_code", PropertyType.String, "District code")],
            "true", null, null),
    ];

    public static FeatureCollectionDefinition? Find(string id) =>
        All.FirstOrDefault(c => c.Id.Equals(id, StringComparison.Ordinal));
}
