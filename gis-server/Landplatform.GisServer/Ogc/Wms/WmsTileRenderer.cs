using Landplatform.Tiles.Raster;
using SkiaSharp;

namespace Landplatform.GisServer.Ogc.Wms;

/// <summary>Raster tiles for the tiles module, drawn by the WMS renderer: one layer, one style, a 3857 box.</summary>
public sealed class WmsTileRenderer(MapRenderer renderer) : IRasterTileRenderer
{
    public IReadOnlyDictionary<string, IReadOnlyList<string>> Styles { get; } = FeatureCatalog.All
        .Where(c => MapStyles.For(c.Id).Count > 0)
        .ToDictionary(c => c.Id, c => (IReadOnlyList<string>)MapStyles.For(c.Id).Select(s => s.Name).ToList(), StringComparer.Ordinal);

    public async Task<byte[]> RenderPngAsync(string layer, string style, double minX, double minY, double maxX, double maxY, int size, DateTimeOffset? asOf, CancellationToken ct)
    {
        var collection = FeatureCatalog.Find(layer) ?? throw new ArgumentException($"No collection {layer}", nameof(layer));
        var mapStyle = MapStyles.Find(layer, style) ?? throw new ArgumentException($"No style {style} for {layer}", nameof(style));
        var request = new MapImageRequest([new MapLayer(collection, mapStyle)], new MapView(minX, minY, maxX, maxY, 3857, size, size),
            MapImageFormat.Png, Transparent: true, SKColors.White, asOf);
        using var data = await renderer.RenderToDataAsync(request, ct);
        return data.ToArray();
    }
}
