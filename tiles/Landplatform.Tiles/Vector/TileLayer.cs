namespace Landplatform.Tiles.Vector;

/// <summary>The attributes a layer's tiles carry from a zoom level upwards (coarser zooms carry fewer).</summary>
/// <param name="FromZoom">The first zoom at which these attributes are written.</param>
/// <param name="Columns">Column names from the allow-list; each is written under the same name.</param>
public sealed record TileAttributes(int FromZoom, IReadOnlyList<string> Columns);

/// <summary>
/// A layer the tile services publish. Tables, columns and filters come only from here, never from a
/// request: a request names a layer id and unknown ids are refused. The facts mirror the OGC
/// catalog (gis-server <c>FeatureCatalog</c>), which the tiles module may not reference.
/// </summary>
/// <param name="Id">The layer id in paths, TileJSON and inside the MVT, e.g. <c>parcels</c>.</param>
/// <param name="Table">Schema-qualified table, geometry stored in EPSG:2007.</param>
/// <param name="Filter">SQL that keeps today's features.</param>
/// <param name="IsTemporal">True for parcels: <c>datetime=</c> asks for the fabric as of an instant.</param>
/// <param name="MinZoom">Below this zoom a tile of this layer is empty (the features are too small to see).</param>
/// <param name="SmallFeatureArea">When set, below zoom 14 features with less than about one screen pixel of area are left out.</param>
public sealed record TileLayer(
    string Id,
    string Title,
    string Description,
    string Table,
    string IdColumn,
    string GeometryColumn,
    string Filter,
    bool IsTemporal,
    int MinZoom,
    string? SmallFeatureArea,
    IReadOnlyList<TileAttributes> Attributes)
{
    /// <summary>The columns a tile at zoom <paramref name="z"/> carries.</summary>
    public IReadOnlyList<string> ColumnsAt(int z) =>
        Attributes.Where(a => a.FromZoom <= z).OrderByDescending(a => a.FromZoom).Select(a => a.Columns).FirstOrDefault() ?? [];
}

/// <summary>Every layer the tile services publish, and nothing else.</summary>
public static class TileLayers
{
    /// <summary>The deepest zoom served; deeper tiles would only magnify the same geometry.</summary>
    public const int MaxZoom = 22;

    private static readonly TileAttributes[] HazardAttributes = [new(0, ["hazard", "level"])];

    public static IReadOnlyList<TileLayer> All { get; } =
    [
        new("parcels", "Parcels", "The cadastral parcel fabric: current parcels, or the fabric as of a date (datetime).",
            "cadastre.parcel_versions", "upi", "boundary", "status = 'current'", IsTemporal: true, MinZoom: 10, "computed_area",
            [
                new(10, ["land_use"]),
                new(13, ["upi", "land_use"]),
                new(15, ["upi", "version", "land_use", "address", "district_code", "block_code", "official_area"]),
            ]),
        new("buildings", "Buildings", "Building footprints, each on one parcel.",
            "cadastre.buildings", "id", "footprint", "true", IsTemporal: false, MinZoom: 14, null,
            [new(14, ["use"]), new(16, ["id", "upi", "use", "storeys"])]),
        new("roads", "Road reserves", "Land reserved for roads, between blocks.",
            "cadastre.road_reserves", "id", "boundary", "true", IsTemporal: false, MinZoom: 10, null,
            [new(10, ["road_class"]), new(14, ["name", "road_class"])]),
        new("flood-zones", "Flood zones", "Coastal and river flood susceptibility.",
            "cadastre.hazard_zones", "id", "boundary", "hazard IN ('flood_coastal', 'flood_river')", IsTemporal: false, MinZoom: 0, null, HazardAttributes),
        new("landslide-zones", "Landslide susceptibility", "Landslide susceptibility zones.",
            "cadastre.hazard_zones", "id", "boundary", "hazard = 'landslide'", IsTemporal: false, MinZoom: 0, null, HazardAttributes),
        new("storm-surge-zones", "Storm surge zones", "Storm surge inundation zones.",
            "cadastre.hazard_zones", "id", "boundary", "hazard = 'storm_surge'", IsTemporal: false, MinZoom: 0, null, HazardAttributes),
    ];

    public static TileLayer? Find(string id) => All.FirstOrDefault(l => l.Id.Equals(id, StringComparison.Ordinal));

    /// <summary>The layer asked for, or a 404 naming the known layers.</summary>
    public static TileLayer Get(string id) =>
        Find(id) ?? throw new Landplatform.Cadastre.Contracts.ResourceNotFoundException("tile-layer-unknown",
            $"No tile layer '{id}'. Layers: {string.Join(", ", All.Select(l => l.Id))}.");
}
