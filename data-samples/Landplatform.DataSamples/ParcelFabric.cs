using System.Globalization;
using System.Security.Cryptography;
using System.Text.Json;

namespace Landplatform.DataSamples;

internal sealed record GenerateRequest(int Parcels, long Seed, string OutputDirectory, string IslandPath);

internal sealed record FabricSummary(
    int Copies,
    double GridSpacing,
    long Districts,
    long Blocks,
    long Parcels,
    long Roads,
    long Buildings,
    long Hazards,
    long Parties,
    long Ownership);

/// <summary>Generates the whole synthetic cadastral fabric for a request and writes it with its manifest.</summary>
internal sealed class ParcelFabric(GenerateRequest request, SurveyProgress progress)
{
    public const string GeneratorVersion = "2";

    // Roads take about a quarter of the land, so 325 m2 gross keeps the mean lot at 250 m2 or more before the island is repeated.
    private const double SmallestGrossAreaPerLot = 325;
    private const double CopyShift = 40_000;
    private const int LotsPerCell = 10;

    public FabricSummary Generate()
    {
        var seed = unchecked((ulong)request.Seed);
        var geometry = new SurveyGeometry();
        progress.Phase($"reading island outline {request.IslandPath}");
        var island = IslandOutline.Read(request.IslandPath, geometry.Factory);
        var landscape = new Landscape(island);
        var copies = Math.Max(1, (int)Math.Ceiling(request.Parcels * SmallestGrossAreaPerLot / island.Area));
        var spacing = Math.Sqrt(island.Area * copies / request.Parcels * LotsPerCell);
        progress.Phase(string.Create(CultureInfo.InvariantCulture,
            $"island {island.Area / 1e6:0.0} km2, {copies} cop{(copies == 1 ? "y" : "ies")}, road grid spacing {spacing:0} m"));

        var layouts = new List<CopyLayout>(copies);
        for (var copy = 0; copy < copies; copy++)
        {
            progress.Phase(string.Create(CultureInfo.InvariantCulture, $"copy {copy + 1}: laying out the road grid"));
            layouts.Add(CopyLayout.Lay(copy, island, spacing, seed, landscape, geometry, CopyShift));
        }

        var scale = Calibrate(layouts, request.Parcels, geometry);
        progress.Phase(string.Create(CultureInfo.InvariantCulture, $"typical lot area {scale:0} m2 (before local weighting)"));

        Directory.CreateDirectory(request.OutputDirectory);
        FabricSummary summary;
        using (var tables = new FabricTables(request.OutputDirectory))
        {
            var parties = new PartyRegister(tables.Parties, seed, request.Parcels);
            var context = new SurveyContext(
                seed,
                request.Parcels,
                geometry,
                landscape,
                tables,
                new RoadRegister(tables.Roads, geometry),
                new BuildingSiting(tables.Buildings, geometry.Factory),
                new OwnershipRegister(tables.Ownership, parties, seed),
                new HazardMapping(tables.Hazards, geometry),
                progress);
            for (var copy = 0; copy < copies; copy++)
            {
                new CopySurvey(layouts[copy], context).Survey();
            }

            summary = new FabricSummary(
                copies,
                spacing,
                tables.Districts.Rows,
                tables.Blocks.Rows,
                tables.Parcels.Rows,
                tables.Roads.Rows,
                tables.Buildings.Rows,
                tables.Hazards.Rows,
                tables.Parties.Rows,
                tables.Ownership.Rows);
        }

        progress.Phase("manifest");
        WriteManifest(summary);
        return summary;
    }

    /// <summary>Finds the typical lot area whose exact lot count meets the request and fixes the lot counts at it.</summary>
    private double Calibrate(IReadOnlyList<CopyLayout> layouts, int parcels, SurveyGeometry geometry)
    {
        var target = (double)parcels;
        var best = 0.0;
        var bestMiss = long.MaxValue;
        for (var round = 0; round < 8; round++)
        {
            var scale = SolveEstimate(layouts, target);
            foreach (var layout in layouts)
            {
                layout.FixLotCounts(scale);
            }

            var exact = layouts.Sum(l => l.ExactLots(geometry));
            progress.Phase(string.Create(CultureInfo.InvariantCulture, $"calibration round {round + 1}: typical lot {scale:0} m2 gives {exact} lots"));
            var miss = Math.Abs(exact - parcels);
            if (miss < bestMiss)
            {
                best = scale;
                bestMiss = miss;
            }

            if (miss <= parcels / 100)
            {
                break;
            }

            // The pro-rata estimate misses pieces made where boundaries cut lots; aim it off by the observed ratio.
            target *= (double)parcels / Math.Max(1, exact);
        }

        foreach (var layout in layouts)
        {
            layout.FixLotCounts(best);
        }

        return best;
    }

    /// <summary>The typical lot area at which the pro-rata estimate equals the target (bisection on a log scale).</summary>
    private static double SolveEstimate(IReadOnlyList<CopyLayout> layouts, double parcels)
    {
        var low = Math.Log(1);
        var high = Math.Log(1e9);
        for (var step = 0; step < 80; step++)
        {
            var middle = (low + high) / 2;
            var expected = layouts.Sum(l => l.ExpectedLots(Math.Exp(middle)));
            if (expected > parcels)
            {
                low = middle;
            }
            else
            {
                high = middle;
            }
        }

        return Math.Exp((low + high) / 2);
    }

    private void WriteManifest(FabricSummary summary)
    {
        var files = new[] { "blocks.csv", "buildings.csv", "districts.csv", "hazards.csv", "ownership.csv", "parcels.csv", "parties.csv", "roads.csv" };
        var path = Path.Combine(request.OutputDirectory, "manifest.json");
        using var stream = File.Create(path);
        using (var json = new Utf8JsonWriter(stream, new JsonWriterOptions { Indented = true }))
        {
            json.WriteStartObject();
            json.WriteString("generator", "lp-datagen");
            json.WriteString("generatorVersion", GeneratorVersion);
            json.WriteNumber("seed", request.Seed);
            json.WriteNumber("parcelsRequested", request.Parcels);
            json.WriteNumber("srid", 2007);
            json.WriteStartObject("counts");
            json.WriteNumber("districts", summary.Districts);
            json.WriteNumber("blocks", summary.Blocks);
            json.WriteNumber("parcels", summary.Parcels);
            json.WriteNumber("roads", summary.Roads);
            json.WriteNumber("buildings", summary.Buildings);
            json.WriteNumber("hazards", summary.Hazards);
            json.WriteNumber("parties", summary.Parties);
            json.WriteNumber("ownership", summary.Ownership);
            json.WriteEndObject();
            json.WriteStartObject("files");
            foreach (var file in files)
            {
                using var content = File.OpenRead(Path.Combine(request.OutputDirectory, file));
                json.WriteString(file, Convert.ToHexStringLower(SHA256.HashData(content)));
            }

            json.WriteEndObject();
            json.WriteEndObject();
        }

        stream.WriteByte((byte)'\n');
    }
}
