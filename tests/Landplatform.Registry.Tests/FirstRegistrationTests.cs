using System.Text.Json;
using Landplatform.Registry.Conversions;
using Landplatform.Simulators;
using Landplatform.Testing;
using Microsoft.Extensions.DependencyInjection;
using static Landplatform.Registry.Tests.RegistryCounter;

namespace Landplatform.Registry.Tests;

/// <summary>The conversions' own calendar, moved by the test: the challenge period passes without sleeping, the rest of the platform keeps real time.</summary>
public sealed class MovableClock : TimeProvider
{
    public TimeSpan Offset { get; set; }

    public override DateTimeOffset GetUtcNow() => System.GetUtcNow() + Offset;
}

/// <summary>The single window with the first registrations' clock under the test's hand.</summary>
public sealed class ConversionServer : SingleWindowServer
{
    public MovableClock Clock { get; } = new();

    protected override void ConfigureServices(IServiceCollection services) =>
        services.AddKeyedSingleton<TimeProvider>(FirstRegistrations.ClockKey, Clock);
}

/// <summary>
/// First registration (issue #22, "From deeds to titles"): a parcel recorded only in the register of deeds is brought onto
/// the title register from its root of title — a provisional title, a public notice, objections recorded and decided, an
/// absolute title after the challenge period — and from then its dealings go through the title register while the register
/// of deeds takes no new deeds for it. Real HTTP, real tokens, the civil registry simulator; the conversions' clock moved.
/// </summary>
public sealed class FirstRegistrationTests(ConversionServer server) : IClassFixture<ConversionServer>
{
    private static readonly TimeSpan BeforeThePeriod = TimeSpan.FromDays(-(FirstRegistrations.DefaultChallengeDays + 1));

    private readonly RegistryCounter counter = new(server);

