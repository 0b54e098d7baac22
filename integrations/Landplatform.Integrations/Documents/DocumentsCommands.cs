using Landplatform.Cadastre.Contracts;
using Microsoft.Extensions.DependencyInjection;

namespace Landplatform.Integrations.Documents;

/// <summary>The documents commands behind <c>./lp documents …</c>.</summary>
public static class DocumentsCommands
{
    /// <summary>Imports a folder of scans with its index.csv, showing progress; exit code 0 when every row went in (or was there), 3 when rows were refused, 2 when the folder was.</summary>
    public static async Task<int> ImportAsync(IServiceProvider services, string directory, TextWriter output, CancellationToken ct)
    {
        var started = DateTime.UtcNow;
        var progress = new Progress<ImportProgress>(p =>
        {
            if (p.Done == p.Total || p.Done % 10 == 0)
            {
                Console.Error.Write($"\r  {p.Done}/{p.Total} rows: {p.Imported} imported, {p.AlreadyPresent} already present, {p.Refused} refused   ");
            }
        });
        ImportReport report;
        try
        {
            report = await services.GetRequiredService<ScanImport>().ImportAsync(directory, Environment.UserName, progress, ct);
        }
        catch (InvalidParameterException e)
        {
            await output.WriteLineAsync($"documents import: refused ({e.Rule}): {e.Message}");
            return 2;
        }

        Console.Error.WriteLine();
        foreach (var row in report.Refused)
        {
            await output.WriteLineAsync($"  line {row.Line} ({row.File ?? "-"}): {row.Rule}: {row.Message}");
        }

        await output.WriteLineAsync($"{report.Rows} rows in {(DateTime.UtcNow - started).TotalSeconds:0.0} s: {report.Imported} imported, {report.AlreadyPresent} already present, {report.Refused.Count} refused");
        return report.Refused.Count == 0 ? 0 : 3;
    }
}
