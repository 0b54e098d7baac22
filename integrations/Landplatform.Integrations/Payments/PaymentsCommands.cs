using Landplatform.Cadastre.Contracts;
using Microsoft.Extensions.DependencyInjection;

namespace Landplatform.Integrations.Payments;

/// <summary>The payments commands behind <c>./lp payments …</c>.</summary>
public static class PaymentsCommands
{
    /// <summary>Reconciles a statement file and prints the findings; exit code 0 when everything matched, 3 when there are findings, 2 when the file is refused.</summary>
    public static async Task<int> ReconcileAsync(IServiceProvider services, string path, CancellationToken ct)
    {
        if (!File.Exists(path))
        {
            Console.Error.WriteLine($"payments reconcile: no file {path}");
            return 2;
        }

        if (new FileInfo(path).Length > BankStatement.MaxBytes)
        {
            Console.Error.WriteLine("payments reconcile: a statement file is at most 20 MiB");
            return 2;
        }

        Reconciliation run;
        try
        {
            run = await services.GetRequiredService<LedgerReconciliation>().RunAsync(path, await File.ReadAllBytesAsync(path, ct), Environment.UserName, ct);
        }
        catch (InvalidParameterException e)
        {
            Console.Error.WriteLine($"payments reconcile: {Path.GetFileName(path)} refused ({e.Rule}): {e.Message}");
            return 2;
        }

        Console.WriteLine($"statement {run.StatementId}, {run.PeriodFrom:yyyy-MM-dd} to {run.PeriodTo:yyyy-MM-dd}: {run.BankEntries} bank credits, {run.LedgerEntries} receipts, {run.Matched} matched");
        foreach (var f in run.Findings.OrderBy(f => f.Kind).ThenBy(f => f.Reference))
        {
            Console.WriteLine($"  {f.Kind,-18} {f.Reference,-32} {f.InvoiceNumber,-16} ours {Amount(f.LedgerAmount),10}  bank {Amount(f.BankAmount),10}  {f.Date:yyyy-MM-dd}");
        }

        Console.WriteLine(run.Findings.Count == 0 ? "reconciled: no mismatches" : $"{run.Findings.Count} mismatches (reconciliation {run.Id})");
        return run.Findings.Count == 0 ? 0 : 3;
    }

    private static string Amount(decimal? amount) => amount is { } a ? a.ToString("0.00", System.Globalization.CultureInfo.InvariantCulture) : "-";
}
