using System.Diagnostics;
using System.IO.Compression;

namespace Landplatform.Cadastre.Surveys.Formats;

/// <summary>
/// Formats NetTopologySuite does not read — zipped ESRI Shapefile, GeoPackage, DXF — converted to
/// GeoJSON by Debian's GDAL (<c>ogr2ogr</c>) in a subprocess with a time limit, then read as GeoJSON.
/// Archives are inspected before GDAL sees them and read in place (/vsizip/), never extracted.
/// </summary>
internal static class OgrSurveyFormat
{
    private static readonly TimeSpan TimeLimit = TimeSpan.FromSeconds(30);
    private const long MaxUnpackedBytes = 200L * 1024 * 1024;

    public static async Task<SurveyPlan> ReadAsync(byte[] content, string extension, int? declaredSrid, SurveyTolerances tolerances, CancellationToken ct)
    {
        var work = Directory.CreateTempSubdirectory("lp-survey-");
        try
        {
            var path = Path.Combine(work.FullName, "upload" + extension);
            await File.WriteAllBytesAsync(path, content, ct);
            var source = extension == ".zip" ? "/vsizip/" + InspectArchive(path) : path;
            var arguments = new List<string> { "-f", "GeoJSON", "/vsistdout/", source, "-nlt", "POLYGON", "-lco", "RFC7946=NO" };
            if (extension == ".dxf")
            {
                // DXF carries no CRS of its own: the upload must declare it.
                var srid = SurveyCrs.Resolve(null, declaredSrid, rfcDefault: null);
                arguments.AddRange(["-a_srs", $"EPSG:{srid}"]);
            }

            var geoJson = await RunAsync(arguments, ct);
            var plan = GeoJsonSurveyFormat.Read(geoJson, extension == ".dxf" ? null : declaredSrid, tolerances);
            return plan with { Format = extension.TrimStart('.') };
        }
        finally
        {
            work.Delete(recursive: true);
        }
    }

    /// <summary>Refuses archives that would write outside their folder (zip slip) or unpack to absurd sizes; returns the .shp inside.</summary>
    private static string InspectArchive(string path)
    {
        using var archive = OpenArchive(path);
        long total = 0;
        string? shapefile = null;
        foreach (var entry in archive.Entries)
        {
            var name = entry.FullName.Replace('\\', '/');
            if (name.StartsWith('/') || name.Split('/').Contains("..") || name.Contains(':', StringComparison.Ordinal))
            {
                throw SurveyUnreadableException.Because($"The archive entry '{entry.FullName}' points outside the archive (zip slip); the upload is refused.");
            }

            total += entry.Length;
            if (total > MaxUnpackedBytes || archive.Entries.Count > 64)
            {
                throw SurveyUnreadableException.Because("The archive unpacks to more than a survey can hold.");
            }

            if (name.EndsWith(".shp", StringComparison.OrdinalIgnoreCase))
            {
                shapefile = shapefile is null ? name : throw SurveyUnreadableException.Because("The archive holds more than one shapefile; lodge one survey at a time.");
            }
        }

        return path + "/" + (shapefile ?? throw SurveyUnreadableException.Because("The archive holds no .shp file."));
    }

    private static ZipArchive OpenArchive(string path)
    {
        try
        {
            return ZipFile.OpenRead(path);
        }
        catch (InvalidDataException)
        {
            throw SurveyUnreadableException.Because("The file is not a valid zip archive.");
        }
    }

    private static async Task<byte[]> RunAsync(IReadOnlyList<string> arguments, CancellationToken ct)
    {
        var start = new ProcessStartInfo("ogr2ogr") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        start.Environment["GDAL_HTTP_TIMEOUT"] = "1";
        start.Environment["CPL_VSIL_CURL_ALLOWED_EXTENSIONS"] = ".none";
        using var process = Process.Start(start) ?? throw new InvalidOperationException("ogr2ogr did not start; is gdal-bin installed?");
        using var limit = CancellationTokenSource.CreateLinkedTokenSource(ct);
        limit.CancelAfter(TimeLimit);
        using var output = new MemoryStream();
        var copy = process.StandardOutput.BaseStream.CopyToAsync(output, limit.Token);
        var errors = process.StandardError.ReadToEndAsync(limit.Token);
        try
        {
            await process.WaitForExitAsync(limit.Token);
            await copy;
        }
        catch (OperationCanceledException) when (!ct.IsCancellationRequested)
        {
            process.Kill(entireProcessTree: true);
            throw SurveyUnreadableException.Because($"Reading the file took longer than {TimeLimit.TotalSeconds:0} s; it is refused.");
        }

        if (process.ExitCode != 0 || output.Length == 0)
        {
            var detail = (await errors).Split('\n', StringSplitOptions.RemoveEmptyEntries).FirstOrDefault() ?? "no output";
            throw SurveyUnreadableException.Because($"GDAL could not read the file as a survey: {detail}");
        }

        return output.ToArray();
    }
}
