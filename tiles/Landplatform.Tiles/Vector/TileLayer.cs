using Landplatform.Cadastre.Contracts.Layers;

namespace Landplatform.Tiles.Vector;

/// <summary>
/// A layer the tile services publish: a tiled layer of the cadastre's one catalog (<see cref="PublishedLayers"/>), so
/// tiles carry the same attribute names and types as the OGC services. Tables, columns and filters come only from
/// there, never from a request: a request names a layer id and unknown ids are refused.
/// </summary>
public sealed record TileLayer(PublishedLayer Published)
{
    public LayerTiling Tiling { get; } = Published.Tiling ?? throw new ArgumentException($"{Published.Id} is not tiled", nameof(Published));

    public string Id => Published.Id;

    public string Title => Published.Title;

    public string Description => Published.Description;

    public string Table => Published.Table;

    public string IdColumn => Published.IdColumn;

    /// <summary>A numeric id becomes the MVT feature id; a text id (a parcel's UPI) is an attribute where the catalog lists it.</summary>
    public bool IdIsNumeric => Published.IdIsNumeric;

    public string GeometryColumn => Published.GeometryColumn;

    public string Filter => Published.CurrentFilter;

    /// <summary>True for parcels: <c>datetime=</c> asks for the fabric as of an instant.</summary>
    public bool IsTemporal => Published.IsTemporal;

    /// <summary>Below this zoom a tile of this layer is empty (the features are too small to see).</summary>
    public int MinZoom => Tiling.MinZoom;

    /// <summary>When set, below zoom 14 features with less than about one screen pixel of area are left out.</summary>
    public string? SmallFeatureArea => Tiling.SmallFeatureArea;

    /// <summary>The attributes a tile at zoom <paramref name="z"/> carries.</summary>
    public IReadOnlyList<LayerAttribute> AttributesAt(int z) => Published.TileAttributesAt(z);

    /// <summary>Every attribute the layer's tiles carry at some zoom, with its type.</summary>
    public IReadOnlyList<LayerAttribute> Attributes => Published.TileAttributes;
}

/// <summary>Every layer the tile services publish, and nothing else: the catalog's tiled layers.</summary>
public static class TileLayers
{
    /// <summary>The deepest zoom served; deeper tiles would only magnify the same geometry.</summary>
    public const int MaxZoom = 22;

    public static IReadOnlyList<TileLayer> All { get; } =
        PublishedLayers.All.Where(l => l.Tiling is not null).Select(l => new TileLayer(l)).ToList();

    public static TileLayer? Find(string id) => All.FirstOrDefault(l => l.Id.Equals(id, StringComparison.Ordinal));

    /// <summary>The layer asked for, or a 404 naming the known layers.</summary>
    public static TileLayer Get(string id) =>
        Find(id) ?? throw new Landplatform.Cadastre.Contracts.ResourceNotFoundException("tile-layer-unknown",
            $"No tile layer '{id}'. Layers: {string.Join(", ", All.Select(l => l.Id))}.");
}
