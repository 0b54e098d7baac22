using System.Diagnostics;
using Landplatform.Tiles.Cache;

namespace Landplatform.Tiles.Vector;

/// <summary>A report of seeding progress: tiles done of the total, and how many had to be rendered.</summary>
public sealed record SeedProgress(int Zoom, long Done, long Total, long Rendered, TimeSpan Elapsed);

/// <summary>Fills the cache with a layer's vector tiles over a box and zoom range (<c>./lp tiles seed</c>).</summary>
public sealed class TileSeeder(VectorTiles tiles, LayerBounds bounds, TileWriter writer)
{
    /// <param name="box">[west, south, east, north] in longitude/latitude; null for the layer's extent.</param>
    public async Task<SeedProgress> SeedAsync(TileLayer layer, int fromZoom, int toZoom, double[]? box, IProgress<SeedProgress> progress, CancellationToken ct)
    {
        box ??= await bounds.ForAsync(layer, ct) ?? throw new InvalidOperationException($"Layer {layer.Id} is empty: nothing to seed.");
        var (west, south) = TileAddress.FromLonLat(box[0], box[1]);
        var (east, north) = TileAddress.FromLonLat(box[2], box[3]);
        var ranges = Enumerable.Range(fromZoom, toZoom - fromZoom + 1).Select(z => (Z: z, Range: TileAddress.Cover(z, west, south, east, north))).ToList();
        var total = ranges.Sum(r => (long)(r.Range.MaxX - r.Range.MinX + 1) * (r.Range.MaxY - r.Range.MinY + 1));
        var clock = Stopwatch.StartNew();
        long done = 0, rendered = 0;
        var last = TimeSpan.Zero;
        foreach (var (z, (minX, minY, maxX, maxY)) in ranges)
        {
            for (var x = minX; x <= maxX; x++)
            {
                for (var y = minY; y <= maxY; y++)
                {
                    var content = await tiles.GetAsync(layer, new TileAddress(z, x, y), null, ct);
                    done++;
                    rendered += content.FromCache ? 0 : 1;
                    if (done % 256 == 0)
                    {
                        // Tiles are written behind the renders: keep the queue short, and done means written.
                        await writer.FlushAsync(ct);
                    }

                    if (clock.Elapsed - last > TimeSpan.FromMilliseconds(250))
                    {
                        last = clock.Elapsed;
                        progress.Report(new SeedProgress(z, done, total, rendered, clock.Elapsed));
                    }
                }
            }
        }

        await writer.FlushAsync(ct);
        var final = new SeedProgress(toZoom, done, total, rendered, clock.Elapsed);
        progress.Report(final);
        return final;
    }
}
