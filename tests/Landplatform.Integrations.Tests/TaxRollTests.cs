using System.Text.Json;
using Landplatform.Cadastre.Contracts.Events;
using Landplatform.Cadastre.Contracts.Tax;
using Landplatform.Integrations.Tax;
using Landplatform.Testing;
using Microsoft.Extensions.DependencyInjection;
using static Landplatform.Integrations.Tests.CivicScenario;

namespace Landplatform.Integrations.Tests;

/// <summary>The valuation roll: its model, who sees owners, following the register and the fabric, bills and transfer duty.</summary>
public sealed class TaxRollTests(CivicServer server) : IClassFixture<CivicServer>
{
    private readonly CivicScenario civic = new(server);

    // The model as the README states it, computed here independently of the roll's SQL: rates written out,
    // buildings taken by the building register's parcel (the roll places them by where they stand).
    private const string ModelSql = """
        SELECT round(v.official_area
                 * CASE v.land_use WHEN 'residential' THEN 45 WHEN 'commercial' THEN 90 WHEN 'industrial' THEN 35 WHEN 'institutional' THEN 25
                                   WHEN 'agricultural' THEN 4 WHEN 'forest' THEN 1.5 WHEN 'conservation' THEN 0.5 END
                 * CASE v.district_code WHEN 'CH' THEN 1.00 WHEN 'SA' THEN 1.10 WHEN 'SD' THEN 0.85 WHEN 'SG' THEN 1.40 WHEN 'SP' THEN 0.90 END, 2)
             + coalesce((SELECT round(sum(ST_Area(b.footprint) * b.storeys
                 * CASE b.use WHEN 'dwelling' THEN 900 WHEN 'shop' THEN 1100 WHEN 'office' THEN 1200 WHEN 'warehouse' THEN 600
                              WHEN 'farm building' THEN 300 WHEN 'school' THEN 800 WHEN 'church' THEN 700 WHEN 'clinic' THEN 1000 ELSE 500 END)::numeric, 2)
                 FROM cadastre.buildings b WHERE b.upi = v.upi), 0)
        FROM cadastre.parcel_versions v WHERE v.upi = @upi AND v.status = 'current'
        """;

    private Task<string> ParcelWithBuildingsAsync(int skip) => server.Database.ScalarAsync<string>("""
        SELECT v.upi FROM cadastre.parcel_versions v
        WHERE v.status = 'current' AND v.land_use = 'residential' AND EXISTS (SELECT 1 FROM cadastre.buildings b WHERE b.upi = v.upi)
        ORDER BY v.upi OFFSET @skip LIMIT 1
        """, ("skip", skip));

    [Fact]
    public async Task The_roll_values_every_current_parcel_by_the_stated_model_and_shows_owners_only_to_staff_and_owners()
    {
        // Every current parcel is valued on the roll, and nothing else is (other tests here may have retired some).
        Assert.Equal(0L, await server.Database.ScalarAsync<long>("""
            SELECT count(*) FROM (SELECT DISTINCT ON (upi) upi, status FROM tax.roll_entries ORDER BY upi, version DESC) e
            FULL JOIN (SELECT upi FROM cadastre.parcel_versions WHERE status = 'current') v USING (upi)
            WHERE (v.upi IS NOT NULL AND e.status IS DISTINCT FROM 'valued') OR (v.upi IS NULL AND e.status = 'valued')
            """));

        var upi = await ParcelWithBuildingsAsync(0);
        var expected = await server.Database.ScalarAsync<decimal>(ModelSql, ("upi", upi));
        var entry = Ok(await civic.GetAsync($"/api/tax/parcels/{upi}"));
        Assert.Equal(expected, entry.GetProperty("value").GetDecimal());
        Assert.True(entry.GetProperty("buildingValue").GetDecimal() > 0);
        Assert.Contains("XCD/m²", entry.GetProperty("basis").GetString());
        Assert.Equal(JsonValueKind.Null, entry.GetProperty("owners").ValueKind);

        // Every parcel agrees with the model, not just the one shown (buildings placed by where they stand = by their parcel here).
        Assert.Equal(0L, await server.Database.ScalarAsync<long>($"""
            SELECT count(*) FROM (SELECT DISTINCT ON (upi) upi, value FROM tax.roll_entries ORDER BY upi, version DESC) e
            WHERE e.value <> ({ModelSql.Replace("@upi", "e.upi", StringComparison.Ordinal)})
            """));

        var registered = await server.Database.ScalarAsync<string>("""
            SELECT p.name FROM registry.title_parcels tp JOIN registry.rights r ON r.title_number = tp.title_number AND r.kind = 'ownership' AND r.valid_to IS NULL
            JOIN registry.parties p ON p.id = r.party_id WHERE tp.upi = @upi ORDER BY r.id LIMIT 1
            """, ("upi", upi));
        var staff = Ok(await civic.GetAsync($"/api/tax/parcels/{upi}", "tax-officer"));
        Assert.Equal(registered, staff.GetProperty("owners")[0].GetProperty("name").GetString());
        Assert.Equal(JsonValueKind.Null, Ok(await civic.GetAsync($"/api/tax/parcels/{upi}", "citizen")).GetProperty("owners").ValueKind);
        Problem(await civic.GetAsync($"/api/tax/parcels/{upi}?history=true", "citizen"), 400, "roll-history-staff", "history");
        Problem(await civic.GetAsync("/api/tax/parcels/not-a-upi"), 400, "upi-format", "upi");
    }

