using System.Security.Claims;
using Landplatform.Cadastre.Contracts;
using Npgsql;

namespace Landplatform.Integrations.Deeds;

/// <summary>A scanned page the quality check or the OCR flagged, so the clerk can have it rescanned.</summary>
public sealed record FlaggedPage(Guid DeedId, string RegistrationNumber, int PageNumber, IReadOnlyList<string> Quality, string OcrState, DateTimeOffset StoredAt);

/// <summary>A deed as the public index shows it: what the Index of Deeds says, without the consideration, the attorney or the scans.</summary>
/// <param name="Grantors">The names as written, or null where the disclosure rule withholds names from this caller.</param>
public sealed record PublicDeedEntry(string RegistrationNumber, DateOnly RegisteredOn, DateOnly InstrumentDate, string InstrumentType,
    IReadOnlyList<string>? Grantors, IReadOnlyList<string>? Grantees, int Pages);

/// <summary>
/// The deeds clerk's work lists (deeds still to be linked to a parcel, pages to be rescanned) and the public's view of
/// the index for one parcel. The public sees an entry of the Index of Deeds as the search room shows it — number, dates,
/// instrument and (where the disclosure rule lets anonymous callers see names) the parties; the consideration, the
/// attorney, the land description, the scans and the root of title are for registry readers (attorneys, staff).
/// </summary>
public sealed class DeedsWorklist(DeedBook book, NpgsqlDataSource dataSource, IPersonalDataDisclosure disclosure)
{
    public const int MaxRows = 500;

    /// <summary>Deeds recorded with no parcel linked yet, oldest recorded first.</summary>
    public Task<List<RecordedDeed>> UnlinkedAsync(int? limit, CancellationToken ct) =>
        book.ViewsAsync("NOT EXISTS (SELECT 1 FROM deeds.parcels l WHERE l.deed_id = d.id)", [], ct, "d.recorded_at, d.registration_number", Limit(limit));

    /// <summary>Pages flagged by the quality check (blank, skewed, low resolution, unreadable) or whose OCR failed, oldest first.</summary>
    public async Task<List<FlaggedPage>> FlaggedPagesAsync(int? limit, CancellationToken ct)
    {
        await using var command = dataSource.CreateCommand($"""
            SELECT g.deed_id, d.registration_number, g.page_number, g.quality, g.ocr_state, g.stored_at
            FROM deeds.pages g JOIN deeds.deeds d ON d.id = g.deed_id
            WHERE cardinality(g.quality) > 0 OR g.ocr_state = 'failed'
            ORDER BY g.stored_at, d.registration_number, g.page_number LIMIT {Limit(limit)}
            """);
        var pages = new List<FlaggedPage>();
        await using var rows = await command.ExecuteReaderAsync(ct);
        while (await rows.ReadAsync(ct))
        {
            pages.Add(new FlaggedPage(rows.GetGuid(0), rows.GetString(1), rows.GetInt32(2), rows.GetFieldValue<string[]>(3), rows.GetString(4),
                rows.GetFieldValue<DateTimeOffset>(5)));
        }

        return pages;
    }

    /// <summary>The deeds linked to a parcel as the public index shows them, oldest first.</summary>
    public async Task<List<PublicDeedEntry>> PublicIndexAsync(string upiText, ClaimsPrincipal caller, CancellationToken ct)
    {
        var upi = ParcelIdentifier.Parse(upiText, "upi");
        var names = disclosure.For(caller, null).Name;
        var deeds = await book.ViewsAsync("EXISTS (SELECT 1 FROM deeds.parcels l WHERE l.deed_id = d.id AND l.upi = @upi)",
            [new NpgsqlParameter("upi", upi)], ct, limit: MaxRows);
        return deeds.Select(d => new PublicDeedEntry(d.RegistrationNumber, d.RegisteredOn, d.InstrumentDate, d.InstrumentType,
            names ? d.Grantors : null, names ? d.Grantees : null, d.Pages)).ToList();
    }

    private static int Limit(int? limit) => limit switch
    {
        null => 100,
        >= 1 and <= MaxRows => limit.Value,
        _ => throw new InvalidParameterException("limit", "limit-range", $"limit is from 1 to {MaxRows}."),
    };
}
