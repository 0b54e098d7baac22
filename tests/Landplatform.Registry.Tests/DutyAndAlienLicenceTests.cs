using System.Text.Json;
using Landplatform.Testing;
using static Landplatform.Registry.Tests.RegistryCounter;

namespace Landplatform.Registry.Tests;

/// <summary>
/// The island's duty and fees by the default schedule (stamp duty 5 % buyer + 5 % seller of the greater of price and the
/// Valuation Office's value; registration 40 + 2.50 per 1,000 above 15,000), and the Alien Land-Holding Licence a buyer who
/// is not a citizen needs (R-ALIEN), recorded by the registrar.
/// </summary>
public sealed class DutyAndAlienLicenceTests(SingleWindowServer server) : IClassFixture<SingleWindowServer>
{
    private readonly RegistryCounter counter = new(server);

    [Fact]
    public async Task A_sale_at_300000_of_a_parcel_valued_at_350000_owes_17500_duty_from_buyer_and_seller_and_the_banded_registration_fee()
    {
        var title = await SingleOwnerTitleAsync(server.Database, 1);
        await RevalueAsync(title.Upi, 350_000m);
        var id = await counter.LodgeAsync(Sale(title, 300_000m, new { uin = NewUin(101), name = "Corinne Duty-Buyer", share = "1" }));
        Ok(await counter.AttachAsync(id, "deed"), 201);

        var submitted = Ok(await counter.PostAsync($"/api/registry/transactions/{id}/submission", "notary"));
        Assert.Equal("fees-due", submitted.GetProperty("state").GetString());
        var invoice = submitted.GetProperty("invoice");
        // 40 + 2.50 × 335 (the thousands of 350,000 above 15,000) = 877.50, on the roll value, the greater.
        Assert.Equal(877.50m, invoice.GetProperty("fee").GetDecimal());
        Assert.Equal(35_000.00m, invoice.GetProperty("duty").GetDecimal());
        Assert.Equal(35_877.50m, invoice.GetProperty("total").GetDecimal());
        Assert.Equal("5 % buyer (17,500.00) + 5 % seller (17,500.00) of the greater of the consideration (300,000.00) and the roll value (350,000.00)",
            invoice.GetProperty("dutyBasis").GetString());

        // The invoice the notary pays shows each line: the registration fee, the buyer's duty, the seller's duty.
        var issued = Ok(await counter.GetAsync($"/api/payments/invoices/{invoice.GetProperty("invoiceId").GetGuid()}", "notary"));
        var lines = issued.GetProperty("lines").EnumerateArray()
            .Select(l => (Code: l.GetProperty("feeCode").GetString(), Amount: l.GetProperty("amount").GetDecimal(), Text: l.GetProperty("description").GetString()!)).ToList();
        Assert.Equal([("registry.transfer", 877.50m), ("tax.stamp-duty.buyer", 17_500.00m), ("tax.stamp-duty.seller", 17_500.00m)], lines.Select(l => (l.Code, l.Amount)));
        Assert.Contains("buyer", lines[1].Text);
        Assert.Contains("seller", lines[2].Text);
        Assert.Equal(35_877.50m, issued.GetProperty("total").GetDecimal());

        var paid = await counter.PayInvoiceAsync(id);
        Assert.Equal(35_877.50m, paid.GetProperty("paid").GetDecimal());
    }