    [Fact]
    public async Task A_registered_transfer_reaches_the_roll_through_the_exchange_as_a_new_version_and_a_repeat_adds_nothing()
    {
        var upi = await ParcelWithBuildingsAsync(1);
        var before = Ok(await civic.GetAsync($"/api/tax/parcels/{upi}", "tax-officer"));
        var citizen = Person("citizen");
        var transaction = await civic.RegisterTransferAsync(upi, citizen.Uin, citizen.FullName);

        JsonElement after = default;
        await Until(async () =>
        {
            after = Ok(await civic.GetAsync($"/api/tax/parcels/{upi}?history=true", "tax-officer"));
            return after.GetProperty("version").GetInt32() > before.GetProperty("version").GetInt32();
        }, "the roll to show the new owner");
        var owner = Assert.Single(after.GetProperty("owners").EnumerateArray());
        Assert.Equal(citizen.FullName, owner.GetProperty("name").GetString());
        Assert.Equal(citizen.Uin, owner.GetProperty("uin").GetString());
        Assert.Equal("new-owner", after.GetProperty("reason").GetString());
        Assert.Equal(before.GetProperty("value").GetDecimal(), after.GetProperty("value").GetDecimal());
        var past = after.GetProperty("history")[0];
        Assert.Equal(before.GetProperty("owners")[0].GetProperty("name").GetString(), past.GetProperty("owners")[0].GetProperty("name").GetString());

        // The owner now sees themselves on the entry (by name); the public still sees no one.
        var own = Ok(await civic.GetAsync($"/api/tax/parcels/{upi}", "citizen"));
        Assert.Equal(citizen.FullName, own.GetProperty("owners")[0].GetProperty("name").GetString());
        Assert.Equal(JsonValueKind.Null, Ok(await civic.GetAsync($"/api/tax/parcels/{upi}")).GetProperty("owners").ValueKind);

        // At least once: the same event handled again changes nothing; and the roll refuses rewriting.
        var stored = await server.Database.ScalarAsync<string>(
            "SELECT json_build_array(event_id, occurred_at, payload::text)::text FROM exchange.outbox WHERE correlation_id = @tx", ("tx", transaction));
        var row = JsonDocument.Parse(stored).RootElement;
        var handler = server.Services.GetServices<IEventSubscriber>().Single(s => s.Name == "tax.roll.owners");
        await handler.HandleAsync(new PlatformEvent(row[0].GetGuid(), "registry.transaction.registered", row[1].GetDateTimeOffset(), transaction, row[2].GetString()!), CancellationToken.None);
        Assert.Equal(after.GetProperty("version").GetInt32(), await server.Database.ScalarAsync<int>("SELECT max(version) FROM tax.roll_entries WHERE upi = @upi", ("upi", upi)));
        var refusal = await Assert.ThrowsAsync<Npgsql.PostgresException>(() =>
            server.Database.ScalarAsync<object>("UPDATE tax.roll_entries SET value = 1 WHERE upi = @upi RETURNING 1", ("upi", upi)));
        Assert.Equal("LPH02", refusal.SqlState);
    }

