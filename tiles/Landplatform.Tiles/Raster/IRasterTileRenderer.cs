namespace Landplatform.Tiles.Raster;

/// <summary>
/// Draws a 256×256 PNG of layers over a Web Mercator box. The host implements it with its WMS
/// renderer; the tiles module only caches and serves the result.
/// </summary>
public interface IRasterTileRenderer
{
    /// <summary>The layer ids that can be drawn, each with the style names it knows (the first is the default).</summary>
    IReadOnlyDictionary<string, IReadOnlyList<string>> Styles { get; }

    /// <summary>A PNG of <paramref name="layer"/> in <paramref name="style"/> over the EPSG:3857 box, transparent where nothing is drawn.</summary>
    Task<byte[]> RenderPngAsync(string layer, string style, double minX, double minY, double maxX, double maxY, int size, DateTimeOffset? asOf, CancellationToken ct);
}
