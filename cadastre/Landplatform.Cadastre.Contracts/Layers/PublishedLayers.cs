namespace Landplatform.Cadastre.Contracts.Layers;

/// <summary>The value type of a published attribute, as every service describes it.</summary>
public enum AttributeType
{
    String,
    Integer,
    Number,
    DateTime,
}

/// <summary>
/// An attribute a layer publishes: its one public name (snake_case; the platform's own JSON API writes the same word in
/// camelCase), the column it reads, its type and title, and from which zoom its tiles carry it (null: not in tiles).
/// Only public attributes are listed: nothing about persons is ever published as a layer attribute.
/// </summary>
public sealed record LayerAttribute(string Name, string Column, AttributeType Type, string Title, int? TilesFromZoom = null)
{
    /// <summary>The same word as the platform's JSON API writes it, e.g. <c>official_area</c> → <c>officialArea</c>.</summary>
    public string CamelName { get; } = Camel(Name);

    private static string Camel(string name)
    {
        var parts = name.Split('_');
        return parts[0] + string.Concat(parts.Skip(1).Select(p => p.Length == 0 ? p : char.ToUpperInvariant(p[0]) + p[1..]));
    }
}

/// <summary>How a layer is tiled: the first zoom it appears at, the area column that drops specks at coarse zooms, whether the map shows it at start.</summary>
public sealed record LayerTiling(int MinZoom, string? SmallFeatureArea, bool ShownAtStart);

/// <summary>
/// A layer the platform publishes. Table, columns and filters come only from here, never from a request: a request
/// names a layer or attribute, and unknown names are refused.
/// </summary>
/// <param name="Id">The layer id in every service: OGC collection, WFS type, WMS and WMTS layer, tile layer, portal layer.</param>
/// <param name="Table">Schema-qualified table, geometry stored in EPSG:2007.</param>
/// <param name="IdColumn">The column that identifies a feature (text or bigint).</param>
/// <param name="GeometryType">The OGC geometry type name, e.g. <c>MultiPolygon</c>.</param>
/// <param name="CurrentFilter">SQL that keeps the features in force today (also used when no datetime is asked).</param>
/// <param name="ValidFrom">For versioned layers, the column where a version starts (datetime= asks for an instant); null otherwise.</param>
/// <param name="ValidTo">For versioned layers, the column where a version ends (null while in force).</param>
/// <param name="Tiling">How the tile services and the portal serve it; null when the layer is not tiled (features and maps only).</param>
/// <param name="VersionColumn">For versioned layers, the column numbering one feature's versions (unique with the id, indexed with it): paging orders by both.</param>
public sealed record PublishedLayer(
    string Id,
    string Title,
    string Description,
    string Table,
    string IdColumn,
    bool IdIsNumeric,
    string GeometryColumn,
    string GeometryType,
    IReadOnlyList<LayerAttribute> Attributes,
    string CurrentFilter,
    string? ValidFrom,
    string? ValidTo,
    LayerTiling? Tiling,
    string? VersionColumn = null)
{
    public bool IsTemporal => ValidFrom is not null;

    public LayerAttribute? FindAttribute(string name) => Attributes.FirstOrDefault(a => a.Name.Equals(name, StringComparison.Ordinal));

    /// <summary>The attributes a tile at zoom <paramref name="z"/> carries (coarser zooms carry fewer).</summary>
    public IReadOnlyList<LayerAttribute> TileAttributesAt(int z) => Attributes.Where(a => a.TilesFromZoom <= z).ToList();

    /// <summary>Every attribute the tiles carry at some zoom.</summary>
    public IReadOnlyList<LayerAttribute> TileAttributes { get; } = Attributes.Where(a => a.TilesFromZoom is not null).ToList();
}

/// <summary>
/// The one catalog of published layers: OGC API Features, WFS, WMS, vector and raster tiles, WMTS and the portal all read
/// it, so a layer or attribute is published by adding it here. The cadastre owns these tables and publishes this list.
/// </summary>
public static class PublishedLayers
{
    private static readonly LayerAttribute[] HazardAttributes =
    [
        new("hazard", "hazard", AttributeType.String, "Hazard", TilesFromZoom: 0),
        new("level", "level", AttributeType.String, "Susceptibility level (low, medium, high)", TilesFromZoom: 0),
    ];

