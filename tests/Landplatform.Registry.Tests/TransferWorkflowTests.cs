using System.Text.Json;
using Landplatform.Testing;
using static Landplatform.Registry.Tests.RegistryCounter;

namespace Landplatform.Registry.Tests;

/// <summary>A transfer through every state, by the right role each time, and what the register shows after.</summary>
public sealed class TransferWorkflowTests(SingleWindowServer server) : IClassFixture<SingleWindowServer>
{
    private readonly RegistryCounter counter = new(server);

    [Fact]
    public async Task A_sale_moves_through_every_state_and_the_register_shows_the_new_owners()
    {
        var title = await SingleOwnerTitleAsync(server.Database, 1);
        var buyer = NewUin(1);
        var id = await counter.LodgeAsync(Transfer(title, [
            new { uin = buyer, name = "Aurelia Test-Buyer", share = "1/2" },
            new { partyId = title.OwnerId + 1, share = "2/4" },
        ]));

        var deed = Ok(await counter.AttachAsync(id, "deed", $"the signed deed of sale, registry transaction {id}"), 201);
        Assert.Equal(Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(NotarySigningKit.Pdf($"the signed deed of sale, registry transaction {id}"))), deed.GetProperty("sha256").GetString());

        var submitted = Ok(await counter.PostAsync($"/api/registry/transactions/{id}/submission", "notary"));
        Assert.Equal("fees-due", submitted.GetProperty("state").GetString());
        // The registration fee by value band on the greater of the price (250,000) and the parcel's roll value.
        var roll = Ok(await counter.GetAsync($"/api/tax/parcels/{title.Upi}")).GetProperty("value").GetDecimal();
        Assert.Equal(40m + (Math.Ceiling((Math.Max(250_000m, roll) - 15_000m) / 1000m) * 2.50m), submitted.GetProperty("fee").GetDecimal());
        Assert.Equal("open", submitted.GetProperty("invoice").GetProperty("status").GetString());

        // Fees are the payments module's: the registrar records nothing by hand; the invoice is paid at the gateway.
        Problem(await counter.PostAsync($"/api/registry/transactions/{id}/payments", "registrar", new { amount = 150m, reference = "RCPT-1" }), 409, "R-FEE");
        var paid = await counter.PayInvoiceAsync(id);
        Assert.Equal("paid", paid.GetProperty("state").GetString());
        Assert.Equal(submitted.GetProperty("invoice").GetProperty("total").GetDecimal(), paid.GetProperty("paid").GetDecimal());

        Assert.Equal("examined", Ok(await counter.ExamineAsync(id)).GetProperty("state").GetString());
        var registered = Ok(await counter.RegisterAsync(id));
        Assert.Equal("registered", registered.GetProperty("transaction").GetProperty("state").GetString());
        Assert.True(registered.GetProperty("journalEntry").GetInt64() >= 2);
        Assert.Equal(
            ["lodged", "fees-due", "paid", "examined", "registered"],
            registered.GetProperty("transaction").GetProperty("steps").EnumerateArray().Select(s => s.GetProperty("state").GetString()));

        var extract = Ok(await counter.GetAsync($"/api/registry/titles/{title.TitleNumber}?history=true"));
        var owners = extract.GetProperty("owners").EnumerateArray().ToList();
        Assert.Equal(2, owners.Count);
        Assert.Contains(owners, o => o.GetProperty("name").GetString() == "Aurelia Test-Buyer" && o.GetProperty("share").GetString() == "1/2");
        Assert.Contains(owners, o => o.GetProperty("partyId").GetInt64() == title.OwnerId + 1 && o.GetProperty("share").GetString() == "1/2");
        Assert.All(owners, o => Assert.False(o.TryGetProperty("uin", out _)));
        var past = Assert.Single(extract.GetProperty("pastOwners").EnumerateArray());
        Assert.Equal(title.OwnerName, past.GetProperty("name").GetString());

        // The event for tax and permits, written in the same transaction: title, parcel, old and new owners.
        var payload = JsonDocument.Parse(await server.Database.ScalarAsync<string>(
            "SELECT payload::text FROM exchange.outbox WHERE type = 'registry.transaction.registered' AND correlation_id = @id", ("id", id))).RootElement;
        Assert.Equal(title.TitleNumber, payload.GetProperty("titleNumber").GetString());
        Assert.Equal(title.Upi, Assert.Single(payload.GetProperty("parcels").EnumerateArray()).GetString());
        Assert.Equal(title.OwnerId, Assert.Single(payload.GetProperty("previousOwners").EnumerateArray()).GetProperty("partyId").GetInt64());
        Assert.Contains(payload.GetProperty("newOwners").EnumerateArray(), o => o.GetProperty("uin").GetString() == buyer);

