using System.Text;

namespace Landplatform.Cadastre.Surveys.Formats;

/// <summary>
/// DXF, the one format still read through Debian's GDAL (<c>ogr2ogr</c>), converted to GeoJSON and read as GeoJSON.
/// A file is data, never a program: its bytes must be a DXF drawing (magic checked here, before GDAL sees it), GDAL
/// runs with the DXF driver alone (every other input driver skipped, so an OGR VRT or any other driver's document is
/// never opened: GDAL 3.6 has no <c>-if</c>), and the subprocess runs confined (<see cref="GdalSandbox"/>). A refusal
/// never repeats what GDAL or the file said.
/// </summary>
internal static class DxfSurveyFormat
{
    public static async Task<SurveyPlan> ReadAsync(byte[] content, int? declaredSrid, SurveyTolerances tolerances, CancellationToken ct)
    {
        CheckDxf(content);

        // DXF carries no CRS of its own: the upload must declare it.
        var srid = SurveyCrs.Resolve(null, declaredSrid, rfcDefault: null);
        var work = Directory.CreateTempSubdirectory("lp-survey-");
        try
        {
            var path = Path.Combine(work.FullName, "upload.dxf");
            await File.WriteAllBytesAsync(path, content, ct);
            GdalSandbox.OpenToConfinedUser(work.FullName, path);
            string[] arguments = ["-f", "GeoJSON", "/vsistdout/", path, "-nlt", "POLYGON", "-lco", "RFC7946=NO", "-a_srs", $"EPSG:{srid}"];
            var geoJson = await GdalSandbox.RunAsync("ogr2ogr", "DXF", arguments, ct);
            var plan = GeoJsonSurveyFormat.Read(geoJson, null, tolerances);
            return plan with { Format = "dxf" };
        }
        finally
        {
            work.Delete(recursive: true);
        }
    }

    /// <summary>A text DXF opens with group code 0 and SECTION; a binary DXF with its sentinel. Anything else (XML, a VRT) is refused.</summary>
    private static void CheckDxf(byte[] content)
    {
        if (content.AsSpan().StartsWith("AutoCAD Binary DXF"u8))
        {
            return;
        }

        var head = Encoding.ASCII.GetString(content, 0, Math.Min(content.Length, 64)).TrimStart('\uFEFF', ' ', '\t', '\r', '\n');
        var lines = head.Split('\n', 3);
        if (lines.Length < 2 || lines[0].Trim() != "0" || lines[1].Trim() != "SECTION")
        {
            throw SurveyUnreadableException.Because("The file is not a DXF drawing: it does not open with group code 0 and SECTION (line 1).");
        }
    }
}