    [Fact]
    public async Task A_parcel_with_a_clean_chain_of_deeds_becomes_a_provisional_then_an_absolute_title_and_deals_through_the_title_register()
    {
        var upi = await UntitledParcelAsync(0);
        await RecordAsync(Deed("301/1975", "1975-03-01", "gift", ["Ada Older"], ["Basil Root"], upi));
        await RecordAsync(Deed("302/1980", "1980-06-12", "conveyance", ["Basil Root"], ["Celia Buyer"], upi, 45_000m));
        await RecordAsync(Deed("303/2001", "2001-02-03", "conveyance", ["Celia Buyer"], ["Dorian Next", "Eva Next"], upi, 180_000m));
        var dorian = Person(311, "Dorian Next");
        var eva = Person(312, "Eva Next");

        // Sixty-one days ago (the conversions' clock), the registrar opens the conversion from the root of title.
        server.Clock.Offset = BeforeThePeriod;
        var opened = Ok(await counter.PostAsync("/api/registry/conversions", "registrar", new
        {
            upi,
            proprietors = new[] { new { name = "Dorian Next", uin = dorian }, new { name = "Eva  next", uin = eva } },
        }), 201);
        var id = opened.GetProperty("id").GetGuid();
        var title = opened.GetProperty("titleNumber").GetString()!;
        Assert.Equal("provisional", opened.GetProperty("state").GetString());
        Assert.Equal("T-" + upi, title);
        Assert.Equal("302/1980", opened.GetProperty("basis").GetProperty("rootDeed").GetString());
        Assert.Equal("303/2001", opened.GetProperty("basis").GetProperty("lastDeed").GetString());
        var proprietors = opened.GetProperty("basis").GetProperty("proprietors").EnumerateArray().ToList();
        Assert.Equal(["1/2", "1/2"], proprietors.Select(p => p.GetProperty("share").GetString()));

        // The extract and the search (anonymous) show the title as provisional, with the proprietors the deeds name.
        var extract = await server.GetJsonAsync($"/api/registry/titles/{title}");
        Assert.Equal("provisional", extract.GetProperty("status").GetString());
        Assert.Equal(["Dorian Next", "Eva Next"], extract.GetProperty("owners").EnumerateArray().Select(o => o.GetProperty("name").GetString()).Order());
        var hit = (await server.GetJsonAsync($"/api/registry/search?upi={upi}")).EnumerateArray().Single(t => t.GetProperty("titleNumber").GetString() == title);
        Assert.Equal("provisional", hit.GetProperty("status").GetString());

        // The public notice, for anyone to read.
        var notice = (await server.GetJsonAsync("/api/registry/conversions/notices")).EnumerateArray().Single(n => n.GetProperty("conversionId").GetGuid() == id);
        Assert.Equal(upi, notice.GetProperty("upi").GetString());
        Assert.Equal(["Dorian Next (1/2)", "Eva Next (1/2)"], notice.GetProperty("proposedProprietors").EnumerateArray().Select(p => p.GetString()));
        Assert.True(notice.GetProperty("challengeOpen").GetBoolean());
        Assert.Empty(notice.GetProperty("breaks").EnumerateArray());

        // A provisional title takes no dealings.
        var tooEarly = Transfer(
            new SampleTitle(title, upi, proprietors[0].GetProperty("partyId").GetInt64(), "Dorian Next"), [new { uin = NewUin(313), name = "Too Early", share = "1" }],
            grantors: [.. proprietors.Select(p => (object)new { partyId = p.GetProperty("partyId").GetInt64() })]);
        counter.KnownToCivilRegistry(tooEarly);
        Problem(await counter.PostAsync("/api/registry/transactions", "notary", tooEarly), 409, "R-PROVISIONAL");

        // A citizen objects; the registrar cannot make the title absolute while the period runs; the objection is dismissed.
        var objection = Ok(await counter.PostAsync($"/api/registry/conversions/{id}/objections", "citizen",
            new { grounds = "My late father bought this land in 1990 and never sold it.", evidence = "receipt kept at the family home" }), 201);
        Assert.Equal("pending", objection.GetProperty("state").GetString());
        Assert.Equal("citizen", objection.GetProperty("lodgedBy").GetString());
        var objectionId = objection.GetProperty("id").GetGuid();
        Problem(await counter.PostAsync($"/api/registry/conversions/{id}/absolute", "registrar"), 409, "challenge-period-running");
        Assert.Equal(403, (await counter.PostAsync($"/api/registry/conversions/{id}/objections/{objectionId}/decision", "citizen", new { decision = "upheld", reason = "x" })).Status);
        var dismissed = Ok(await counter.PostAsync($"/api/registry/conversions/{id}/objections/{objectionId}/decision", "registrar",
            new { decision = "dismissed", reason = "No deed of 1990 is recorded and the receipt names another parcel." }));
        Assert.Equal("provisional", dismissed.GetProperty("state").GetString());
        Assert.Equal("dismissed", dismissed.GetProperty("objections")[0].GetProperty("state").GetString());
        Problem(await counter.PostAsync($"/api/registry/conversions/{id}/objections/{objectionId}/decision", "registrar",
            new { decision = "upheld", reason = "second thoughts" }), 409, "objection-decided");

        // Today: the period is over. No objection is taken any more; the title is made absolute.
        server.Clock.Offset = TimeSpan.Zero;
        Problem(await counter.PostAsync($"/api/registry/conversions/{id}/objections", "citizen", new { grounds = "Too late, I know." }), 409, "challenge-period-ended");
        var absolute = Ok(await counter.PostAsync($"/api/registry/conversions/{id}/absolute", "registrar"));
        Assert.Equal("absolute", absolute.GetProperty("state").GetString());
        Problem(await counter.PostAsync($"/api/registry/conversions/{id}/absolute", "registrar"), 409, "conversion-absolute");
        Assert.Equal("open", (await server.GetJsonAsync($"/api/registry/titles/{title}")).GetProperty("status").GetString());
        Assert.DoesNotContain((await server.GetJsonAsync("/api/registry/conversions/notices")).EnumerateArray(), n => n.GetProperty("conversionId").GetGuid() == id);

        // The proprietors sell through the title register: lodged, paid, examined, registered as any title's dealing.
        var buyer = NewUin(314);
        var registered = await counter.RegisterThroughAsync(Transfer(
            new SampleTitle(title, upi, proprietors[0].GetProperty("partyId").GetInt64(), "Dorian Next"), [new { uin = buyer, name = "Fiona Buyer", share = "1" }],
            grantors: [.. proprietors.Select(p => (object)new { partyId = p.GetProperty("partyId").GetInt64() })]), "deed");
        Assert.Equal("registered", registered.GetProperty("transaction").GetProperty("state").GetString());
        var owners = (await server.GetJsonAsync($"/api/registry/titles/{title}")).GetProperty("owners").EnumerateArray().ToList();
        Assert.Equal("Fiona Buyer", Assert.Single(owners).GetProperty("name").GetString());

        // The register of deeds takes no new deed for the parcel, nor a link of an old one.
        Problem(await counter.PostAsync("/api/deeds", "registrar", Deed("304/2026", RegistryCounter.Today, "conveyance", ["Fiona Buyer"], ["Gus Later"], upi, 300_000m)),
            409, "deeds-parcel-on-title-register");
        var loose = await RecordAsync(Deed("305/1999", "1999-09-09", "power-of-attorney", ["Celia Buyer"], ["Hal Agent"], null));
        Problem(await counter.PostAsync($"/api/deeds/{loose.GetProperty("id").GetGuid()}/parcels", "registrar", new { upi }), 409, "deeds-parcel-on-title-register");

        // Every step is in the register journal, and the journal (and the deeds journal) verify.
        var kinds = await JournalKindsAsync(title);
        Assert.Equal(["first-registration", "conversion-objection", "conversion-decision", "absolute-title", "transfer"], kinds);
        var verification = Ok(await counter.GetAsync("/api/registry/journal/verification", "registrar"));
        Assert.True(verification.GetProperty("intact").GetBoolean(), verification.ToString());
        Assert.True(Ok(await counter.GetAsync("/api/deeds/journal/verification", "registrar")).GetProperty("intact").GetBoolean());

        // An objection's grounds rewritten around the triggers no longer match its journal entry; put back, the journal holds again.
        const string Rewrite = "SET session_replication_role = replica; UPDATE registry.conversion_steps SET grounds = @g WHERE transaction_id = @id";
        await OwnerExecuteAsync(Rewrite, ("g", "I withdraw my objection."), ("id", objectionId));
        try
        {
            var tampered = Ok(await counter.GetAsync("/api/registry/journal/verification", "registrar"));
            Assert.False(tampered.GetProperty("intact").GetBoolean());
            Assert.Contains(tampered.GetProperty("findings").EnumerateArray(), f => f.GetString()!.Contains(objectionId.ToString(), StringComparison.Ordinal));
        }
        finally
        {
            await OwnerExecuteAsync(Rewrite, ("g", "My late father bought this land in 1990 and never sold it."), ("id", objectionId));
        }

        Assert.True(Ok(await counter.GetAsync("/api/registry/journal/verification", "registrar")).GetProperty("intact").GetBoolean());
    }