        var verification = Ok(await counter.GetAsync("/api/registry/journal/verification", "registrar"));
        Assert.True(verification.GetProperty("intact").GetBoolean(), verification.ToString());
        Assert.Equal(1 + await server.Database.ScalarAsync<long>("SELECT count(*) FROM registry.transactions WHERE state = 'registered' AND kind <> 'initial_load'"),
            verification.GetProperty("entries").GetInt64());
    }

    [Fact]
    public async Task Each_step_is_refused_to_every_role_but_its_own_and_the_state_stays()
    {
        var title = await SingleOwnerTitleAsync(server.Database, 2);
        var lodgement = Transfer(title, [new { partyId = title.OwnerId + 1, share = "1" }]);
        Assert.Equal(401, (await counter.PostAsync("/api/registry/transactions", null, lodgement)).Status);
        foreach (var role in new[] { "citizen", "examiner", "registrar", "surveyor" })
        {
            Assert.Equal(403, (await counter.PostAsync("/api/registry/transactions", role, lodgement)).Status);
        }

        var id = await counter.LodgeAsync(lodgement);
        Assert.Equal(403, (await counter.AttachAsync(id, "deed", role: "registrar")).Status);
        Ok(await counter.AttachAsync(id, "deed"), 201);
        Assert.Equal(403, (await counter.PostAsync($"/api/registry/transactions/{id}/submission", "examiner")).Status);
        Ok(await counter.PostAsync($"/api/registry/transactions/{id}/submission", "notary"));
        foreach (var role in new[] { "notary", "examiner", "citizen" })
        {
            Assert.Equal(403, (await counter.PostAsync($"/api/registry/transactions/{id}/payments", role, new { amount = 150m, reference = "X" })).Status);
        }

        Problem(await counter.PostAsync($"/api/registry/transactions/{id}/payments", "registrar", new { amount = 150m, reference = "RCPT" }), 409, "R-FEE");
        await counter.PayInvoiceAsync(id);
        foreach (var role in new[] { "notary", "registrar", "citizen" })
        {
            Assert.Equal(403, (await counter.PostAsync($"/api/registry/transactions/{id}/examination", role)).Status);
        }

        Ok(await counter.ExamineAsync(id));
        foreach (var role in new[] { "notary", "examiner", "citizen" })
        {
            Assert.Equal(403, (await counter.PostAsync($"/api/registry/transactions/{id}/registration", role)).Status);
        }

        Assert.Equal(403, (await counter.PostAsync($"/api/registry/transactions/{id}/rejection", "notary", new { reason = "no" })).Status);
        Assert.Equal(403, (await counter.PostAsync($"/api/registry/transactions/{id}/requisition", "citizen", new { reason = "no" })).Status);
        Assert.Equal(401, (await counter.GetAsync($"/api/registry/transactions/{id}")).Status);
        Assert.Equal(403, (await counter.GetAsync($"/api/registry/transactions/{id}", "citizen")).Status);
        Assert.Equal("examined", Ok(await counter.GetAsync($"/api/registry/transactions/{id}", "notary")).GetProperty("state").GetString());
        Assert.Equal("registered", Ok(await counter.RegisterAsync(id)).GetProperty("transaction").GetProperty("state").GetString());
    }

    [Fact]
    public async Task Steps_out_of_order_are_refused_with_R_STATE()
    {
        var title = await SingleOwnerTitleAsync(server.Database, 3);
        var id = await counter.LodgeAsync(Transfer(title, [new { partyId = title.OwnerId + 1, share = "1/1" }]));
        Problem(await counter.ExamineAsync(id), 409, "R-STATE");
        Problem(await counter.RegisterAsync(id), 409, "R-STATE");
        Problem(await counter.PostAsync($"/api/registry/transactions/{id}/payments", "registrar", new { amount = 150m, reference = "R" }), 409, "R-FEE");
        await counter.PayAsync(id, "deed");
        Problem(await counter.RegisterAsync(id), 409, "R-STATE");
        Problem(await counter.AttachAsync(id, "consent"), 409, "R-STATE");
        Ok(await counter.ExamineAsync(id));
        Ok(await counter.RegisterAsync(id));
        Problem(await counter.PostAsync($"/api/registry/transactions/{id}/rejection", "registrar", new { reason = "too late" }), 409, "R-STATE");
    }

    [Fact]
    public async Task A_requisition_sends_the_transaction_back_and_the_notary_resubmits_without_paying_twice()
    {
        var title = await SingleOwnerTitleAsync(server.Database, 4);
        // A transmission on death needs the death recorded in the civil registry (R-DEATH, ConsentRuleTests).
        await counter.OwnerDiesAsync(title, new DateOnly(2026, 1, 15));
        var id = await counter.LodgeAsync(Transfer(title, [new { partyId = title.OwnerId + 1, share = "1/1" }], reason: "inheritance"));
        await counter.PayAsync(id, "deed");
        var missing = Problem(await counter.ExamineAsync(id), 409, "R-DOCS");
        Assert.Contains("probate", missing.GetProperty("detail").GetString());
        Problem(await counter.PostAsync($"/api/registry/transactions/{id}/requisition", "examiner", new { reason = " " }), 400, "reason-required", "reason");

        var sent = Ok(await counter.PostAsync($"/api/registry/transactions/{id}/requisition", "examiner", new { reason = "Attach the grant of probate." }));
        Assert.Equal("requisitioned", sent.GetProperty("state").GetString());
        Assert.Equal("Attach the grant of probate.", sent.GetProperty("note").GetString());

        Ok(await counter.AttachAsync(id, "probate", "grant of probate"), 201);
        var resubmitted = Ok(await counter.PostAsync($"/api/registry/transactions/{id}/submission", "notary"));
        Assert.Equal("paid", resubmitted.GetProperty("state").GetString());
        Assert.Equal(resubmitted.GetProperty("invoice").GetProperty("total").GetDecimal(), resubmitted.GetProperty("paid").GetDecimal());
        Assert.Equal(1L, await server.Database.ScalarAsync<long>("SELECT count(*) FROM payments.invoices WHERE subject_reference = @s", ("s", id.ToString())));
        Ok(await counter.ExamineAsync(id));
        Ok(await counter.RegisterAsync(id));
    }

    [Fact]
    public async Task A_rejected_transaction_never_registers()
    {
        var title = await SingleOwnerTitleAsync(server.Database, 5);
        var id = await counter.LodgeAsync(Transfer(title, [new { partyId = title.OwnerId + 1, share = "1/1" }]));
        await counter.PayAsync(id, "deed");
        var rejected = Ok(await counter.PostAsync($"/api/registry/transactions/{id}/rejection", "examiner", new { reason = "The deed is not signed." }));
        Assert.Equal("rejected", rejected.GetProperty("state").GetString());
        Problem(await counter.ExamineAsync(id), 409, "R-STATE");
        var extract = Ok(await counter.GetAsync($"/api/registry/titles/{title.TitleNumber}"));
        Assert.Equal(title.OwnerId, Assert.Single(extract.GetProperty("owners").EnumerateArray()).GetProperty("partyId").GetInt64());
    }

    [Fact]
    public async Task Only_the_notary_who_lodged_a_transaction_attaches_documents_to_it_and_submits_it()
    {
        var title = await SingleOwnerTitleAsync(server.Database, 21);
        var id = await counter.LodgeAsync(Transfer(title, [new { partyId = title.OwnerId + 1, share = "1/1" }]));

        // Another notary, with an account of their own.
        const string password = "Second-notary-2026";
        Ok(await counter.PostAsync("/api/identity/users", "administrator",
            new { userName = "second-notary", fullName = "Second Notary", password, roles = new[] { "notary" } }), 201);
        var other = (await Tokens.PasswordAsync(server.Client, "second-notary", password)).GetProperty("access_token").GetString()!;

        var consent = new MultipartFormDataContent
        {
            { new ByteArrayContent("consent of the spouse"u8.ToArray()), "file", "consent.pdf" },
            { new StringContent("consent"), "kind" },
        };
        Problem(await SendAsAsync(other, $"/api/registry/transactions/{id}/documents", consent), 403, "R-LODGER");
        Problem(await SendAsAsync(other, $"/api/registry/transactions/{id}/submission", null), 403, "R-LODGER");

        var unchanged = Ok(await counter.GetAsync($"/api/registry/transactions/{id}", "registrar"));
        Assert.Equal("lodged", unchanged.GetProperty("state").GetString());
        Assert.Empty(unchanged.GetProperty("documents").EnumerateArray());

        // The lodging notary still can.
        Ok(await counter.AttachAsync(id, "consent", "consent of the spouse"), 201);
        Assert.Equal("fees-due", Ok(await counter.PostAsync($"/api/registry/transactions/{id}/submission", "notary")).GetProperty("state").GetString());
    }

    private async Task<(int Status, JsonElement Body)> SendAsAsync(string token, string path, HttpContent? content)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, path) { Content = content };
        request.Headers.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", token);
        using var response = await server.Client.SendAsync(request);
        var text = await response.Content.ReadAsStringAsync();
        return ((int)response.StatusCode, text.Length == 0 ? default : JsonDocument.Parse(text).RootElement.Clone());
    }
}
