using Landplatform.Cadastre.Contracts;
using Microsoft.Extensions.DependencyInjection;

namespace Landplatform.Integrations.Deeds;

/// <summary>The deeds commands behind <c>./lp deeds …</c>.</summary>
public static class DeedsCommands
{
    /// <summary>Imports a folder of scanned deeds with its deeds.csv, showing progress; exit 0 when every row went in (or was there), 3 when rows were refused, 2 when the folder was.</summary>
    public static async Task<int> ImportAsync(IServiceProvider services, string directory, TextWriter output, CancellationToken ct)
    {
        var started = DateTime.UtcNow;
        var progress = new Progress<DeedImportProgress>(p =>
        {
            if (p.Done == p.Total || p.Done % 25 == 0)
            {
                Console.Error.Write($"\r  {p.Done}/{p.Total} deeds: {p.Recorded} recorded, {p.AlreadyRecorded} already recorded, {p.Pages} pages stored, {p.Refused} refused   ");
            }
        });
        DeedImportReport report;
        try
        {
            report = await services.GetRequiredService<DeedImport>().ImportAsync(directory, Environment.UserName, progress, ct);
        }
        catch (InvalidParameterException e)
        {
            await output.WriteLineAsync($"deeds import: refused ({e.Rule}): {e.Message}");
            return 2;
        }

        Console.Error.WriteLine();
        foreach (var row in report.Refused)
        {
            await output.WriteLineAsync($"  line {row.Line} ({row.Column}): {row.Rule}: {row.Message}");
        }

        await output.WriteLineAsync($"{report.Rows} deeds in {(DateTime.UtcNow - started).TotalSeconds:0.0} s: {report.Recorded} recorded, {report.AlreadyRecorded} already recorded, " +
            $"{report.PagesStored} pages stored, {report.PagesAlreadyStored} already stored, {report.Refused.Count} refused; OCR runs in the server's queue (GET /api/deeds/ocr)");
        return report.Refused.Count == 0 ? 0 : 3;
    }
}
