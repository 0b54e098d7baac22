using System.Globalization;
using System.Text;
using System.Text.Encodings.Web;

namespace Landplatform.Integrations.Deeds;

/// <summary>The root of title as a printable page for the attorney's file: the verdict, what is wrong, the chain, the mortgages.</summary>
public static class RootOfTitlePage
{
    private const string Style =
        "body{font-family:sans-serif;margin:2em;max-width:60em}table{border-collapse:collapse;width:100%}" +
        "td,th{border:1px solid #999;padding:.3em;text-align:left;vertical-align:top}.error{color:#a00}.warning{color:#a60}";

    public static string Render(RootOfTitleReport report)
    {
        var html = HtmlEncoder.Default;
        var page = new StringBuilder();
        var verdict = report.Sound ? "The chain of title is sound." : "The chain of title is NOT proved.";
        var holders = report.Holders.Count == 0 ? "none shown" : string.Join("; ", report.Holders);
        page.Append("<!doctype html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>Root of title: ").Append(html.Encode(report.Upi)).Append("</title>")
            .Append("<style>").Append(Style).Append("</style></head><body>")
            .Append("<h1>Root of title of parcel ").Append(html.Encode(report.Upi)).Append("</h1>")
            .Append(CultureInfo.InvariantCulture, $"<p>Searched on {report.AsOf:yyyy-MM-dd} from the register of deeds; a good root is a dealing for value at least {report.RootYears} years old.</p>")
            .Append("<p id=\"verdict\"><strong>").Append(verdict).Append("</strong> Holders now: ").Append(html.Encode(holders)).Append(".</p>");
        page.Append("<h2>Findings</h2>");
        if (report.Findings.Count == 0)
        {
            page.Append("<p>None.</p>");
        }
        else
        {
            page.Append("<ul>");
            foreach (var finding in report.Findings)
            {
                page.Append(CultureInfo.InvariantCulture, $"<li class=\"{html.Encode(finding.Severity)}\"><strong>{html.Encode(finding.Rule)}</strong> ({html.Encode(finding.Severity)}): {html.Encode(finding.Message)}</li>");
            }

            page.Append("</ul>");
        }

        page.Append("<h2>The chain</h2><table><tr><th>Role</th><th>Number</th><th>Registered</th><th>Instrument</th><th>Grantors</th><th>Grantees</th><th>Consideration</th></tr>");
        foreach (var link in report.Chain)
        {
            Row(page, html, link.Role, link.Deed);
        }

        page.Append("</table><h2>Mortgages</h2><table><tr><th>Role</th><th>Number</th><th>Registered</th><th>Instrument</th><th>Grantors</th><th>Grantees</th><th>Amount</th></tr>");
        foreach (var mortgage in report.Mortgages)
        {
            Row(page, html, "mortgage", mortgage);
        }

        page.Append("</table></body></html>");
        return page.ToString();
    }

    private static void Row(StringBuilder page, HtmlEncoder html, string role, RecordedDeed deed) =>
        page.Append(CultureInfo.InvariantCulture, $"<tr><td>{html.Encode(role)}</td><td>{html.Encode(deed.RegistrationNumber)}</td><td>{deed.RegisteredOn:yyyy-MM-dd}</td><td>{html.Encode(deed.InstrumentType)}</td><td>{html.Encode(string.Join("; ", deed.Grantors))}</td><td>{html.Encode(string.Join("; ", deed.Grantees))}</td><td>{(deed.Consideration is { } c ? c.ToString("#,0.00", CultureInfo.InvariantCulture) + " XCD" : "")}</td></tr>");
}
