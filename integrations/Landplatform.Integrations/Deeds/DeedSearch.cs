using Landplatform.Cadastre.Contracts;
using Npgsql;

namespace Landplatform.Integrations.Deeds;

/// <summary>A search of the Index of Deeds; every given criterion must hold.</summary>
public sealed record DeedQuery(string? Party, string? Upi, string? Number, string? Text, string? Type, DateOnly? From, DateOnly? To, int? Limit)
{
    /// <summary>The review state of the deed's index: pending, signed or disputed (<see cref="DeedReviews"/>).</summary>
    public string? Review { get; init; }
}

/// <summary>
/// Searches the register of deeds the ways an attorney does: by a party's name (trigram similarity for typing slips,
/// Double Metaphone for names written as they sound: Jon Smyth finds John Smith), by parcel, by registration number,
/// by a word of the scanned text (PostgreSQL full-text search over the OCR), by instrument type and date range.
/// </summary>
public sealed class DeedSearch(DeedBook book)
{
    public const int MaxResults = 200;

    public async Task<List<RecordedDeed>> SearchAsync(DeedQuery query, CancellationToken ct)
    {
        var where = new List<string>();
        var parameters = new List<NpgsqlParameter>();
        if (!string.IsNullOrWhiteSpace(query.Party))
        {
            var party = query.Party.Trim();
            if (party.Length is < 2 or > 200)
            {
                throw new InvalidParameterException("party", "party-name", "Search by a name of 2 to 200 characters.");
            }

            where.Add($"""
                EXISTS (SELECT 1 FROM deeds.parties p WHERE p.deed_id = d.id
                        AND (lower(p.name) % lower(@party) OR word_similarity(lower(@party), lower(p.name)) >= 0.6 OR p.sounds @> {DeedBook.SoundsSql("@party")}))
                """);
            parameters.Add(new NpgsqlParameter("party", party));
        }

        if (!string.IsNullOrWhiteSpace(query.Upi))
        {
            where.Add("EXISTS (SELECT 1 FROM deeds.parcels l WHERE l.deed_id = d.id AND l.upi = @upi)");
            parameters.Add(new NpgsqlParameter("upi", ParcelIdentifier.Parse(query.Upi, "upi")));
        }

        if (!string.IsNullOrWhiteSpace(query.Number))
        {
            where.Add("d.registration_number = @number");
            parameters.Add(new NpgsqlParameter("number", query.Number.Trim().ToUpperInvariant()));
        }

        if (!string.IsNullOrWhiteSpace(query.Text))
        {
            if (query.Text.Length > 200)
            {
                throw new InvalidParameterException("text", "text-query", "Search the scanned text by at most 200 characters.");
            }

            where.Add("EXISTS (SELECT 1 FROM deeds.pages g WHERE g.deed_id = d.id AND g.text_search @@ websearch_to_tsquery('english', @text))");
            parameters.Add(new NpgsqlParameter("text", query.Text.Trim()));
        }

        if (!string.IsNullOrWhiteSpace(query.Type))
        {
            var type = query.Type.Trim().ToLowerInvariant();
            if (!DeedBook.InstrumentTypes.Contains(type))
            {
                throw new InvalidParameterException("type", "instrument-type", $"'{query.Type}' is not an instrument the office records: {string.Join(", ", DeedBook.InstrumentTypes)}.");
            }

            where.Add("d.instrument_type = @type");
            parameters.Add(new NpgsqlParameter("type", type));
        }

        if (query.From is { } from)
        {
            where.Add("d.registered_on >= @from");
            parameters.Add(new NpgsqlParameter("from", from));
        }

        if (query.To is { } to)
        {
            if (query.From is { } start && to < start)
            {
                throw new InvalidParameterException("to", "date-range", "The range ends before it starts.");
            }

            where.Add("d.registered_on <= @to");
            parameters.Add(new NpgsqlParameter("to", to));
        }

        if (query.Review is { } review)
        {
            where.Add("coalesce((SELECT r.outcome FROM deeds.reviews r WHERE r.deed_id = d.id ORDER BY r.seq DESC LIMIT 1), 'pending') = @review");
            parameters.Add(new NpgsqlParameter("review", review));
        }

        if (where.Count == 0)
        {
            throw new InvalidParameterException("party", "search-criteria", "Search by party, upi, number, text, type, review or a date range (from, to).");
        }

        var limit = query.Limit ?? 50;
        if (limit is < 1 or > MaxResults)
        {
            throw new InvalidParameterException("limit", "limit-range", $"limit is between 1 and {MaxResults}.");
        }

        return await book.ViewsAsync(string.Join(" AND ", where), parameters, ct, "d.registered_on DESC, d.registration_number", limit);
    }
}
