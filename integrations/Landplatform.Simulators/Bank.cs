using System.Collections.Concurrent;
using System.Globalization;
using System.Text;
using System.Xml;

namespace Landplatform.Simulators;

/// <summary>An entry on the platform's collection account: a credit (a payment settled), or a debit (a refund) as a negative amount.</summary>
public sealed record BankCredit(string EndToEndId, decimal Amount, string Currency, string? Remittance, DateOnly BookingDate);

/// <summary>A change to the bank's book, through <c>/control/bank/entries</c>, to make a statement disagree with the ledger.</summary>
public sealed record BankEntryChange(string? EndToEndId, decimal? Amount, string? Currency, string? Remittance, DateOnly? BookingDate);

/// <summary>The bank's book of the platform's collection account: the gateway settles each succeeded payment into it.</summary>
public sealed class BankLedger
{
    public const string AccountId = "VC-ECCB-0042-7781";

    private readonly ConcurrentDictionary<string, BankCredit> credits = new();

    public void Book(string endToEndId, decimal amount, string currency, string? remittance, DateOnly bookingDate) =>
        credits[endToEndId] = new BankCredit(endToEndId, amount, currency, remittance, bookingDate);

    public bool Remove(string endToEndId) => credits.TryRemove(endToEndId, out _);

    public BankCredit? Find(string endToEndId) => credits.TryGetValue(endToEndId, out var credit) ? credit : null;

    public IReadOnlyList<BankCredit> On(DateOnly date) =>
        credits.Values.Where(c => c.BookingDate == date).OrderBy(c => c.EndToEndId, StringComparer.Ordinal).ToList();

    /// <summary>The day's statement as ISO 20022 camt.053.001.02 (bank-to-customer statement).</summary>
    public string Camt053(DateOnly date, DateTimeOffset createdAt)
    {
        const string ns = "urn:iso:std:iso:20022:tech:xsd:camt.053.001.02";
        var entries = On(date);
        var buffer = new StringBuilder();
        using (var xml = XmlWriter.Create(buffer, new XmlWriterSettings { Indent = true, Encoding = Encoding.UTF8 }))
        {
            var id = $"STMT-{date:yyyyMMdd}";
            xml.WriteStartDocument();
            xml.WriteStartElement("Document", ns);
            xml.WriteStartElement("BkToCstmrStmt", ns);
            xml.WriteStartElement("GrpHdr", ns);
            xml.WriteElementString("MsgId", ns, id);
            xml.WriteElementString("CreDtTm", ns, createdAt.UtcDateTime.ToString("yyyy-MM-ddTHH:mm:ss", CultureInfo.InvariantCulture));
            xml.WriteEndElement();
            xml.WriteStartElement("Stmt", ns);
            xml.WriteElementString("Id", ns, id);
            xml.WriteElementString("ElctrncSeqNb", ns, date.DayNumber.ToString(CultureInfo.InvariantCulture));
            xml.WriteElementString("CreDtTm", ns, createdAt.UtcDateTime.ToString("yyyy-MM-ddTHH:mm:ss", CultureInfo.InvariantCulture));
            xml.WriteStartElement("FrToDt", ns);
            xml.WriteElementString("FrDtTm", ns, $"{date:yyyy-MM-dd}T00:00:00");
            xml.WriteElementString("ToDtTm", ns, $"{date:yyyy-MM-dd}T23:59:59");
            xml.WriteEndElement();
            xml.WriteStartElement("Acct", ns);
            xml.WriteStartElement("Id", ns);
            xml.WriteStartElement("Othr", ns);
            xml.WriteElementString("Id", ns, AccountId);
            xml.WriteEndElement();
            xml.WriteEndElement();
            xml.WriteElementString("Ccy", ns, "XCD");
            xml.WriteEndElement();
            xml.WriteStartElement("TxsSummry", ns);
            xml.WriteStartElement("TtlCdtNtries", ns);
            xml.WriteElementString("NbOfNtries", ns, entries.Count(e => e.Amount >= 0).ToString(CultureInfo.InvariantCulture));
            xml.WriteElementString("Sum", ns, Money(entries.Where(e => e.Amount >= 0).Sum(e => e.Amount)));
            xml.WriteEndElement();
            xml.WriteStartElement("TtlDbtNtries", ns);
            xml.WriteElementString("NbOfNtries", ns, entries.Count(e => e.Amount < 0).ToString(CultureInfo.InvariantCulture));
            xml.WriteElementString("Sum", ns, Money(-entries.Where(e => e.Amount < 0).Sum(e => e.Amount)));
            xml.WriteEndElement();
            xml.WriteEndElement();
            var n = 0;
            foreach (var entry in entries)
            {
                n++;
                xml.WriteStartElement("Ntry", ns);
                xml.WriteElementString("NtryRef", ns, n.ToString(CultureInfo.InvariantCulture));
                xml.WriteStartElement("Amt", ns);
                xml.WriteAttributeString("Ccy", entry.Currency);
                xml.WriteString(Money(Math.Abs(entry.Amount)));
                xml.WriteEndElement();

                // A refund the gateway made leaves the account: a debit, quoted by the refund's id.
                xml.WriteElementString("CdtDbtInd", ns, entry.Amount < 0 ? "DBIT" : "CRDT");
                xml.WriteElementString("Sts", ns, "BOOK");
                xml.WriteStartElement("BookgDt", ns);
                xml.WriteElementString("Dt", ns, entry.BookingDate.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture));
                xml.WriteEndElement();
                xml.WriteStartElement("ValDt", ns);
                xml.WriteElementString("Dt", ns, entry.BookingDate.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture));
                xml.WriteEndElement();
                xml.WriteElementString("AcctSvcrRef", ns, $"ECCB{entry.BookingDate:yyyyMMdd}{n:D5}");
                xml.WriteStartElement("BkTxCd", ns);
                xml.WriteStartElement("Domn", ns);
                xml.WriteElementString("Cd", ns, "PMNT");
                xml.WriteStartElement("Fmly", ns);
                xml.WriteElementString("Cd", ns, entry.Amount < 0 ? "ICDT" : "RCDT");
                xml.WriteElementString("SubFmlyCd", ns, "ESCT");
                xml.WriteEndElement();
                xml.WriteEndElement();
                xml.WriteEndElement();
                xml.WriteStartElement("NtryDtls", ns);
                xml.WriteStartElement("TxDtls", ns);
                xml.WriteStartElement("Refs", ns);
                xml.WriteElementString("EndToEndId", ns, entry.EndToEndId);
                xml.WriteEndElement();
                if (entry.Remittance is not null)
                {
                    xml.WriteStartElement("RmtInf", ns);
                    xml.WriteElementString("Ustrd", ns, entry.Remittance);
                    xml.WriteEndElement();
                }

                xml.WriteEndElement();
                xml.WriteEndElement();
                xml.WriteEndElement();
            }

