using Landplatform.Cadastre.Contracts;
using Landplatform.Tiles.Cache;
using Landplatform.Tiles.Vector;

namespace Landplatform.Tiles.Raster;

/// <summary>PNG tiles drawn by the host's renderer, kept in the shared cache (invalidated like vector tiles).</summary>
public sealed class RasterTiles(IRasterTileRenderer renderer, TileCache cache)
{
    public const string Format = "png";
    public const string MediaType = "image/png";
    public const int Size = 256;

    public IRasterTileRenderer Renderer => renderer;

    /// <summary>The PNG tile of a layer in a style (empty: the default style).</summary>
    public Task<TileContent> GetAsync(string layer, string style, string styleParameter, TileAddress tile, DateTimeOffset? asOf, CancellationToken ct)
    {
        if (!renderer.Styles.TryGetValue(layer, out var styles))
        {
            throw new ResourceNotFoundException("tile-layer-unknown", $"No raster tile layer '{layer}'. Layers: {string.Join(", ", renderer.Styles.Keys)}.");
        }

        var chosen = string.IsNullOrEmpty(style) || style == "default" ? styles[0] : style;
        if (!styles.Contains(chosen, StringComparer.Ordinal))
        {
            throw new InvalidParameterException(styleParameter, "style-unknown", $"Layer {layer} has the styles {string.Join(", ", styles)}; not '{style}'.");
        }

        var temporal = TileLayers.Find(layer) is { IsTemporal: true };
        var instant = temporal ? asOf : null;
        var variant = chosen + (instant is { } i ? "|asof:" + i.UtcDateTime.ToString("O", System.Globalization.CultureInfo.InvariantCulture) : string.Empty);
        return cache.GetOrRenderAsync(new TileKey(layer, Format, variant, tile),
            c => renderer.RenderPngAsync(layer, chosen, tile.MinX, tile.MinY, tile.MaxX, tile.MaxY, Size, instant, c), ct);
    }
}