    [Fact]
    public async Task A_subdivision_takes_the_parent_off_the_roll_and_values_the_children_with_the_parents_owners()
    {
        var parent = await server.Database.SplittableParcelAsync(3);
        var before = Ok(await civic.GetAsync($"/api/tax/parcels/{parent.Upi}", "tax-officer"));
        var change = await server.Database.SubdivideInTwoAsync(parent, DateTimeOffset.UtcNow);

        await Until(async () => Ok(await civic.GetAsync($"/api/tax/parcels/{parent.Upi}")).GetProperty("status").GetString() == "retired",
            "the parent to leave the roll");
        foreach (var child in change.ChildUpis)
        {
            JsonElement entry = default;
            await Until(async () => (entry = (await civic.GetAsync($"/api/tax/parcels/{child}", "tax-officer")).Body).ValueKind == JsonValueKind.Object
                && entry.TryGetProperty("value", out _), $"child {child} on the roll");
            Assert.Equal("valued", entry.GetProperty("status").GetString());
            Assert.Equal("subdivision", entry.GetProperty("reason").GetString());
            Assert.Equal(await server.Database.ScalarAsync<decimal>(ModelSql, ("upi", child)) + await BuildingsStandingInAsync(child),
                entry.GetProperty("value").GetDecimal());
            Assert.Equal(before.GetProperty("owners")[0].GetProperty("name").GetString(), entry.GetProperty("owners")[0].GetProperty("name").GetString());
        }

        // Duty on the retired parent is refused: it is no longer on the roll as valued.
        Problem(await civic.PostAsync("/api/tax/transfer-duty", "notary", new { kind = "gift", upis = new[] { parent.Upi } }), 400, "duty-parcel-unvalued", "upis");
    }

    // The children's buildings still name the parent in the building register; the roll places them by where they stand.
    private Task<decimal> BuildingsStandingInAsync(string child) => server.Database.ScalarAsync<decimal>("""
        SELECT coalesce(round(sum(ST_Area(b.footprint) * b.storeys
                 * CASE b.use WHEN 'dwelling' THEN 900 WHEN 'shop' THEN 1100 WHEN 'office' THEN 1200 WHEN 'warehouse' THEN 600
                              WHEN 'farm building' THEN 300 WHEN 'school' THEN 800 WHEN 'church' THEN 700 WHEN 'clinic' THEN 1000 ELSE 500 END)::numeric, 2), 0)
        FROM cadastre.parcel_versions v JOIN cadastre.buildings b ON b.upi <> v.upi AND ST_Contains(v.boundary, ST_PointOnSurface(b.footprint))
        WHERE v.upi = @upi AND v.status = 'current'
        """, ("upi", child));

    [Fact]
    public async Task Stamp_duty_on_a_sale_is_split_buyer_and_seller_on_the_greater_of_price_and_roll_value_and_the_registry_finds_the_assessor()
    {
        Assert.IsType<TransferDutyAssessor>(server.Services.GetRequiredService<ITransferDutyAssessor>());
        var upi = await ParcelWithBuildingsAsync(2);
        var roll = Ok(await civic.GetAsync($"/api/tax/parcels/{upi}")).GetProperty("value").GetDecimal();

        var above = Ok(await civic.PostAsync("/api/tax/transfer-duty", "notary", new { kind = "sale", upis = new[] { upi }, consideration = roll + 10_000m, currency = "XCD" }));
        var share = decimal.Round((roll + 10_000m) * 0.05m, 2, MidpointRounding.AwayFromZero);
        Assert.Equal(2 * share, above.GetProperty("amount").GetDecimal());
        Assert.Equal(roll + 10_000m, above.GetProperty("dutiableValue").GetDecimal());
        Assert.Equal([("buyer", "tax.stamp-duty.buyer", share), ("seller", "tax.stamp-duty.seller", share)], above.GetProperty("shares").EnumerateArray()
            .Select(s => (s.GetProperty("payer").GetString(), s.GetProperty("feeCode").GetString(), s.GetProperty("amount").GetDecimal())));
        Assert.StartsWith("5 % buyer (", above.GetProperty("basis").GetString());
        Assert.Contains("+ 5 % seller (", above.GetProperty("basis").GetString());

        var below = Ok(await civic.PostAsync("/api/tax/transfer-duty", "notary", new { kind = "sale", upis = new[] { upi }, consideration = 1m }));
        Assert.Equal(2 * decimal.Round(roll * 0.05m, 2, MidpointRounding.AwayFromZero), below.GetProperty("amount").GetDecimal());
        var gift = Ok(await civic.PostAsync("/api/tax/transfer-duty", "notary", new { kind = "gift", upis = new[] { upi } }));
        Assert.Equal(decimal.Round(roll * 0.02m, 2, MidpointRounding.AwayFromZero), gift.GetProperty("amount").GetDecimal());
        Assert.Equal(0m, Ok(await civic.PostAsync("/api/tax/transfer-duty", "notary", new { kind = "inheritance", upis = new[] { upi } })).GetProperty("amount").GetDecimal());

        Problem(await civic.PostAsync("/api/tax/transfer-duty", "notary", new { kind = "barter", upis = new[] { upi } }), 400, "duty-kind", "kind");
        Problem(await civic.PostAsync("/api/tax/transfer-duty", "notary", new { kind = "sale", upis = new[] { upi }, consideration = 5m, currency = "USD" }), 400, "duty-currency", "currency");
        Assert.Equal(403, (await civic.PostAsync("/api/tax/transfer-duty", "citizen", new { kind = "sale", upis = new[] { upi } })).Status);
    }