    private async Task OwnerExecuteAsync(string sql, params (string Name, object Value)[] parameters)
    {
        await using var connection = new Npgsql.NpgsqlConnection(server.Database.ConnectionString);
        await connection.OpenAsync();
        await using var command = new Npgsql.NpgsqlCommand(sql, connection);
        foreach (var (name, value) in parameters)
        {
            command.Parameters.AddWithValue(name, value);
        }

        await command.ExecuteNonQueryAsync();
    }

    [Fact]
    public async Task A_broken_chain_needs_a_reason_an_unreleased_mortgage_becomes_a_charge_and_an_upheld_objection_cancels_the_provisional_title()
    {
        var upi = await UntitledParcelAsync(2);
        await RecordAsync(Deed("401/1980", "1980-01-01", "conveyance", ["Ivo Seller"], ["Jana Holder"], upi, 30_000m));
        await RecordAsync(Deed("402/2000", "2000-01-01", "conveyance", ["Karl Stranger"], ["Lena Taker"], upi, 90_000m));
        await RecordAsync(Deed("403/2005", "2005-05-05", "mortgage", ["Lena Taker"], ["Island Bank Ltd"], upi, 50_000m));
        var lena = Person(411, "Lena Taker");
        server.Clock.Offset = BeforeThePeriod;
        var request = new { upi, proprietors = new[] { new { name = "Lena Taker", uin = lena } } };

        var unsound = Problem(await counter.PostAsync("/api/registry/conversions", "registrar", request), 409, "conversion-root-unsound");
        Assert.Contains("missing-link (402/2000)", unsound.GetProperty("detail").GetString());
        var reason = "Statutory declaration of Lena Taker of 2026-11-02: Karl Stranger held under an unrecorded assent.";
        Problem(await counter.PostAsync("/api/registry/conversions", "registrar", new { request.upi, request.proprietors, proceedReason = reason }), 400, "conversion-charges", "charges");
        Problem(await counter.PostAsync("/api/registry/conversions", "registrar", new
        {
            request.upi, request.proprietors, proceedReason = reason, charges = new[] { new { mortgage = "999/1999", registrationNumber = "IB-0001" } },
        }), 400, "conversion-charges", "charges[0].mortgage");
        var opened = Ok(await counter.PostAsync("/api/registry/conversions", "registrar", new
        {
            request.upi, request.proprietors, proceedReason = reason, charges = new[] { new { mortgage = "403/2005", registrationNumber = "IB-0001" } },
        }), 201);
        var id = opened.GetProperty("id").GetGuid();
        var title = opened.GetProperty("titleNumber").GetString()!;

        // The charge is on the provisional title; the notice names the break and the reason.
        var extract = await server.GetJsonAsync($"/api/registry/titles/{title}");
        var charge = Assert.Single(extract.GetProperty("restrictions").EnumerateArray());
        Assert.Equal("mortgage", charge.GetProperty("kind").GetString());
        Assert.Equal(50_000m, charge.GetProperty("amount").GetDecimal());
        var notice = (await server.GetJsonAsync("/api/registry/conversions/notices")).EnumerateArray().Single(n => n.GetProperty("conversionId").GetGuid() == id);
        Assert.Contains(notice.GetProperty("breaks").EnumerateArray(), b => b.GetString()!.StartsWith("missing-link (402/2000)", StringComparison.Ordinal));
        Assert.Equal(reason, notice.GetProperty("proceedReason").GetString());
        Assert.Equal(["mortgage 403/2005 to Island Bank Ltd for 50000.00 XCD"], notice.GetProperty("proposedCharges").EnumerateArray().Select(c => c.GetString()));

        // While provisional, the register of deeds takes no new deed for the parcel either.
        Problem(await counter.PostAsync("/api/deeds", "registrar", Deed("404/2026", RegistryCounter.Today, "conveyance", ["Lena Taker"], ["Mona Other"], upi, 1_000m)),
            409, "deeds-parcel-on-title-register");

        // Jana Holder's heir objects; the registrar upholds it: the provisional title is cancelled, its rights ended.
        var objection = Ok(await counter.PostAsync($"/api/registry/conversions/{id}/objections", "citizen",
            new { grounds = "Jana Holder never conveyed to Karl Stranger: I am her heir.", evidence = "High Court probate file 2019/114" }), 201);
        var upheld = Ok(await counter.PostAsync($"/api/registry/conversions/{id}/objections/{objection.GetProperty("id").GetGuid()}/decision", "registrar",
            new { decision = "upheld", reason = "The chain is broken at 402/2000 and the heir's claim is arguable." }));
        Assert.Equal("cancelled", upheld.GetProperty("state").GetString());
        var closed = await server.GetJsonAsync($"/api/registry/titles/{title}");
        Assert.Equal("closed", closed.GetProperty("status").GetString());
        Assert.Empty(closed.GetProperty("owners").EnumerateArray());
        Assert.DoesNotContain((await server.GetJsonAsync("/api/registry/conversions/notices")).EnumerateArray(), n => n.GetProperty("conversionId").GetGuid() == id);
        server.Clock.Offset = TimeSpan.Zero;
        Problem(await counter.PostAsync($"/api/registry/conversions/{id}/absolute", "registrar"), 409, "conversion-cancelled");

        // The parcel stays in the register of deeds: a deed curing the break is recorded again.
        await RecordAsync(Deed("405/2026", RegistryCounter.Today, "assent", ["Jana Holder"], ["Karl Stranger"], upi));
        Assert.Equal(["first-registration", "conversion-objection", "conversion-decision"], await JournalKindsAsync(title));
        Assert.True(Ok(await counter.GetAsync("/api/registry/journal/verification", "registrar")).GetProperty("intact").GetBoolean());
    }

