using System.Diagnostics;
using System.IO.Compression;
using System.Text;

namespace Landplatform.Cadastre.Surveys.Formats;

/// <summary>
/// Formats read through Debian's GDAL (<c>ogr2ogr</c>) — zipped ESRI Shapefile, GeoPackage, DXF — converted to
/// GeoJSON and read as GeoJSON. A file is data, never a program: its bytes must be the format its name says
/// (magic checked here, before GDAL sees it), and GDAL runs with that format's driver alone (every other input
/// driver skipped, so an OGR VRT or any other driver's document is never opened: GDAL 3.6 has no <c>-if</c>),
/// and the subprocess runs confined (<see cref="GdalSandbox"/>). Archives are inspected first and read in place
/// (/vsizip/), never extracted. A refusal never repeats what GDAL or the file said.
/// </summary>
internal static class OgrSurveyFormat
{
    private const long MaxUnpackedBytes = 200L * 1024 * 1024;

    private static readonly string[] ShapefileParts = [".shp", ".shx", ".dbf", ".prj", ".cpg", ".qix", ".sbn", ".sbx"];

    public static async Task<SurveyPlan> ReadAsync(byte[] content, string extension, int? declaredSrid, SurveyTolerances tolerances, CancellationToken ct)
    {
        var driver = extension switch
        {
            ".gpkg" => CheckGeoPackage(content),
            ".dxf" => CheckDxf(content),
            _ => "ESRI Shapefile",
        };
        var work = Directory.CreateTempSubdirectory("lp-survey-");
        try
        {
            var path = Path.Combine(work.FullName, "upload" + extension);
            await File.WriteAllBytesAsync(path, content, ct);
            GdalSandbox.OpenToConfinedUser(work.FullName, path);
            var source = extension == ".zip" ? "/vsizip/" + InspectArchive(path) : path;
            var arguments = new List<string> { "-f", "GeoJSON", "/vsistdout/", source, "-nlt", "POLYGON", "-lco", "RFC7946=NO" };
            if (extension == ".dxf")
            {
                // DXF carries no CRS of its own: the upload must declare it.
                var srid = SurveyCrs.Resolve(null, declaredSrid, rfcDefault: null);
                arguments.AddRange(["-a_srs", $"EPSG:{srid}"]);
            }

            var geoJson = await GdalSandbox.RunAsync("ogr2ogr", driver, arguments, ct);
            var plan = GeoJsonSurveyFormat.Read(geoJson, extension == ".dxf" ? null : declaredSrid, tolerances);
            return plan with { Format = extension.TrimStart('.') };
        }
        finally
        {
            work.Delete(recursive: true);
        }
    }

    /// <summary>A GeoPackage is an SQLite 3 file whose header carries the GeoPackage application id ('GPKG').</summary>
    private static string CheckGeoPackage(byte[] content)
    {
        if (content.Length < 100 || !content.AsSpan(0, 16).SequenceEqual("SQLite format 3\0"u8))
        {
            throw SurveyUnreadableException.Because("The file is not a GeoPackage: it does not start with the SQLite 3 header (byte 0).");
        }

        if (!content.AsSpan(68, 4).SequenceEqual("GPKG"u8))
        {
            throw SurveyUnreadableException.Because("The file is an SQLite database but not a GeoPackage: its application id (byte 68) is not 'GPKG'.");
        }

        return "GPKG";
    }

    /// <summary>A text DXF opens with group code 0 and SECTION; a binary DXF with its sentinel. Anything else (XML, a VRT) is refused.</summary>
    private static string CheckDxf(byte[] content)
    {
        if (content.AsSpan().StartsWith("AutoCAD Binary DXF"u8))
        {
            return "DXF";
        }

        var head = Encoding.ASCII.GetString(content, 0, Math.Min(content.Length, 64)).TrimStart('\uFEFF', ' ', '\t', '\r', '\n');
        var lines = head.Split('\n', 3);
        if (lines.Length < 2 || lines[0].Trim() != "0" || lines[1].Trim() != "SECTION")
        {
            throw SurveyUnreadableException.Because("The file is not a DXF drawing: it does not open with group code 0 and SECTION (line 1).");
        }

        return "DXF";
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

            if (!ShapefileParts.Contains(Path.GetExtension(name).ToLowerInvariant()) || name.Contains('/', StringComparison.Ordinal))
            {
                throw SurveyUnreadableException.Because($"The archive holds '{SafeName(entry.FullName)}', which is not part of a shapefile (.shp, .shx, .dbf, .prj, .cpg) at the archive's top level.");
            }

            if (name.EndsWith(".shp", StringComparison.OrdinalIgnoreCase) && !StartsWithShapefileCode(entry))
            {
                throw SurveyUnreadableException.Because($"'{SafeName(entry.FullName)}' in the archive is not an ESRI shapefile (its file code, byte 0, is not 9994).");
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

    private static bool StartsWithShapefileCode(ZipArchiveEntry entry)
    {
        using var stream = entry.Open();
        Span<byte> code = stackalloc byte[4];
        return stream.ReadAtLeast(code, 4, throwOnEndOfStream: false) == 4 && code.SequenceEqual(new byte[] { 0, 0, 0x27, 0x0A });
    }

    /// <summary>An entry's name as the refusal may repeat it: printable characters only, at most 80.</summary>
    private static string SafeName(string name)
    {
        var printable = new string(name.Where(c => !char.IsControl(c)).Take(80).ToArray());
        return printable.Length == 0 ? "(unnamed)" : printable;
    }
}