    [Fact]
    public async Task Annual_bills_are_made_once_per_owner_by_a_tax_officer_and_a_citizen_sees_their_own()
    {
        var upi = await ParcelWithBuildingsAsync(4);
        var citizen = Person("citizen");
        await civic.RegisterTransferAsync(upi, citizen.Uin, citizen.FullName);
        await Until(async () => Ok(await civic.GetAsync($"/api/tax/parcels/{upi}", "citizen")).GetProperty("owners").ValueKind == JsonValueKind.Array,
            "the roll to name the citizen");
        var value = Ok(await civic.GetAsync($"/api/tax/parcels/{upi}")).GetProperty("value").GetDecimal();

        Assert.Equal(403, (await civic.PostAsync("/api/tax/bills/2026", "citizen")).Status);
        Problem(await civic.PostAsync("/api/tax/bills/2019", "tax-officer"), 400, "tax-year", "year");
        var run = Ok(await civic.PostAsync("/api/tax/bills/2026", "tax-officer"), 201);
        Assert.True(run.GetProperty("created").GetInt32() > 1000);
        Assert.Equal(0.004m, run.GetProperty("rate").GetDecimal());
        var again = Ok(await civic.PostAsync("/api/tax/bills/2026", "tax-officer"), 201);
        Assert.Equal(0, again.GetProperty("created").GetInt32());
        Assert.Equal(run.GetProperty("total").GetInt32(), again.GetProperty("total").GetInt32());
        Assert.Equal(await server.Database.ScalarAsync<long>("""
            SELECT count(DISTINCT coalesce('uin:' || (o ->> 'uin'), 'reg:' || (o ->> 'registrationNumber'), 'party:' || (o ->> 'partyId')))
            FROM (SELECT DISTINCT ON (upi) * FROM tax.roll_entries ORDER BY upi, version DESC) e CROSS JOIN LATERAL jsonb_array_elements(e.owners) o
            WHERE e.status = 'valued'
            """), run.GetProperty("total").GetInt32());

        // The citizen's one bill covers every parcel the roll names them on (other tests here may have given them more).
        var mine = Ok(await civic.GetAsync("/api/tax/bills/2026", "citizen"));
        var bill = Assert.Single(mine.EnumerateArray());
        Assert.Equal(citizen.FullName, bill.GetProperty("ownerName").GetString());
        var owned = JsonSerializer.Deserialize<string[]>(await server.Database.ScalarAsync<string>("""
            SELECT json_agg(upi ORDER BY upi)::text FROM (SELECT DISTINCT ON (upi) * FROM tax.roll_entries ORDER BY upi, version DESC) e
            WHERE e.status = 'valued' AND e.owners @> jsonb_build_array(jsonb_build_object('uin', @uin::text))
            """, ("uin", citizen.Uin)))!;
        Assert.Contains(upi, owned);
        Assert.Equal(owned, bill.GetProperty("parcels").EnumerateArray().Select(p => p.GetProperty("upi").GetString()));
        var total = 0m;
        foreach (var parcel in owned)
        {
            total += Ok(await civic.GetAsync($"/api/tax/parcels/{parcel}")).GetProperty("value").GetDecimal();
        }

        Assert.True(total >= value);
        Assert.Equal(total, bill.GetProperty("assessedValue").GetDecimal());
        Assert.Equal(decimal.Round(total * 0.004m, 2, MidpointRounding.AwayFromZero), bill.GetProperty("amount").GetDecimal());
        Assert.Empty(Ok(await civic.GetAsync("/api/tax/bills/2026", "surveyor")).EnumerateArray());
        Assert.Single(Ok(await civic.GetAsync($"/api/tax/bills/2026?ownerUin={citizen.Uin}", "tax-officer")).EnumerateArray());
    }
}