    [Fact]
    public async Task Bad_requests_are_refused_with_problems_naming_the_field_and_change_nothing()
    {
        server.Clock.Offset = TimeSpan.Zero;
        var journal = await server.Database.ScalarAsync<long>("SELECT count(*) FROM registry.journal");
        var upi = await UntitledParcelAsync(4);
        Problem(await counter.PostAsync("/api/registry/conversions", "registrar", new { upi = "not a upi" }), 400, "upi-format", "upi");
        Problem(await counter.PostAsync("/api/registry/conversions", "registrar", new { upi = "ZZ-99999-9999" }), 400, "upi-unknown", "upi");
        var titled = await SingleOwnerTitleAsync(server.Database, 5);
        Problem(await counter.PostAsync("/api/registry/conversions", "registrar", new { upi = titled.Upi }), 409, "conversion-title-exists");
        Problem(await counter.PostAsync("/api/registry/conversions", "registrar", new { upi }), 404, "deeds-none");

        await RecordAsync(Deed("501/1980", "1980-01-01", "conveyance", ["Nils Seller"], ["Olga Owner"], upi, 30_000m));
        var olga = Person(511, "Olga Owner");
        Problem(await counter.PostAsync("/api/registry/conversions", "registrar", new { upi }), 400, "conversion-proprietors", "proprietors");
        Problem(await counter.PostAsync("/api/registry/conversions", "registrar", new { upi, proprietors = new[] { new { name = "Somebody Else", uin = olga } } }),
            400, "conversion-proprietors", "proprietors[0].name");
        Problem(await counter.PostAsync("/api/registry/conversions", "registrar", new { upi, proprietors = new[] { new { name = "Olga Owner", uin = "VC123" } } }),
            400, "uin-length", "proprietors[0].uin");
        Problem(await counter.PostAsync("/api/registry/conversions", "registrar", new { upi, proprietors = new[] { new { name = "Olga Owner", uin = NewUin(599) } } }),
            400, "uin-not-registered", "proprietors[0].uin");
        Assert.Equal(403, (await counter.PostAsync("/api/registry/conversions", "notary", new { upi })).Status);
        Assert.Equal(401, (await counter.PostAsync("/api/registry/conversions", null, new { upi })).Status);
        Assert.Equal(journal, await server.Database.ScalarAsync<long>("SELECT count(*) FROM registry.journal"));

        server.Clock.Offset = BeforeThePeriod;
        var id = Ok(await counter.PostAsync("/api/registry/conversions", "examiner", new { upi, proprietors = new[] { new { name = "Olga Owner", uin = olga } } }), 201)
            .GetProperty("id").GetGuid();
        var entries = await server.Database.ScalarAsync<long>("SELECT count(*) FROM registry.journal");
        Problem(await counter.PostAsync("/api/registry/conversions", "registrar", new { upi, proprietors = new[] { new { name = "Olga Owner", uin = olga } } }),
            409, "conversion-title-exists");
        Problem(await counter.PostAsync($"/api/registry/conversions/{id}/objections", "citizen", new { grounds = "  " }), 400, "objection-grounds", "grounds");
        Problem(await counter.PostAsync($"/api/registry/conversions/{id}/objections", "citizen", new { grounds = "bad\u0000text" }), 400, "objection-grounds", "grounds");
        Problem(await counter.PostAsync($"/api/registry/conversions/{id}/objections", "citizen", new { grounds = new string('x', 4001) }), 400, "objection-grounds", "grounds");
        Problem(await counter.PostAsync($"/api/registry/conversions/{id}/objections", "citizen", new { grounds = "fine", evidence = new string('e', 501) }), 400, "objection-evidence", "evidence");
        Assert.Equal(401, (await counter.PostAsync($"/api/registry/conversions/{id}/objections", null, new { grounds = "anonymous" })).Status);
        Problem(await counter.PostAsync($"/api/registry/conversions/{Guid.NewGuid()}/objections", "citizen", new { grounds = "where?" }), 404, "conversion-unknown");
        Problem(await counter.PostAsync($"/api/registry/conversions/{id}/objections/{Guid.NewGuid()}/decision", "registrar", new { decision = "dismissed", reason = "r" }),
            404, "objection-unknown");
        Problem(await counter.PostAsync($"/api/registry/conversions/{id}/objections/{Guid.NewGuid()}/decision", "registrar", new { decision = "maybe", reason = "r" }),
            400, "objection-decision", "decision");
        Problem(await counter.PostAsync($"/api/registry/conversions/{id}/absolute", "registrar"), 409, "challenge-period-running");
        Assert.Equal(entries, await server.Database.ScalarAsync<long>("SELECT count(*) FROM registry.journal"));

        // An objection still pending after the period stops the title being made absolute.
        Ok(await counter.PostAsync($"/api/registry/conversions/{id}/objections", "citizen", new { grounds = "Pending at the period's end." }), 201);
        server.Clock.Offset = TimeSpan.Zero;
        Problem(await counter.PostAsync($"/api/registry/conversions/{id}/absolute", "registrar"), 409, "objection-pending");
        Problem(await counter.GetAsync($"/api/registry/conversions/{Guid.NewGuid()}", "registrar"), 404, "conversion-unknown");
    }