    [Fact]
    public async Task A_sale_above_the_roll_value_is_charged_on_the_price_and_a_small_one_pays_only_the_base_fee()
    {
        var dear = await SingleOwnerTitleAsync(server.Database, 2);
        await RevalueAsync(dear.Upi, 100_000m);
        var id = await counter.LodgeAsync(Sale(dear, 250_500m, new { uin = NewUin(102), name = "Dorian Price-Payer", share = "1" }));
        Ok(await counter.AttachAsync(id, "deed"), 201);
        var invoice = Ok(await counter.PostAsync($"/api/registry/transactions/{id}/submission", "notary")).GetProperty("invoice");
        Assert.Equal(40m + (236m * 2.50m), invoice.GetProperty("fee").GetDecimal()); // 235,500 above 15,000: 236 thousands or part
        Assert.Equal(2 * 12_525.00m, invoice.GetProperty("duty").GetDecimal());

        var cheap = await SingleOwnerTitleAsync(server.Database, 3);
        await RevalueAsync(cheap.Upi, 9_000m);
        var small = await counter.LodgeAsync(Sale(cheap, 12_000m, new { uin = NewUin(103), name = "Elsa Small-Plot", share = "1" }));
        Ok(await counter.AttachAsync(small, "deed"), 201);
        var base40 = Ok(await counter.PostAsync($"/api/registry/transactions/{small}/submission", "notary")).GetProperty("invoice");
        Assert.Equal(40.00m, base40.GetProperty("fee").GetDecimal());
        Assert.Equal(1_200.00m, base40.GetProperty("duty").GetDecimal());
    }

    [Fact]
    public async Task Registry_and_payments_publish_the_same_fees_from_one_schedule_with_searches_by_day_and_page()
    {
        var payments = Ok(await counter.GetAsync("/api/payments/fees")).EnumerateArray().ToDictionary(f => f.GetProperty("code").GetString()!);
        var registry = Ok(await counter.GetAsync("/api/registry/fees")).EnumerateArray().ToList();
        Assert.NotEmpty(registry);
        foreach (var fee in registry)
        {
            var code = fee.GetProperty("code").GetString()!;
            Assert.Equal(payments[code].GetProperty("amount").ToString(), fee.GetProperty("amount").ToString());
            Assert.Equal(payments[code].GetProperty("charge").GetString(), fee.GetProperty("charge").GetString());
        }

        Assert.Equal(50.00m, registry.Single(f => f.GetProperty("kind").GetString() == "caveat").GetProperty("amount").GetDecimal());
        Assert.Equal("40.00 + 2.50 per 1,000 or part above 15,000.00", payments["registry.transfer"].GetProperty("charge").GetString());
        Assert.Equal("per day", payments["registry.search-day"].GetProperty("unit").GetString());
        Assert.Equal("per page", payments["registry.search-page"].GetProperty("unit").GetString());

        // A search of the Index of Deeds over three days, forty pages copied: invoiced per day and per page.
        var search = Ok(await counter.PostAsync("/api/payments/invoices", "registrar", new
        {
            subjectType = "deeds-search", subjectReference = "SEARCH-2026-0001", payerName = "Attorney for the purchaser",
            items = new object[] { new { feeCode = "registry.search-day", quantity = 3 }, new { feeCode = "registry.search-page", quantity = 40 } },
        }), 201);
        Assert.Equal((3 * 25.00m) + (40 * 2.00m), search.GetProperty("total").GetDecimal());
    }

