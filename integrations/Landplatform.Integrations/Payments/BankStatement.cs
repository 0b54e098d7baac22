using System.Globalization;
using System.Xml;
using System.Xml.Linq;
using Landplatform.Cadastre.Contracts;

namespace Landplatform.Integrations.Payments;

/// <summary>A booked credit or debit on the bank statement; <see cref="Reference"/> is the end-to-end id the gateway settled under.</summary>
public sealed record BankEntry(string Reference, decimal Amount, string Currency, bool IsCredit, DateOnly BookingDate, string? Remittance);

/// <summary>A bank-to-customer statement (ISO 20022 camt.053) for our collection account.</summary>
public sealed record BankStatement(string Id, DateOnly From, DateOnly To, IReadOnlyList<BankEntry> Entries)
{
    public const long MaxBytes = 20 * 1024 * 1024;

    /// <summary>
    /// Reads a camt.053 statement (versions .001.02 to .001.08): only booked entries count. The XML is read
    /// without DTDs or external entities; a file that is not such a statement is refused naming the rule.
    /// </summary>
    public static BankStatement ReadCamt053(Stream stream)
    {
        XDocument document;
        try
        {
            using var reader = XmlReader.Create(stream, new XmlReaderSettings { DtdProcessing = DtdProcessing.Prohibit, XmlResolver = null, MaxCharactersInDocument = MaxBytes });
            document = XDocument.Load(reader);
        }
        catch (XmlException e)
        {
            throw new InvalidParameterException("file", "statement-format", $"The statement is not well-formed XML without a DTD: {e.Message}");
        }

        var root = document.Root;
        var ns = root?.Name.Namespace;
        if (root is null || root.Name.LocalName != "Document" || ns is null || !ns.NamespaceName.StartsWith("urn:iso:std:iso:20022:tech:xsd:camt.053.001.", StringComparison.Ordinal))
        {
            throw new InvalidParameterException("file", "statement-format", "The file is not an ISO 20022 camt.053 bank-to-customer statement (Document in a urn:iso:std:iso:20022:tech:xsd:camt.053.001.* namespace).");
        }

        var statement = root.Element(ns + "BkToCstmrStmt")?.Element(ns + "Stmt")
            ?? throw new InvalidParameterException("file", "statement-format", "The camt.053 document holds no BkToCstmrStmt/Stmt.");
        var id = statement.Element(ns + "Id")?.Value ?? throw new InvalidParameterException("file", "statement-format", "The statement has no Id.");
        var entries = new List<BankEntry>();
        var index = 0;
        foreach (var entry in statement.Elements(ns + "Ntry"))
        {
            index++;
            // Sts is a plain code up to version 6 and <Sts><Cd>BOOK</Cd></Sts> from version 7 on.
            var status = entry.Element(ns + "Sts") is { } sts ? (sts.Element(ns + "Cd")?.Value ?? sts.Value).Trim() : "";
            if (status != "BOOK")
            {
                continue;
            }

            var amountElement = entry.Element(ns + "Amt");
            if (amountElement is null || !decimal.TryParse(amountElement.Value, NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out var amount)
                || amountElement.Attribute("Ccy")?.Value is not { Length: 3 } currency)
            {
                throw new InvalidParameterException("file", "statement-entry", $"Entry {index} has no amount with a currency (Amt Ccy=\"XCD\").");
            }

            var indicator = entry.Element(ns + "CdtDbtInd")?.Value;
            if (indicator is not ("CRDT" or "DBIT"))
            {
                throw new InvalidParameterException("file", "statement-entry", $"Entry {index}: CdtDbtInd must be CRDT or DBIT.");
            }

            var booked = entry.Element(ns + "BookgDt") is { } b ? (b.Element(ns + "Dt")?.Value ?? b.Element(ns + "DtTm")?.Value?[..10]) : null;
            if (booked is null || !DateOnly.TryParseExact(booked, "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out var bookingDate))
            {
                throw new InvalidParameterException("file", "statement-entry", $"Entry {index} has no booking date (BookgDt/Dt).");
            }

            var details = entry.Element(ns + "NtryDtls")?.Element(ns + "TxDtls");
            var reference = details?.Element(ns + "Refs")?.Element(ns + "EndToEndId")?.Value
                ?? entry.Element(ns + "AcctSvcrRef")?.Value
                ?? throw new InvalidParameterException("file", "statement-entry", $"Entry {index} has neither an EndToEndId nor an AcctSvcrRef.");
            var remittance = details?.Element(ns + "RmtInf")?.Element(ns + "Ustrd")?.Value;
            entries.Add(new BankEntry(reference.Trim(), amount, currency, indicator == "CRDT", bookingDate, remittance));
        }

        var period = statement.Element(ns + "FrToDt");
        var from = DateFrom(period?.Element(ns + "FrDtTm")?.Value) ?? entries.Select(e => (DateOnly?)e.BookingDate).Min();
        var to = DateFrom(period?.Element(ns + "ToDtTm")?.Value) ?? entries.Select(e => (DateOnly?)e.BookingDate).Max();
        if (from is null || to is null)
        {
            throw new InvalidParameterException("file", "statement-period", "The statement states no period (FrToDt) and books no entries.");
        }

        return new BankStatement(id, from.Value, to.Value, entries);
    }

    private static DateOnly? DateFrom(string? dateTime) =>
        dateTime is { Length: >= 10 } && DateOnly.TryParseExact(dateTime[..10], "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out var date) ? date : null;
}