    /// <summary>The n-th child of a subdivided sample parcel: a parcel of the fabric that no title covers yet.</summary>
    private async Task<string> UntitledParcelAsync(int n)
    {
        var parent = await server.Database.SplittableParcelAsync(skip: 40 + n);
        var split = await server.Database.SubdivideInTwoAsync(parent, DateTimeOffset.UtcNow);
        return split.ChildUpis[0];
    }

    private string Person(int seed, string name)
    {
        var uin = NewUin(seed);
        server.Systems.CivilRegistry.Register(new CivilPerson(uin, name, new DateOnly(1970, 1, 1)));
        return uin;
    }

    private async Task<JsonElement> RecordAsync(object deed) => Ok(await counter.PostAsync("/api/deeds", "registrar", deed), 201);

    private static object Deed(string number, string registered, string type, string[] grantors, string[] grantees, string? upi, decimal? consideration = null) => new
    {
        registrationNumber = number, registeredOn = registered, instrumentDate = registered, instrumentType = type, grantors, grantees,
        landDescription = "All that lot of land at Test Valley", upis = upi is null ? Array.Empty<string>() : [upi], consideration,
    };

    private async Task<List<string>> JournalKindsAsync(string title)
    {
        await using var command = server.Database.DataSource.CreateCommand(
            "SELECT content::json ->> 'kind' FROM registry.journal WHERE content::json ->> 'titleNumber' = @t ORDER BY seq");
        command.Parameters.AddWithValue("t", title);
        var kinds = new List<string>();
        await using var reader = await command.ExecuteReaderAsync();
        while (await reader.ReadAsync())
        {
            kinds.Add(reader.GetString(0));
        }

        return kinds;
    }
}
