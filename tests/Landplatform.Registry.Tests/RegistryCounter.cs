using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Landplatform.Testing;

namespace Landplatform.Registry.Tests;

/// <summary>A title of the sample register and its registered owner, as tests pick them.</summary>
public sealed record SampleTitle(string TitleNumber, string Upi, long OwnerId, string OwnerName);

/// <summary>
/// The registry API as notaries, examiners and registrars use it, with real tokens from the token endpoint:
/// deeds signed with a notary's own key and lodged with the documents module, fees paid at the gateway
/// simulator, new persons known to the civil registry simulator.
/// </summary>
public sealed class RegistryCounter(SingleWindowServer server)
{
    private readonly Dictionary<string, string> tokens = [];
    private readonly SemaphoreSlim gate = new(1, 1);
    private NotarySigningKit? kit;

    public static string Today => DateTime.UtcNow.ToString("yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture);

    public async Task<string> TokenAsync(string role)
    {
        await gate.WaitAsync();
        try
        {
            return await TokenUnlockedAsync(role);
        }
        finally
        {
            gate.Release();
        }
    }

    private async Task<string> TokenUnlockedAsync(string role)
    {
        if (!tokens.TryGetValue(role, out var token))
        {
            tokens[role] = token = await Tokens.AccessTokenForAsync(server.Client, role);
        }

        return token;
    }

    public async Task<(int Status, JsonElement Body)> SendAsync(HttpMethod method, string path, string? role, HttpContent? content = null)
    {
        using var request = new HttpRequestMessage(method, path) { Content = content };
        if (role is not null)
        {
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", await TokenAsync(role));
        }

        using var response = await server.Client.SendAsync(request);
        var text = await response.Content.ReadAsStringAsync();
        return ((int)response.StatusCode, text.Length == 0 ? default : JsonDocument.Parse(text).RootElement.Clone());
    }

    public Task<(int Status, JsonElement Body)> PostAsync(string path, string? role, object? body = null) =>
        SendAsync(HttpMethod.Post, path, role, body is null ? null : JsonContent.Create(body));

    public Task<(int Status, JsonElement Body)> GetAsync(string path, string? role = null) => SendAsync(HttpMethod.Get, path, role);

    /// <summary>Expects success and returns the body; a failure shows the problem document.</summary>
    public static JsonElement Ok((int Status, JsonElement Body) result, int status = 200)
    {
        Assert.True(result.Status == status, $"expected {status}, got {result.Status}: {result.Body}");
        return result.Body;
    }

    /// <summary>Expects a problem with this status and rule.</summary>
    public static JsonElement Problem((int Status, JsonElement Body) result, int status, string rule, string? parameter = null)
    {
        Assert.True(result.Status == status, $"expected {status} {rule}, got {result.Status}: {result.Body}");
        Assert.Equal(rule, result.Body.GetProperty("rule").GetString());
        Assert.False(string.IsNullOrWhiteSpace(result.Body.GetProperty("detail").GetString()));
        if (parameter is not null)
        {
            Assert.Equal(parameter, result.Body.GetProperty("parameter").GetString());
        }

        return result.Body;
    }

    public async Task<Guid> LodgeAsync(object lodgement)
    {
        KnownToCivilRegistry(lodgement);
        var body = Ok(await PostAsync("/api/registry/transactions", "notary", lodgement), 201);
        Assert.Equal("lodged", body.GetProperty("state").GetString());
        return body.GetProperty("id").GetGuid();
    }

    /// <summary>
    /// The persons an instrument brings in by UIN and name are people the civil registry knows (the registry
    /// checks them at lodgement): the test registers them there, as births are registered before deeds.
    /// </summary>
    public void KnownToCivilRegistry(object lodgement)
    {
        var json = JsonSerializer.SerializeToElement(lodgement);
        var parties = new List<JsonElement>();
        foreach (var list in new[] { "grantees", "grantors" })
        {
            if (json.TryGetProperty(list, out var array) && array.ValueKind == JsonValueKind.Array)
            {
                parties.AddRange(array.EnumerateArray());
            }
        }

        if (json.TryGetProperty("beneficiary", out var beneficiary) && beneficiary.ValueKind == JsonValueKind.Object)
        {
            parties.Add(beneficiary);
        }

        foreach (var party in parties)
        {
            if (party.TryGetProperty("uin", out var uin) && party.TryGetProperty("name", out var name) && uin.GetString() is { } u && name.GetString() is { } n &&
                server.Systems.CivilRegistry.Find(u) is null)
            {
                server.Systems.CivilRegistry.Register(new Landplatform.Simulators.CivilPerson(u, n, null));
            }
        }
    }

    /// <summary>
    /// Attaches a document. A deed (its text naming the transaction) is signed with the notary's key, lodged with the documents module and
    /// attached by its SHA-256 (the content is the PDF <see cref="NotarySigningKit.Pdf"/> makes of the text);
    /// other documents are uploaded.
    /// </summary>
    public async Task<(int Status, JsonElement Body)> AttachAsync(Guid id, string kind, string text = "signed deed", string role = "notary")
    {
        if (kind == "deed")
        {
            await gate.WaitAsync();
            try
            {
                kit ??= await NotarySigningKit.CreateAsync(server.Client, await TokenUnlockedAsync("notary"));
            }
            finally
            {
                gate.Release();
            }

            // A deed names the transaction it is for (the registry checks the binding in what was signed).
            var deed = await kit.LodgeDeedAsync(text.Contains(id.ToString(), StringComparison.Ordinal) ? text : $"{text}, registry transaction {id}");
            return await PostAsync($"/api/registry/transactions/{id}/documents", role, new { kind, sha256 = deed.GetProperty("contentSha256").GetString() });
        }

        var form = new MultipartFormDataContent
        {
            { new ByteArrayContent(Encoding.UTF8.GetBytes(text)), "file", $"{kind}.pdf" },
            { new StringContent(kind), "kind" },
        };
        return await SendAsync(HttpMethod.Post, $"/api/registry/transactions/{id}/documents", role, form);
    }

    /// <summary>Documents, submission and the invoice paid at the gateway: the transaction ends up paid.</summary>
    public async Task PayAsync(Guid id, params string[] documents)
    {
        foreach (var kind in documents)
        {
            Ok(await AttachAsync(id, kind, $"{kind} for {id}"), 201);
        }

        var submitted = Ok(await PostAsync($"/api/registry/transactions/{id}/submission", "notary"));
        Assert.Equal("fees-due", submitted.GetProperty("state").GetString());
        await PayInvoiceAsync(id);
    }

    /// <summary>
    /// The notary pays the transaction's invoice: a payment started through the payments API, the test card
    /// on the gateway's hosted page, the gateway's signed webhook, the exchange's event; waits until the
    /// transaction is paid.
    /// </summary>
    public async Task<JsonElement> PayInvoiceAsync(Guid id)
    {
        var transaction = Ok(await GetAsync($"/api/registry/transactions/{id}", "notary"));
        var invoice = transaction.GetProperty("invoice").GetProperty("invoiceId").GetGuid();
        var payment = Ok(await PostAsync($"/api/payments/invoices/{invoice}/payments", "notary"), 201);
        var checkout = payment.GetProperty("checkoutUrl").GetString()!;
        using (var paid = await server.Systems.Http.PostAsync(checkout,
                   new FormUrlEncodedContent([KeyValuePair.Create("card_number", Landplatform.Simulators.PaymentGateway.SucceedingCard)])))
        {
            Assert.Contains("succeeded", await paid.Content.ReadAsStringAsync());
        }

        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (true)
        {
            transaction = Ok(await GetAsync($"/api/registry/transactions/{id}", "notary"));
            if (transaction.GetProperty("invoice").GetProperty("status").GetString() == "paid")
            {
                return transaction;
            }

            Assert.True(DateTime.UtcNow < deadline, $"transaction {id}: invoice not reported paid within 30 s");
            await Task.Delay(100);
        }
    }

    public Task<(int Status, JsonElement Body)> ExamineAsync(Guid id) => PostAsync($"/api/registry/transactions/{id}/examination", "examiner");

    public Task<(int Status, JsonElement Body)> RegisterAsync(Guid id) => PostAsync($"/api/registry/transactions/{id}/registration", "registrar");

    /// <summary>Lodges, documents, pays, examines and registers; returns the registration's body.</summary>
    public async Task<JsonElement> RegisterThroughAsync(object lodgement, params string[] documents)
    {
        var id = await LodgeAsync(lodgement);
        await PayAsync(id, documents);
        Ok(await ExamineAsync(id));
        return Ok(await RegisterAsync(id));
    }

    /// <summary>Lodges, documents and pays; returns what examination answers (for a rule that refuses it).</summary>
    public async Task<(int Status, JsonElement Body)> RegisterThroughAsyncExpectingAsync(object lodgement, params string[] documents)
    {
        var id = await LodgeAsync(lodgement);
        await PayAsync(id, documents.Length == 0 ? ["deed"] : documents);
        var examined = await ExamineAsync(id);
        if (examined.Status != 200)
        {
            Ok(await PostAsync($"/api/registry/transactions/{id}/rejection", "registrar", new { reason = "refused at examination" }));
        }

        return examined;
    }

    public static object Transfer(SampleTitle title, object[] grantees, string reason = "sale", string? date = null, object[]? grantors = null) => new
    {
        kind = "transfer",
        titleNumber = title.TitleNumber,
        instrumentDate = date ?? Today,
        reason,
        grantors = grantors ?? [new { partyId = title.OwnerId }],
        grantees,
        amount = 250000m,
    };

    /// <summary>Single-owner titles of the sample held by a person, with nothing else on them, in a fixed order.</summary>
    public static async Task<SampleTitle> SingleOwnerTitleAsync(SampleIslandDatabase database, int index)
    {
        await using var command = database.DataSource.CreateCommand("""
            SELECT r.title_number, tp.upi, min(r.party_id), min(p.name)
            FROM registry.rights r JOIN registry.parties p ON p.id = r.party_id JOIN registry.title_parcels tp ON tp.title_number = r.title_number
            WHERE r.valid_to IS NULL AND r.kind = 'ownership' AND p.kind = 'person'
            GROUP BY r.title_number, tp.upi HAVING count(*) = 1
            ORDER BY r.title_number OFFSET @index LIMIT 1
            """);
        command.Parameters.AddWithValue("index", index * 37);
        await using var reader = await command.ExecuteReaderAsync();
        Assert.True(await reader.ReadAsync());
        return new SampleTitle(reader.GetString(0), reader.GetString(1), reader.GetInt64(2), reader.GetString(3));
    }

    /// <summary>The civil registry records the death of a title's registered owner (a sample person it knows).</summary>
    public async Task OwnerDiesAsync(SampleTitle title, DateOnly died)
    {
        await using var command = server.Database.DataSource.CreateCommand("SELECT uin, name, date_of_birth FROM registry.parties WHERE id = @id");
        command.Parameters.AddWithValue("id", title.OwnerId);
        await using var reader = await command.ExecuteReaderAsync();
        Assert.True(await reader.ReadAsync());
        server.Systems.CivilRegistry.Register(new Landplatform.Simulators.CivilPerson(
            reader.GetString(0), reader.GetString(1), reader.IsDBNull(2) ? null : reader.GetFieldValue<DateOnly>(2), true, died));
    }

    /// <summary>
    /// A well-formed UIN no sample or demo person has: VC, nine digits from the seed, a Verhoeff check digit.
    /// The demo accounts' persons hold 900,000,001 onwards (<c>DemoAccounts.DemoUin</c>), and the civil-registry
    /// simulator knows them, so these start well above.
    /// </summary>
    public static string NewUin(int seed) => TestUins.New(900_010_000, seed);
}
