using Npgsql;

namespace Landplatform.Integrations.Tax;

/// <summary>
/// Annual property tax: each owner pays the year's rate on the sum of their shares of the roll values of
/// their parcels, as the roll stood when the bills were made. Making a year's bills again adds only those
/// missing (one bill per owner and year).
/// </summary>
public sealed class PropertyTaxBills(NpgsqlDataSource dataSource, TimeProvider clock)
{
    /// <returns>How many bills were created now, and the year's rate.</returns>
    public async Task<(int Created, decimal Rate)> CreateAsync(int year, string by, CancellationToken ct)
    {
        await using var command = dataSource.CreateCommand("""
            WITH rate AS (
                SELECT rate FROM tax.rates WHERE category = 'property-tax' AND code = 'all' AND valid_from <= make_date(@year, 1, 1)
                ORDER BY valid_from DESC LIMIT 1),
            entry AS (
                SELECT DISTINCT ON (upi) upi, value, status, owners FROM tax.roll_entries ORDER BY upi, version DESC),
            share AS (
                SELECT coalesce('uin:' || (o ->> 'uin'), 'reg:' || (o ->> 'registrationNumber'), 'party:' || (o ->> 'partyId')) AS owner_key,
                       o ->> 'name' AS owner_name, o ->> 'uin' AS owner_uin, e.upi, e.value, o ->> 'share' AS share,
                       round(e.value * split_part(o ->> 'share', '/', 1)::numeric / split_part(o ->> 'share', '/', 2)::numeric, 2) AS assessed
                FROM entry e CROSS JOIN LATERAL jsonb_array_elements(e.owners) o
                WHERE e.status = 'valued')
            INSERT INTO tax.bills (id, tax_year, owner_key, owner_name, owner_uin, parcels, assessed_value, rate, amount, created_at, created_by)
            SELECT gen_random_uuid(), @year, s.owner_key, min(s.owner_name), min(s.owner_uin),
                   jsonb_agg(jsonb_build_object('upi', s.upi, 'value', s.value, 'share', s.share, 'assessed', s.assessed) ORDER BY s.upi),
                   sum(s.assessed), r.rate, round(sum(s.assessed) * r.rate, 2), @now, @by
            FROM share s CROSS JOIN rate r
            GROUP BY s.owner_key, r.rate
            ON CONFLICT (tax_year, owner_key) DO NOTHING
            """);
        command.CommandTimeout = 0;
        command.Parameters.AddWithValue("year", year);
        command.Parameters.AddWithValue("now", clock.GetUtcNow());
        command.Parameters.AddWithValue("by", by);
        var created = await command.ExecuteNonQueryAsync(ct);
        await using var rate = dataSource.CreateCommand(
            "SELECT rate FROM tax.rates WHERE category = 'property-tax' AND code = 'all' AND valid_from <= make_date(@year, 1, 1) ORDER BY valid_from DESC LIMIT 1");
        rate.Parameters.AddWithValue("year", year);
        return (created, (decimal)(await rate.ExecuteScalarAsync(ct) ?? 0m));
    }
}