    public static IReadOnlyList<PublishedLayer> All { get; } =
    [
        new("parcels", "Parcels", "The cadastral parcel fabric: current parcels, or the fabric as of a date (datetime).",
            "cadastre.parcel_versions", "upi", false, "boundary", "MultiPolygon",
            [
                new("upi", "upi", AttributeType.String, "Unique parcel identifier", TilesFromZoom: 13),
                new("version", "version", AttributeType.Integer, "Version of the parcel", TilesFromZoom: 15),
                new("status", "status", AttributeType.String, "current, historic or pending"),
                new("land_use", "land_use", AttributeType.String, "Land use", TilesFromZoom: 10),
                new("address", "address", AttributeType.String, "Address", TilesFromZoom: 15),
                new("district", "district_code", AttributeType.String, "District code", TilesFromZoom: 15),
                new("block", "block_code", AttributeType.String, "Block code", TilesFromZoom: 15),
                new("official_area", "official_area", AttributeType.Number, "Surveyed area (m²)", TilesFromZoom: 15),
                new("computed_area", "computed_area", AttributeType.Number, "Area computed from the boundary (m²)"),
                new("valid_from", "valid_from", AttributeType.DateTime, "Start of this version"),
                new("valid_to", "valid_to", AttributeType.DateTime, "End of this version"),
            ],
            "status = 'current'", "valid_from", "valid_to", new LayerTiling(10, "computed_area", ShownAtStart: true), VersionColumn: "version"),
        new("buildings", "Buildings", "Building footprints, each on one parcel.",
            "cadastre.buildings", "id", true, "footprint", "Polygon",
            [
                new("upi", "upi", AttributeType.String, "Parcel the building stands on", TilesFromZoom: 16),
                new("use", "use", AttributeType.String, "Use", TilesFromZoom: 14),
                new("storeys", "storeys", AttributeType.Integer, "Storeys", TilesFromZoom: 16),
            ],
            "true", null, null, new LayerTiling(14, null, ShownAtStart: true)),
        new("roads", "Road reserves", "Land reserved for roads, between blocks.",
            "cadastre.road_reserves", "id", true, "boundary", "MultiPolygon",
            [
                new("name", "name", AttributeType.String, "Road name", TilesFromZoom: 14),
                new("road_class", "road_class", AttributeType.String, "primary, secondary or local", TilesFromZoom: 10),
            ],
            "true", null, null, new LayerTiling(10, null, ShownAtStart: true)),
        new("flood-zones", "Flood zones", "Coastal and river flood susceptibility.",
            "cadastre.hazard_zones", "id", true, "boundary", "MultiPolygon", HazardAttributes,
            "hazard IN ('flood_coastal', 'flood_river')", null, null, new LayerTiling(0, null, ShownAtStart: false)),
        new("landslide-zones", "Landslide susceptibility", "Landslide susceptibility zones.",
            "cadastre.hazard_zones", "id", true, "boundary", "MultiPolygon", HazardAttributes,
            "hazard = 'landslide'", null, null, new LayerTiling(0, null, ShownAtStart: false)),
        new("storm-surge-zones", "Storm surge zones", "Storm surge inundation zones.",
            "cadastre.hazard_zones", "id", true, "boundary", "MultiPolygon", HazardAttributes,
            "hazard = 'storm_surge'", null, null, new LayerTiling(0, null, ShownAtStart: false)),
        new("districts", "Districts", "Administrative districts (parishes).",
            "cadastre.districts", "code", false, "boundary", "MultiPolygon",
            [new("code", "code", AttributeType.String, "District code"), new("name", "name", AttributeType.String, "District name")],
            "true", null, null, null),
        new("blocks", "Blocks", "Blocks of parcels between road reserves.",
            "cadastre.blocks", "code", false, "boundary", "MultiPolygon",
            [new("code", "code", AttributeType.String, "Block code"), new("district", "district_code", AttributeType.String, "District code")],
            "true", null, null, null),
    ];

    public static PublishedLayer? Find(string id) => All.FirstOrDefault(l => l.Id.Equals(id, StringComparison.Ordinal));
}