    [Fact]
    public async Task A_sale_to_a_buyer_who_is_not_a_citizen_is_refused_until_a_licence_for_that_parcel_is_recorded()
    {
        var title = await SingleOwnerTitleAsync(server.Database, 4);
        var other = await SingleOwnerTitleAsync(server.Database, 5);
        var buyer = NewUin(104);
        server.Systems.CivilRegistry.Register(new Landplatform.Simulators.CivilPerson(buyer, "Henrik Alien-Buyer", null, Citizen: false, Nationality: "DK"));
        var id = await counter.LodgeAsync(Sale(title, 200_000m, new { uin = buyer, name = "Henrik Alien-Buyer", share = "1" }));
        await counter.PayAsync(id, "deed");

        var refused = Problem(await counter.ExamineAsync(id), 409, "R-ALIEN");
        var detail = refused.GetProperty("detail").GetString()!;
        Assert.Contains("Henrik Alien-Buyer", detail);
        Assert.Contains(buyer, detail);
        Assert.Contains(title.Upi, detail);
        Assert.Equal("paid", Ok(await counter.GetAsync($"/api/registry/transactions/{id}", "registrar")).GetProperty("state").GetString());

        // A licence for another parcel does not count.
        Ok(await counter.PostAsync("/api/registry/alien-licences", "registrar", Licence("ALHL-2026-0001", buyer, other.Upi)), 201);
        Problem(await counter.ExamineAsync(id), 409, "R-ALIEN");

        var licence = Ok(await counter.PostAsync("/api/registry/alien-licences", "registrar",
            Licence("ALHL-2026-0002", buyer, title.Upi, conditions: "to build a dwelling within five years")), 201);
        Assert.Equal("in-force", licence.GetProperty("status").GetString());
        Assert.Equal([title.Upi], licence.GetProperty("upis").EnumerateArray().Select(u => u.GetString()));

        Assert.Equal("examined", Ok(await counter.ExamineAsync(id)).GetProperty("state").GetString());
        Assert.Equal("registered", Ok(await counter.RegisterAsync(id)).GetProperty("transaction").GetProperty("state").GetString());
        var owner = Assert.Single(Ok(await counter.GetAsync($"/api/registry/titles/{title.TitleNumber}")).GetProperty("owners").EnumerateArray());
        Assert.Equal("Henrik Alien-Buyer", owner.GetProperty("name").GetString());

        // Registry staff find the buyer's licences by parcel and by holder.
        var byParcel = Ok(await counter.GetAsync($"/api/registry/alien-licences?upi={title.Upi}", "examiner"));
        Assert.Equal(["ALHL-2026-0002"], byParcel.EnumerateArray().Select(l => l.GetProperty("number").GetString()));
        Assert.Equal(2, Ok(await counter.GetAsync($"/api/registry/alien-licences?uin={buyer}", "registrar")).GetArrayLength());
        Assert.Equal(403, (await counter.GetAsync($"/api/registry/alien-licences?uin={buyer}", "citizen")).Status);
    }

    [Fact]
    public async Task Registration_checks_the_licence_again_and_a_revocation_is_a_new_record_that_stops_the_transfer()
    {
        var title = await SingleOwnerTitleAsync(server.Database, 6);
        var buyer = NewUin(106);
        server.Systems.CivilRegistry.Register(new Landplatform.Simulators.CivilPerson(buyer, "Ingrid Revoked-Licence", null, Citizen: false, Nationality: "SE"));
        Ok(await counter.PostAsync("/api/registry/alien-licences", "registrar", Licence("ALHL-2026-0010", buyer, title.Upi)), 201);
        var id = await counter.LodgeAsync(Sale(title, 180_000m, new { uin = buyer, name = "Ingrid Revoked-Licence", share = "1" }));
        await counter.PayAsync(id, "deed");
        Assert.Equal("examined", Ok(await counter.ExamineAsync(id)).GetProperty("state").GetString());

        Assert.Equal(403, (await counter.PostAsync("/api/registry/alien-licences/ALHL-2026-0010/revocation", "examiner", new { reason = "conditions not met" })).Status);
        var revoked = Ok(await counter.PostAsync("/api/registry/alien-licences/ALHL-2026-0010/revocation", "registrar", new { reason = "Cabinet revoked the licence: conditions not met" }));
        Assert.Equal("revoked", revoked.GetProperty("status").GetString());
        Problem(await counter.PostAsync("/api/registry/alien-licences/ALHL-2026-0010/revocation", "registrar", new { reason = "again" }), 409, "licence-revoked");

        Problem(await counter.RegisterAsync(id), 409, "R-ALIEN");
        Assert.Equal("examined", Ok(await counter.GetAsync($"/api/registry/transactions/{id}", "registrar")).GetProperty("state").GetString());

        // The licence is still on record, with its revocation; the database refuses rewriting or deleting either.
        var kept = Ok(await counter.GetAsync("/api/registry/alien-licences/ALHL-2026-0010", "registrar"));
        Assert.Equal("Cabinet revoked the licence: conditions not met", kept.GetProperty("revocation").GetProperty("reason").GetString());
        foreach (var sql in new[]
                 {
                     "DELETE FROM registry.alien_licence_revocations",
                     "UPDATE registry.alien_licences SET expires_on = granted_on",
                     "DELETE FROM registry.alien_licence_parcels",
                     "DELETE FROM registry.alien_licences",
                 })
        {
            var e = await Assert.ThrowsAsync<Npgsql.PostgresException>(() => server.Database.ScalarAsync<object>(sql));
            Assert.Contains("append-only", e.MessageText);
        }
    }

