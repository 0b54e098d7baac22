using System.Globalization;
using Landplatform.Cadastre.Contracts;
using Landplatform.Tiles.Vector;

namespace Landplatform.GisServer;

/// <summary>
/// <c>tiles seed --layer L --zoom 10-16 [--bbox minlon,minlat,maxlon,maxlat]</c> fills the tile cache with a
/// progress line; <c>tiles sql --layer L --tile z/x/y</c> prints the exact query a tile is made with (the
/// benchmark runs it raw).
/// </summary>
internal static class TileCommands
{
    public const string Usage = "usage: tiles seed --layer L --zoom FROM-TO [--bbox minlon,minlat,maxlon,maxlat] | tiles sql --layer L --tile Z/X/Y";

    public static async Task<int> RunAsync(IServiceProvider services, string[] args, CancellationToken ct)
    {
        var options = Options(args[1..]);
        try
        {
            var layer = TileLayers.Get(options.GetValueOrDefault("layer") ?? throw new InvalidParameterException("--layer", "required", "--layer is required."));
            switch (args[0])
            {
                case "seed":
                    var (from, to) = Zooms(options.GetValueOrDefault("zoom") ?? throw new InvalidParameterException("--zoom", "required", "--zoom FROM-TO is required."));
                    var box = options.TryGetValue("bbox", out var b) ? Box(b) : null;
                    var done = await services.GetRequiredService<TileSeeder>().SeedAsync(layer, from, to, box, new Progress<SeedProgress>(Show), ct);
                    Console.Error.WriteLine();
                    Console.WriteLine($"seeded {layer.Id} z{from}-{to}: {done.Done} tiles ({done.Rendered} rendered, {done.Done - done.Rendered} already fresh) in {done.Elapsed.TotalSeconds:0.0} s");
                    return 0;
                case "sql":
                    var parts = (options.GetValueOrDefault("tile") ?? throw new InvalidParameterException("--tile", "required", "--tile Z/X/Y is required.")).Split('/');
                    if (parts.Length != 3)
                    {
                        throw new InvalidParameterException("--tile", "tile-format", "--tile is Z/X/Y.");
                    }

                    var tile = TileAddress.Parse(parts[0], parts[1], parts[2], ("z", "x", "y"));
                    var query = VectorTileSql.Build(layer, tile, null) ?? throw new InvalidParameterException("--tile", "tile-range", $"{layer.Id} starts at zoom {layer.MinZoom}.");
                    Console.WriteLine(VectorTileSql.Inline(query.Sql, query.Parameters).ReplaceLineEndings(" ") + ";");
                    return 0;
                default:
                    Console.Error.WriteLine(Usage);
                    return 2;
            }
        }
        catch (RequestRejectedException e)
        {
            Console.Error.WriteLine($"tiles: {e.Message}");
            Console.Error.WriteLine(Usage);
            return 2;
        }
    }

    private static void Show(SeedProgress p)
    {
        const int width = 30;
        var share = p.Total == 0 ? 1 : (double)p.Done / p.Total;
        var bar = new string('#', (int)(share * width)).PadRight(width, '.');
        var rate = p.Elapsed.TotalSeconds > 0 ? p.Done / p.Elapsed.TotalSeconds : 0;
        Console.Error.Write($"\r  [{bar}] {share,6:P1}  {p.Done}/{p.Total} tiles  zoom {p.Zoom}  {p.Rendered} rendered  {rate:0} tiles/s  ");
    }

    private static Dictionary<string, string> Options(string[] args)
    {
        var options = new Dictionary<string, string>(StringComparer.Ordinal);
        for (var i = 0; i < args.Length; i++)
        {
            if (!args[i].StartsWith("--", StringComparison.Ordinal) || i + 1 >= args.Length)
            {
                throw new InvalidParameterException(args[i], "option-format", $"Expected --name value, got '{args[i]}'.");
            }

            options[args[i][2..]] = args[++i];
        }

        return options;
    }

    private static (int From, int To) Zooms(string text)
    {
        var parts = text.Split('-');
        if (parts.Length is < 1 or > 2 || !parts.All(p => int.TryParse(p, NumberStyles.None, CultureInfo.InvariantCulture, out var z) && z <= TileLayers.MaxZoom))
        {
            throw new InvalidParameterException("--zoom", "zoom-range", $"--zoom is FROM-TO, each 0-{TileLayers.MaxZoom}; it was '{text}'.");
        }

        var from = int.Parse(parts[0], CultureInfo.InvariantCulture);
        var to = int.Parse(parts[^1], CultureInfo.InvariantCulture);
        return from <= to ? (from, to) : throw new InvalidParameterException("--zoom", "zoom-range", "--zoom FROM must not exceed TO.");
    }

    private static double[] Box(string text)
    {
        var values = text.Split(',').Select(v => double.TryParse(v, NumberStyles.Float, CultureInfo.InvariantCulture, out var d) ? d : double.NaN).ToArray();
        if (values.Length != 4 || values.Any(double.IsNaN) || values[0] >= values[2] || values[1] >= values[3]
            || values[0] < -180 || values[2] > 180 || values[1] < -85.06 || values[3] > 85.06)
        {
            throw new InvalidParameterException("--bbox", "bbox-format", "--bbox is minlon,minlat,maxlon,maxlat.");
        }

        return values;
    }
}
