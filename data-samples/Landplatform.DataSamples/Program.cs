using System.Globalization;

namespace Landplatform.DataSamples;

internal static class Program
{
    public static int Main(string[] args)
    {
        GenerateRequest? request;
        try
        {
            request = CommandLine.Parse(args);
        }
        catch (CommandLineException problem)
        {
            Console.Error.WriteLine($"lp-datagen: {problem.Message}");
            Console.Error.WriteLine("Run 'lp-datagen --help' for usage.");
            return 2;
        }

        if (request is null)
        {
            Console.Out.Write(CommandLine.Usage);
            return 0;
        }

        var progress = new SurveyProgress(Console.Error);
        try
        {
            var summary = new ParcelFabric(request, progress).Generate();
            var seconds = progress.Seconds;
            Console.Out.WriteLine(string.Create(CultureInfo.InvariantCulture, $"""
                lp-datagen: generated {summary.Parcels} parcels ({request.Parcels} requested, seed {request.Seed}) in {seconds:0.0} s
                  output     {request.OutputDirectory}
                  copies     {summary.Copies} (road grid spacing {summary.GridSpacing:0} m)
                  districts  {summary.Districts}
                  blocks     {summary.Blocks}
                  parcels    {summary.Parcels}
                  roads      {summary.Roads}
                  buildings  {summary.Buildings}
                  hazards    {summary.Hazards}
                  parties    {summary.Parties}
                  ownership  {summary.Ownership}
                """));
            return 0;
        }
        catch (Exception failure) when (failure is IOException or InvalidDataException or UnauthorizedAccessException or System.Text.Json.JsonException)
        {
            Console.Error.WriteLine($"lp-datagen: {failure.Message}");
            return 1;
        }
    }
}