    [Fact]
    public async Task An_organisation_flagged_as_controlled_by_non_citizens_needs_a_licence_and_a_citizen_buyer_does_not()
    {
        var title = await SingleOwnerTitleAsync(server.Database, 7);
        var company = new { registrationNumber = "C-77001", name = "Offshore Holdings Ltd", share = "1", foreignControlled = true };
        var id = await counter.LodgeAsync(Sale(title, 150_000m, company));
        await counter.PayAsync(id, "deed");
        var refused = Problem(await counter.ExamineAsync(id), 409, "R-ALIEN");
        Assert.Contains("Offshore Holdings Ltd", refused.GetProperty("detail").GetString());
        Assert.Contains("controlled by non-citizens", refused.GetProperty("detail").GetString());
        Ok(await counter.PostAsync("/api/registry/alien-licences", "registrar", new
        {
            number = "ALHL-2026-0020", holder = new { registrationNumber = "C-77001", name = "Offshore Holdings Ltd" }, upis = new[] { title.Upi }, grantedOn = Today,
        }), 201);
        Assert.Equal("examined", Ok(await counter.ExamineAsync(id)).GetProperty("state").GetString());

        // A citizen (the civil registry says so) buys without any licence.
        var home = await SingleOwnerTitleAsync(server.Database, 8);
        var registered = await counter.RegisterThroughAsync(Sale(home, 90_000m, new { uin = NewUin(108), name = "Joseph Citizen-Buyer", share = "1" }), "deed");
        Assert.Equal("registered", registered.GetProperty("transaction").GetProperty("state").GetString());
    }