            xml.WriteEndElement();
            xml.WriteEndElement();
            xml.WriteEndElement();
            xml.WriteEndDocument();
        }

        // StringBuilder output declares utf-16; the file is UTF-8.
        return buffer.ToString().Replace("encoding=\"utf-16\"", "encoding=\"UTF-8\"", StringComparison.Ordinal);
    }

    private static string Money(decimal amount) => amount.ToString("0.00", CultureInfo.InvariantCulture);
}

/// <summary>The bank's HTTP surface: statement export and the control endpoints.</summary>
public static class BankEndpoints
{
    public static void MapBank(this IEndpointRouteBuilder app)
    {
        app.MapGet("/bank/statements/{date}.xml", (string date, BankLedger bank, TimeProvider clock) =>
            DateOnly.TryParseExact(date, "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out var day)
                ? Results.Text(bank.Camt053(day, clock.GetUtcNow()), "application/xml; charset=utf-8", Encoding.UTF8)
                : Results.BadRequest(new { error = "date is yyyy-MM-dd" }));
        app.MapPost("/control/bank/entries", (BankEntryChange entry, BankLedger bank, TimeProvider clock) =>
        {
            if (entry.EndToEndId is null || entry.Amount is null)
            {
                return Results.BadRequest(new { error = "endToEndId and amount are required" });
            }

            bank.Book(entry.EndToEndId, entry.Amount.Value, entry.Currency ?? "XCD", entry.Remittance, entry.BookingDate ?? DateOnly.FromDateTime(clock.GetUtcNow().UtcDateTime));
            return Results.Json(bank.Find(entry.EndToEndId));
        });
        app.MapPatch("/control/bank/entries/{endToEndId}", (string endToEndId, BankEntryChange change, BankLedger bank) =>
        {
            if (bank.Find(endToEndId) is not { } credit)
            {
                return Results.NotFound();
            }

            bank.Book(endToEndId, change.Amount ?? credit.Amount, change.Currency ?? credit.Currency, change.Remittance ?? credit.Remittance, change.BookingDate ?? credit.BookingDate);
            return Results.Json(bank.Find(endToEndId));
        });
        app.MapDelete("/control/bank/entries/{endToEndId}", (string endToEndId, BankLedger bank) =>
            bank.Remove(endToEndId) ? Results.NoContent() : Results.NotFound());
    }
}
