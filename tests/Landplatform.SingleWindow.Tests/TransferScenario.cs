using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Security.Cryptography;
using System.Security.Cryptography.Pkcs;
using System.Security.Cryptography.X509Certificates;
using System.Text.Json;
using Landplatform.Integrations.Identity;
using Landplatform.Simulators;
using Landplatform.Testing;

namespace Landplatform.SingleWindow.Tests;

/// <summary>A title of the sample register held by one person, as the scenario picks it.</summary>
public sealed record ScenarioTitle(string TitleNumber, string Upi, long OwnerId, string OwnerName);

/// <summary>
/// The one flood zone a building footprint on the scenario's parcel lies in, as PostGIS computes it:
/// hazard (<c>flood_river</c> or <c>flood_coastal</c>), level, and the share of the footprint in whole percent.
/// </summary>
public sealed record FloodExposure(string Footprint, string Hazard, string Level, string Percent)
{
    /// <summary>How the check report names the zone: "a river flood zone (medium)".</summary>
    public string ZoneName => $"a {(Hazard == "flood_river" ? "river" : "coastal")} flood zone ({Level})";
}

/// <summary>
/// One transfer through the single window, step by step, each through the public HTTP APIs with real
/// tokens: the notary lodges a sale to a buyer the civil registry knows, attaches a signed deed, submits
/// (fee and duty invoiced), pays at the gateway; the examiner examines; the registrar registers. Each step
/// asserts what the person doing it would see; the state it leaves is kept here for the next step, so a
/// test (or a later module's step: the tax roll, a permit, customs) can add steps in between.
/// </summary>
public sealed class TransferScenario(SingleWindowServer server)
{
    public static readonly TimeSpan Patience = TimeSpan.FromSeconds(30);

    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);
    private readonly Dictionary<string, string> tokens = [];

    public decimal Consideration { get; init; } = 250_000m;

    public string Reason { get; init; } = "sale";

    public ScenarioTitle Title { get; private set; } = null!;

    public string BuyerUin { get; private set; } = null!;

    public string BuyerName { get; private set; } = null!;

    public Guid TransactionId { get; private set; }

    public JsonElement Deed { get; private set; }

    public JsonElement Invoice { get; private set; }

    public string? GatewayPaymentId { get; private set; }

    public string? CheckoutUrl { get; private set; }

    /// <summary>A demo role's token, or the token of a person who signed up in the scenario (see <see cref="SignUpAsync"/>).</summary>
    public async Task<string> TokenAsync(string role)
    {
        if (!tokens.TryGetValue(role, out var token))
        {
            tokens[role] = token = await Tokens.AccessTokenForAsync(server.Client, role);
        }

        return token;
    }

    /// <summary>Step: a single-owner title held by a person with nothing else on it (the index keeps tests apart).</summary>
    public async Task PickTitleAsync(int index)
    {
        await using var command = server.Database.DataSource.CreateCommand("""
            SELECT r.title_number, min(tp.upi), min(r.party_id), min(p.name)
            FROM registry.rights r JOIN registry.parties p ON p.id = r.party_id JOIN registry.title_parcels tp ON tp.title_number = r.title_number
            WHERE r.valid_to IS NULL AND p.kind = 'person'
            GROUP BY r.title_number HAVING count(*) = 1 AND bool_and(r.kind = 'ownership') AND count(DISTINCT tp.upi) = 1
            ORDER BY r.title_number OFFSET @index LIMIT 1
            """);
        command.Parameters.AddWithValue("index", 500 + (index * 41));
        await using var reader = await command.ExecuteReaderAsync();
        Assert.True(await reader.ReadAsync());
        Title = new ScenarioTitle(reader.GetString(0), reader.GetString(1), reader.GetInt64(2), reader.GetString(3));
    }

    /// <summary>A building footprint on the title's parcel and the flood zone it lies in, when the scenario picked a title by flood.</summary>
    public FloodExposure? Flood { get; private set; }

    /// <summary>
    /// Step: a title whose one parcel is residential land held by one person, with no transaction ever filed on it,
    /// where a footprint (the parcel less a 1 m setback) lies partly in exactly one flood zone and in no other hazard zone.
    /// </summary>
    public async Task PickFloodTitleAsync(int index)
    {
        var row = JsonDocument.Parse(await server.Database.ScalarAsync<string>("""
            WITH held AS (
                SELECT r.title_number, min(tp.upi) AS upi, min(r.party_id) AS party_id, min(p.name) AS name
                FROM registry.rights r JOIN registry.parties p ON p.id = r.party_id JOIN registry.title_parcels tp ON tp.title_number = r.title_number
                WHERE r.valid_to IS NULL AND p.kind = 'person'
                GROUP BY r.title_number HAVING count(*) = 1 AND bool_and(r.kind = 'ownership') AND count(DISTINCT tp.upi) = 1),
            f AS (
                SELECT h.*, ST_GeometryN(ST_Multi(ST_Buffer(v.boundary, -1)), 1) AS g
                FROM held h JOIN cadastre.parcel_versions v ON v.upi = h.upi AND v.status = 'current' AND v.land_use = 'residential'
                WHERE NOT EXISTS (SELECT 1 FROM registry.transactions x WHERE x.title_number = h.title_number)),
            hit AS (
                SELECT f.title_number, f.upi, f.party_id, f.name, f.g, min(z.hazard) AS hazard, min(z.level) AS level,
                       count(DISTINCT (z.hazard, z.level)) AS kinds, ST_Area(ST_Intersection(f.g, ST_Union(z.boundary))) / ST_Area(f.g) AS share
                FROM f JOIN cadastre.hazard_zones z ON ST_Intersects(z.boundary, f.g)
                GROUP BY f.title_number, f.upi, f.party_id, f.name, f.g)
            SELECT json_build_array(title_number, upi, party_id, name, ST_AsGeoJSON(g), hazard, level, round((share * 100)::numeric, 0))::text
            FROM hit WHERE kinds = 1 AND hazard LIKE 'flood%' AND share BETWEEN 0.15 AND 0.85
            ORDER BY upi OFFSET @index LIMIT 1
            """, ("index", index))).RootElement;
        Title = new ScenarioTitle(row[0].GetString()!, row[1].GetString()!, row[2].GetInt64(), row[3].GetString()!);
        Flood = new FloodExposure(row[4].GetString()!, row[5].GetString()!, row[6].GetString()!,
            row[7].GetDecimal().ToString("0", System.Globalization.CultureInfo.InvariantCulture));
    }

    /// <summary>Step: the buyer exists in the civil registry (a person who holds no land yet, so new to the register).</summary>
    public void BuyerKnownToCivilRegistry(int seed, string name, DateOnly born, bool deceased = false)
    {
        BuyerUin = NewUin(seed);
        BuyerName = name;
        server.Systems.CivilRegistry.Register(new CivilPerson(BuyerUin, name, born, deceased, deceased ? new DateOnly(2025, 3, 1) : null));
    }

    public object Lodgement(string? buyerName = null) => new
    {
        kind = "transfer",
        titleNumber = Title.TitleNumber,
        instrumentDate = DateTime.UtcNow.AddDays(-1).ToString("yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture),
        reason = Reason,
        grantors = new[] { new { partyId = Title.OwnerId } },
        grantees = new[] { new { uin = BuyerUin, name = buyerName ?? BuyerName, share = "1/1" } },
        amount = Consideration,
    };

    /// <summary>
    /// Step: a person gets a platform account the way identity links people to parties: an administrator registers
    /// the user with their UIN (<c>POST /api/identity/users</c>), the person signs in with their password (the token
    /// then carries the UIN claim). Later calls as <paramref name="who"/> use that token.
    /// </summary>
    public async Task<JsonElement> SignUpAsync(string who, string uin, string fullName)
    {
        var password = $"Own-{Guid.NewGuid():N}"[..20];
        var user = Expect(await SendAsync(HttpMethod.Post, "/api/identity/users", "administrator",
            new { userName = who, fullName, password, uin, roles = new[] { "citizen" } }), 201);
        Assert.Equal(uin, user.GetProperty("uin").GetString());
        tokens[who] = (await Tokens.PasswordAsync(server.Client, who, password)).GetProperty("access_token").GetString()!;
        var me = Expect(await SendAsync(HttpMethod.Get, "/api/identity/me", who));
        Assert.Equal(uin, me.GetProperty("uin").GetString());
        return me;
    }

    /// <summary>Step: the notary lodges the transfer; the buyer is checked against the civil registry on the way in.</summary>
    public async Task<JsonElement> LodgeAsync()
    {
        var lodged = Expect(await SendAsync(HttpMethod.Post, "/api/registry/transactions", "notary", Lodgement()), 201);
        Assert.Equal("lodged", lodged.GetProperty("state").GetString());
        TransactionId = lodged.GetProperty("id").GetGuid();
        return lodged;
    }

    /// <summary>Step: the notary signs the deed with their own key, lodges it with the documents module and attaches it by its SHA-256.</summary>
    public async Task<JsonElement> AttachSignedDeedAsync(NotarySigningKit kit)
    {
        Deed = await kit.LodgeDeedAsync($"Transfer of {Title.Upi} from {Title.OwnerName} to {BuyerName} for XCD {Consideration:0.00}, registry transaction {TransactionId}.", Title.Upi);
        var attached = Expect(await SendAsync(HttpMethod.Post, $"/api/registry/transactions/{TransactionId}/documents", "notary",
            new { kind = "deed", sha256 = Deed.GetProperty("contentSha256").GetString() }), 201);
        Assert.Equal(Deed.GetProperty("contentSha256").GetString(), attached.GetProperty("sha256").GetString());
        return attached;
    }

    /// <summary>Step: the notary submits; the answer shows the invoice (fee, duty, total) to pay.</summary>
    public async Task<JsonElement> SubmitAsync()
    {
        var submitted = Expect(await SendAsync(HttpMethod.Post, $"/api/registry/transactions/{TransactionId}/submission", "notary"));
        Assert.Equal("fees-due", submitted.GetProperty("state").GetString());
        Invoice = submitted.GetProperty("invoice");
        Assert.Equal("open", Invoice.GetProperty("status").GetString());
        return submitted;
    }

    /// <summary>Step: the notary asks the payments API for a payment of the invoice; the answer is the gateway's checkout page.</summary>
    public async Task<(int Status, JsonElement Body)> StartPaymentAsync()
    {
        var answer = await SendAsync(HttpMethod.Post, $"/api/payments/invoices/{Invoice.GetProperty("invoiceId").GetGuid()}/payments", "notary");
        if (answer.Status == 201)
        {
            GatewayPaymentId = answer.Body.GetProperty("gatewayPaymentId").GetString();
            CheckoutUrl = answer.Body.GetProperty("checkoutUrl").GetString();
        }

        return answer;
    }

    /// <summary>Step: the payer on the gateway's hosted page pays with the test card that succeeds.</summary>
    public async Task PayAtGatewayAsync()
    {
        var page = await server.Systems.Http.GetStringAsync(CheckoutUrl);
        Assert.Contains("card_number", page);
        using var paid = await server.Systems.Http.PostAsync(CheckoutUrl,
            new FormUrlEncodedContent([KeyValuePair.Create("card_number", PaymentGateway.SucceedingCard)]));
        Assert.Contains("succeeded", await paid.Content.ReadAsStringAsync());
    }

    /// <summary>The transaction as registry staff (and the notary) read it.</summary>
    public async Task<JsonElement> TransactionAsync() =>
        Expect(await SendAsync(HttpMethod.Get, $"/api/registry/transactions/{TransactionId}", "notary"));

    /// <summary>Waits (the exchange delivers asynchronously) until the transaction is in the state.</summary>
    public async Task<JsonElement> UntilStateAsync(string state)
    {
        var deadline = DateTime.UtcNow + Patience;
        while (true)
        {
            var transaction = await TransactionAsync();
            if (transaction.GetProperty("state").GetString() == state)
            {
                return transaction;
            }

            Assert.True(DateTime.UtcNow < deadline, $"transaction {TransactionId} is still {transaction.GetProperty("state")} after {Patience}, not {state}");
            await Task.Delay(100);
        }
    }

    /// <summary>Step: anyone with the published CA certificate verifies the deed the registry refers to, offline.</summary>
    public async Task VerifyDeedOfflineAsync()
    {
        var authority = X509Certificate2.CreateFromPem(await server.Client.GetStringAsync("/api/documents/authority.pem"));
        var content = await BytesAsync($"/api/documents/contents/{Deed.GetProperty("contentSha256").GetString()}", "registrar");
        var signature = await BytesAsync($"/api/documents/deeds/{Deed.GetProperty("id").GetGuid()}/signature", "registrar");
        Assert.Equal(Deed.GetProperty("contentSha256").GetString(), Convert.ToHexStringLower(SHA256.HashData(content)));
        var cms = new SignedCms(new ContentInfo(content), detached: true);
        cms.Decode(signature);
        cms.CheckSignature(verifySignatureOnly: true);
        using var chain = new X509Chain();
        chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        chain.ChainPolicy.CustomTrustStore.Add(authority);
        chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
        Assert.True(chain.Build(cms.SignerInfos[0].Certificate!), "the deed's signer does not chain to the platform's notary CA");
    }

    public async Task<JsonElement> ExamineAsync()
    {
        var examined = Expect(await SendAsync(HttpMethod.Post, $"/api/registry/transactions/{TransactionId}/examination", "examiner"));
        Assert.Equal("examined", examined.GetProperty("state").GetString());
        return examined;
    }

    public async Task<JsonElement> RegisterAsync()
    {
        var registered = Expect(await SendAsync(HttpMethod.Post, $"/api/registry/transactions/{TransactionId}/registration", "registrar"));
        Assert.Equal("registered", registered.GetProperty("transaction").GetProperty("state").GetString());
        return registered;
    }

    /// <summary>Step: the registrar has the journal recomputed: intact.</summary>
    public async Task JournalIntactAsync()
    {
        var verification = Expect(await SendAsync(HttpMethod.Get, "/api/registry/journal/verification", "registrar"));
        Assert.True(verification.GetProperty("intact").GetBoolean(), verification.ToString());
    }

    /// <summary>The parcel's entry on the valuation roll as <paramref name="who"/> reads it (null: anonymously, value only).</summary>
    public async Task<JsonElement> RollEntryAsync(string? who, bool history = false) =>
        Expect(await SendAsync(HttpMethod.Get, $"/api/tax/parcels/{Title.Upi}{(history ? "?history=true" : "")}", who));

    /// <summary>
    /// Step: the new owner, signed in, reads their parcel's roll entry until it names them (the tax module follows the
    /// registry's event through the exchange, so it may take a moment); before that, the entry shows them no owners at all.
    /// </summary>
    public async Task<JsonElement> UntilRollNamesOwnerAsync(string who, string uin)
    {
        var deadline = DateTime.UtcNow + Patience;
        while (true)
        {
            var entry = await RollEntryAsync(who);
            if (entry.GetProperty("owners") is { ValueKind: JsonValueKind.Array } owners && owners.EnumerateArray().Any(o => o.GetProperty("uin").GetString() == uin))
            {
                return entry;
            }

            Assert.True(DateTime.UtcNow < deadline, $"the roll entry of {Title.Upi} does not name {uin} after {Patience}: {entry}");
            await Task.Delay(200);
        }
    }

    /// <summary>Step: the owner applies for a building permit on the parcel, for a footprint on the flood-exposed part.</summary>
    public async Task<JsonElement> ApplyForPermitAsync(string who) =>
        Expect(await SendAsync(HttpMethod.Post, "/api/permits", who, new
        {
            upi = Title.Upi,
            description = "Two-storey dwelling on raised slab, 150 m² of floor",
            footprint = JsonDocument.Parse(Flood!.Footprint).RootElement,
        }), 201);

    /// <summary>Step: the customs system asks, with its own client-credentials token, whether the person may have the concession on this parcel.</summary>
    public async Task<JsonElement> CustomsAsksAsync(string uin)
    {
        if (!tokens.ContainsKey("customs"))
        {
            tokens["customs"] = await Tokens.ClientTokenAsync(server.Client, "customs", "customs.read");
        }

        return Expect(await SendAsync(HttpMethod.Get, $"/api/customs/concession-eligibility?uin={Uri.EscapeDataString(uin)}&upi={Uri.EscapeDataString(Title.Upi)}", "customs"));
    }

    public async Task<(int Status, JsonElement Body)> SendAsync(HttpMethod method, string path, string? role, object? body = null)
    {
        using var request = new HttpRequestMessage(method, path) { Content = body is null ? null : JsonContent.Create(body, options: Json) };
        if (role is not null)
        {
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", await TokenAsync(role));
        }

        using var response = await server.Client.SendAsync(request);
        var text = await response.Content.ReadAsStringAsync();
        return ((int)response.StatusCode, text.Length == 0 ? default : JsonDocument.Parse(text).RootElement.Clone());
    }

    public static JsonElement Expect((int Status, JsonElement Body) result, int status = 200)
    {
        Assert.True(result.Status == status, $"expected {status}, got {result.Status}: {result.Body}");
        return result.Body;
    }

    /// <summary>Expects an RFC 9457 problem with this status, rule and (when given) parameter.</summary>
    public static JsonElement Problem((int Status, JsonElement Body) result, int status, string rule, string? parameter = null)
    {
        Assert.True(result.Status == status, $"expected {status} {rule}, got {result.Status}: {result.Body}");
        Assert.Equal(rule, result.Body.GetProperty("rule").GetString());
        if (parameter is not null)
        {
            Assert.Equal(parameter, result.Body.GetProperty("parameter").GetString());
        }

        return result.Body;
    }

    private async Task<byte[]> BytesAsync(string path, string role)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, path);
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", await TokenAsync(role));
        using var response = await server.Client.SendAsync(request);
        Assert.True(response.IsSuccessStatusCode, $"GET {path}: {(int)response.StatusCode}");
        return await response.Content.ReadAsByteArrayAsync();
    }

    /// <summary>A well-formed UIN no sample person has: VC, nine digits from the seed, a Verhoeff check digit.</summary>
    public static string NewUin(int seed) => TestUins.New(800_000_000, seed);
}