    [Fact]
    public async Task Bad_licence_input_is_a_problem_naming_the_field_and_rule_and_records_nothing()
    {
        var title = await SingleOwnerTitleAsync(server.Database, 9);
        var holder = NewUin(109);
        var mistyped = holder[..^1] + (char)('0' + ((holder[^1] - '0' + 1) % 10));
        var before = await server.Database.ScalarAsync<long>("SELECT count(*) FROM registry.alien_licences");
        var cases = new (object Body, string Parameter, string Rule)[]
        {
            (new { holder = new { uin = holder, name = "K" }, upis = new[] { title.Upi }, grantedOn = Today }, "number", "licence-number"),
            (new { number = "ALHL 1; DROP", holder = new { uin = holder, name = "K" }, upis = new[] { title.Upi }, grantedOn = Today }, "number", "licence-number"),
            (new { number = "ALHL-X1", upis = new[] { title.Upi }, grantedOn = Today }, "holder", "licence-holder"),
            (new { number = "ALHL-X2", holder = new { uin = holder, registrationNumber = "C-1", name = "K" }, upis = new[] { title.Upi }, grantedOn = Today }, "holder", "licence-holder"),
            (new { number = "ALHL-X3", holder = new { uin = mistyped, name = "K" }, upis = new[] { title.Upi }, grantedOn = Today }, "holder.uin", "uin-check-digit"),
            (new { number = "ALHL-X4", holder = new { uin = holder }, upis = new[] { title.Upi }, grantedOn = Today }, "holder.name", "party-name"),
            (new { number = "ALHL-X5", holder = new { uin = holder, name = "K" }, upis = Array.Empty<string>(), grantedOn = Today }, "upis", "licence-parcels"),
            (new { number = "ALHL-X6", holder = new { uin = holder, name = "K" }, upis = new[] { title.Upi, "CH-99999-9999" }, grantedOn = Today }, "upis[1]", "licence-parcel-unknown"),
            (new { number = "ALHL-X6b", holder = new { uin = holder, name = "K" }, upis = new[] { "not a parcel" }, grantedOn = Today }, "upis[0]", "upi-format"),
            (new { number = "ALHL-X7", holder = new { uin = holder, name = "K" }, upis = new[] { title.Upi }, grantedOn = "2026-02-30" }, "grantedOn", "licence-date"),
            (new { number = "ALHL-X8", holder = new { uin = holder, name = "K" }, upis = new[] { title.Upi }, grantedOn = "2999-01-01" }, "grantedOn", "licence-date"),
            (new { number = "ALHL-X9", holder = new { uin = holder, name = "K" }, upis = new[] { title.Upi } }, "grantedOn", "licence-date"),
            (new { number = "ALHL-X10", holder = new { uin = holder, name = "K" }, upis = new[] { title.Upi }, grantedOn = "2026-01-10", expiresOn = "2025-12-31" }, "expiresOn", "licence-expiry"),
        };
        foreach (var (body, parameter, rule) in cases)
        {
            Problem(await counter.PostAsync("/api/registry/alien-licences", "registrar", body), 400, rule, parameter);
        }

        Assert.Equal(403, (await counter.PostAsync("/api/registry/alien-licences", "notary", Licence("ALHL-2026-0030", holder, title.Upi))).Status);
        Assert.Equal(401, (await counter.PostAsync("/api/registry/alien-licences", null, Licence("ALHL-2026-0030", holder, title.Upi))).Status);
        Assert.Equal(before, await server.Database.ScalarAsync<long>("SELECT count(*) FROM registry.alien_licences"));

        Ok(await counter.PostAsync("/api/registry/alien-licences", "registrar", Licence("ALHL-2026-0030", holder, title.Upi)), 201);
        Problem(await counter.PostAsync("/api/registry/alien-licences", "registrar", Licence("alhl-2026-0030", holder, title.Upi)), 400, "licence-number-taken", "number");
        Assert.Equal(before + 1, await server.Database.ScalarAsync<long>("SELECT count(*) FROM registry.alien_licences"));
        Problem(await counter.GetAsync("/api/registry/alien-licences/ALHL-NONE", "registrar"), 404, "licence-unknown");
    }

    private static object Sale(SampleTitle title, decimal price, object grantee) => new
    {
        kind = "transfer",
        titleNumber = title.TitleNumber,
        instrumentDate = Today,
        reason = "sale",
        grantors = new[] { new { partyId = title.OwnerId } },
        grantees = new[] { grantee },
        amount = price,
    };

    private static object Licence(string number, string uin, string upi, string? conditions = null) => new
    {
        number,
        holder = new { uin, name = "Licence Holder" },
        upis = new[] { upi },
        grantedOn = Today,
        conditions,
    };

    /// <summary>The Valuation Office revalues a parcel: a new version of its roll entry (the roll is append-only).</summary>
    private async Task RevalueAsync(string upi, decimal value) =>
        await server.Database.ScalarAsync<object>("""
            INSERT INTO tax.roll_entries (upi, version, status, official_area, land_use, district_code, land_rate, location_factor, land_value,
                                          floor_area, building_value, value, basis, title_number, owners, reason, valued_on, recorded_at)
            SELECT upi, version + 1, status, official_area, land_use, district_code, land_rate, location_factor, @value, 0, 0, @value,
                   'revalued by the Valuation Office', title_number, owners, 'revaluation', current_date, now()
            FROM tax.roll_entries WHERE upi = @upi ORDER BY version DESC LIMIT 1
            RETURNING 1
            """, ("upi", upi), ("value", value));
}
