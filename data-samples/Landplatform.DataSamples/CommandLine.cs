using System.Globalization;

namespace Landplatform.DataSamples;

internal sealed class CommandLineException(string message) : Exception(message);

/// <summary>Parses `lp-datagen generate --parcels N [--seed S] [--out DIR] [--island PATH]`.</summary>
internal static class CommandLine
{
    public const int MinimumParcels = 100;
    public const int MaximumParcels = 5_000_000;
    public const int DefaultParcels = 20_000;

    public const string Usage = """
        lp-datagen - deterministic synthetic cadastral parcel fabric for Saint Vincent (EPSG:2007)

        Usage:
          lp-datagen generate [--parcels N] [--seed S] [--out DIR] [--island PATH]
          lp-datagen --help

        Options:
          --parcels N    parcels to generate, 100..5000000 (default 20000; the result is within 10%)
          --seed S       integer seed (default 1); the same seed gives byte-identical files
          --out DIR      output directory (default data-samples/generated/<N>, relative to the current directory)
          --island PATH  island outline GeoJSON in EPSG:2007 (default: island/saint-vincent-2007.geojson next to the program)

        Writes districts.csv, blocks.csv, roads.csv, parcels.csv, buildings.csv, hazards.csv, parties.csv,
        ownership.csv and manifest.json. Progress goes to stderr, the summary to stdout.
        Exit codes: 0 success, 2 bad arguments, 1 failure.

        """;

    /// <summary>Null when help was asked for.</summary>
    public static GenerateRequest? Parse(IReadOnlyList<string> args)
    {
        if (args.Count == 0)
        {
            throw new CommandLineException("missing command; expected 'generate'.");
        }

        if (IsHelp(args[0]))
        {
            return null;
        }

        if (!string.Equals(args[0], "generate", StringComparison.Ordinal))
        {
            throw new CommandLineException($"unknown command '{args[0]}'; expected 'generate'.");
        }

        var parcels = DefaultParcels;
        var seed = 1L;
        string? output = null;
        string? island = null;
        for (var i = 1; i < args.Count; i++)
        {
            var option = args[i];
            if (IsHelp(option))
            {
                return null;
            }

            var value = i + 1 < args.Count ? args[i + 1] : throw new CommandLineException($"option {option} needs a value.");
            switch (option)
            {
                case "--parcels":
                    if (!int.TryParse(value, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out parcels))
                    {
                        throw new CommandLineException($"--parcels must be an integer between {MinimumParcels} and {MaximumParcels}, got '{value}'.");
                    }

                    if (parcels is < MinimumParcels or > MaximumParcels)
                    {
                        throw new CommandLineException($"--parcels must be between {MinimumParcels} and {MaximumParcels}, got {parcels}.");
                    }

                    break;
                case "--seed":
                    if (!long.TryParse(value, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out seed))
                    {
                        throw new CommandLineException($"--seed must be an integer, got '{value}'.");
                    }

                    break;
                case "--out":
                    output = value;
                    break;
                case "--island":
                    island = value;
                    break;
                default:
                    throw new CommandLineException($"unknown option '{option}'.");
            }

            i++;
        }

        output ??= Path.Combine("data-samples", "generated", parcels.ToString(CultureInfo.InvariantCulture));
        island ??= Path.Combine(AppContext.BaseDirectory, "island", "saint-vincent-2007.geojson");
        if (!File.Exists(island))
        {
            throw new CommandLineException($"island outline '{island}' does not exist.");
        }

        return new GenerateRequest(parcels, seed, Path.GetFullPath(output), Path.GetFullPath(island));
    }

    private static bool IsHelp(string argument) => argument is "--help" or "-h" or "help";
}
