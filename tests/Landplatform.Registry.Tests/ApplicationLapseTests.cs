using System.Globalization;
using System.Net.Http.Headers;
using Landplatform.Registry.Transactions;
using Landplatform.Testing;
using Microsoft.Extensions.DependencyInjection;
using static Landplatform.Registry.Tests.RegistryCounter;

namespace Landplatform.Registry.Tests;

/// <summary>The single window with the applications' deadlines on a clock under the test's hand.</summary>
public sealed class ApplicationClockServer : SingleWindowServer
{
    public MovableClock Clock { get; } = new();

    protected override void ConfigureServices(IServiceCollection services) =>
        services.AddKeyedSingleton<TimeProvider>(ApplicationLapses.ClockKey, Clock);

    /// <summary>What the serving host's sweep does every few minutes, done now.</summary>
    public async Task<ApplicationLapses.SweepResult> SweepAsync()
    {
        await using var scope = Services.CreateAsyncScope();
        return await scope.ServiceProvider.GetRequiredService<ApplicationLapses>().SweepAsync(CancellationToken.None);
    }
}

/// <summary>
/// Lapse, requisitions and refunds (issue #23): after competing transfers of one title one registers, the others are
/// requisitioned at once with a deadline, block nobody, and once the deadline passes lapse and are refunded through the
/// gateway (the refund reconciled against the bank's statement like a payment); an unsubmitted lodgement lapses and stops
/// holding the title; a rejected or withdrawn paid application is refunded. Real PostGIS, real gateway simulator.
/// </summary>
public sealed class ApplicationLapseTests(ApplicationClockServer server) : IClassFixture<ApplicationClockServer>
{
    private const int Competitors = 4;

    private readonly RegistryCounter counter = new(server);

    [Fact]
    public async Task Of_competing_transfers_one_registers_the_rest_are_requisitioned_then_lapse_are_refunded_once_and_block_no_later_sale()
    {
        server.Clock.Offset = TimeSpan.Zero;
        var title = await SingleOwnerTitleAsync(server.Database, 1);
        var ids = new List<Guid>();
        for (var n = 1; n <= Competitors; n++)
        {
            var id = await counter.LodgeAsync(Transfer(title, [new { partyId = title.OwnerId + n, share = "1/1" }]));
            await counter.PayAsync(id, "deed");
            Ok(await counter.ExamineAsync(id));
            ids.Add(id);
        }

        Ok(await counter.RegisterAsync(ids[0]));
        var losers = ids.Skip(1).ToList();
        foreach (var loser in losers)
        {
            var view = Ok(await counter.GetAsync($"/api/registry/transactions/{loser}", "notary"));
            Assert.Equal("requisitioned", view.GetProperty("state").GetString());
            Assert.Equal(ids[0], view.GetProperty("supersededBy").GetGuid());
            Assert.True(view.GetProperty("requisitionDueAt").GetDateTimeOffset() > DateTimeOffset.UtcNow.AddDays(20));
            Assert.Contains("R-OWNER", view.GetProperty("note").GetString());
            Problem(await counter.RegisterAsync(loser), 409, "R-OWNER");
        }

        // The new owner sells at once: the requisitioned losers, earlier in the day book, do not hold the sale up.
        var newOwner = title with { OwnerId = title.OwnerId + 1 };
        var sale = await counter.LodgeAsync(Transfer(newOwner, [new { partyId = title.OwnerId + 9, share = "1/1" }]));
        await counter.PayAsync(sale, "deed");
        Ok(await counter.ExamineAsync(sale));
        Ok(await counter.RegisterAsync(sale));
        var owner = Assert.Single(Ok(await counter.GetAsync($"/api/registry/titles/{title.TitleNumber}")).GetProperty("owners").EnumerateArray());
        Assert.Equal(title.OwnerId + 9, owner.GetProperty("partyId").GetInt64());

        // Before the deadline nothing lapses; after it, every loser lapses and its fee and duty come back through the gateway.
        Assert.Equal(0, (await server.SweepAsync()).Lapsed);
        server.Clock.Offset = TimeSpan.FromDays(new ApplicationOptions().RequisitionDays + 1);
        try
        {
            var swept = await server.SweepAsync();
            Assert.True(swept.Lapsed >= losers.Count, $"lapsed {swept.Lapsed}");
        }
        finally
        {
            server.Clock.Offset = TimeSpan.Zero;
        }

        var refunds = new List<string>();
        foreach (var loser in losers)
        {
            var view = Ok(await counter.GetAsync($"/api/registry/transactions/{loser}", "notary"));
            Assert.Equal("lapsed", view.GetProperty("state").GetString());
            var refund = view.GetProperty("refund").GetProperty("reference").GetString()!;
            Assert.StartsWith("re_", refund);
            refunds.Add(refund);
            var invoice = view.GetProperty("invoice");
            var paidIntent = await server.Database.ScalarAsync<string>(
                "SELECT gateway_payment_id FROM payments.receipts WHERE invoice_id = @i", ("i", invoice.GetProperty("invoiceId").GetGuid()));
            var atGateway = Assert.Single(server.Systems.Gateway.Refunds, r => (string?)r["payment_intent"] == paidIntent);
            Assert.Equal((long)(invoice.GetProperty("total").GetDecimal() * 100m), (long)atGateway["amount"]!);
            Assert.Equal(-invoice.GetProperty("total").GetDecimal(), server.Systems.Bank.Find(refund)!.Amount);
        }

        Assert.Equal(losers.Count, refunds.Distinct().Count());
        Assert.Equal("registered", Ok(await counter.GetAsync($"/api/registry/transactions/{ids[0]}", "notary")).GetProperty("state").GetString());

        // Swept again: nothing is refunded twice.
        Assert.Equal(0, (await server.SweepAsync()).Refunded);
        Assert.Equal(losers.Count, server.Systems.Gateway.Refunds.Count(r => refunds.Contains((string)r["id"]!)));
        Assert.Equal((long)losers.Count, await server.Database.ScalarAsync<long>(
            "SELECT count(*) FROM payments.refunds WHERE status = 'succeeded' AND gateway_refund_id = ANY(@r)", ("r", refunds.ToArray())));

        // The bank's statement shows each refund as a debit, and reconciliation matches it against our refund record.
        var today = DateOnly.FromDateTime(DateTime.UtcNow).ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);
        var statement = await server.Systems.Http.GetByteArrayAsync($"bank/statements/{today}.xml");
        Assert.Contains("DBIT", System.Text.Encoding.UTF8.GetString(statement));
        using var form = new MultipartFormDataContent();
        var file = new ByteArrayContent(statement);
        file.Headers.ContentType = new MediaTypeHeaderValue("application/xml");
        form.Add(file, "file", $"statement-{today}.xml");
        var run = Ok(await counter.SendAsync(HttpMethod.Post, "/api/payments/reconciliations", "tax-officer", form), 201);
        Assert.DoesNotContain(run.GetProperty("findings").EnumerateArray(), f => refunds.Contains(f.GetProperty("reference").GetString()!));
    }

    [Fact]
    public async Task An_unsubmitted_lodgement_lapses_after_the_period_and_stops_holding_the_title()
    {
        server.Clock.Offset = TimeSpan.Zero;
        var title = await SingleOwnerTitleAsync(server.Database, 2);
        var forgotten = await counter.LodgeAsync(Transfer(title, [new { partyId = title.OwnerId + 1, share = "1/1" }]));
        var sale = await counter.LodgeAsync(Transfer(title, [new { partyId = title.OwnerId + 2, share = "1/1" }]));
        await counter.PayAsync(sale, "deed");
        Ok(await counter.ExamineAsync(sale));
        Problem(await counter.RegisterAsync(sale), 409, "R-PRIORITY");

        server.Clock.Offset = TimeSpan.FromDays(new ApplicationOptions().LodgementLapseDays + 1);
        try
        {
            await server.SweepAsync();
        }
        finally
        {
            server.Clock.Offset = TimeSpan.Zero;
        }

        var lapsed = Ok(await counter.GetAsync($"/api/registry/transactions/{forgotten}", "notary"));
        Assert.Equal("lapsed", lapsed.GetProperty("state").GetString());
        Assert.Contains("not submitted", lapsed.GetProperty("steps").EnumerateArray().Last().GetProperty("note").GetString());
        Assert.Equal(JsonValueKindNull, lapsed.GetProperty("refund").ValueKind);

        // The paid sale, lodged later but still within its time, did not lapse, and now registers.
        Assert.Equal("examined", Ok(await counter.GetAsync($"/api/registry/transactions/{sale}", "notary")).GetProperty("state").GetString());
        Ok(await counter.RegisterAsync(sale));

        // A lapsed application can no longer be completed.
        Problem(await counter.PostAsync($"/api/registry/transactions/{forgotten}/submission", "notary"), 409, "R-STATE");
    }

    [Fact]
    public async Task A_paid_application_that_is_rejected_or_withdrawn_is_refunded_once()
    {
        server.Clock.Offset = TimeSpan.Zero;
        var title = await SingleOwnerTitleAsync(server.Database, 3);
        var rejected = await counter.LodgeAsync(Transfer(title, [new { partyId = title.OwnerId + 1, share = "1/1" }]));
        await counter.PayAsync(rejected, "deed");
        var afterRejection = Ok(await counter.PostAsync($"/api/registry/transactions/{rejected}/rejection", "examiner", new { reason = "The deed is not the one described." }));
        Assert.Equal("rejected", afterRejection.GetProperty("state").GetString());
        Assert.StartsWith("re_", afterRejection.GetProperty("refund").GetProperty("reference").GetString());

        var withdrawn = await counter.LodgeAsync(Transfer(title, [new { partyId = title.OwnerId + 2, share = "1/1" }]));
        await counter.PayAsync(withdrawn, "deed");
        var afterWithdrawal = Ok(await counter.PostAsync($"/api/registry/transactions/{withdrawn}/withdrawal", "notary", new { reason = "The sale fell through." }));
        Assert.Equal("withdrawn", afterWithdrawal.GetProperty("state").GetString());
        var reference = afterWithdrawal.GetProperty("refund").GetProperty("reference").GetString()!;
        Assert.NotNull(server.Systems.Bank.Find(reference));

        // Nothing pending to withdraw twice; another sweep refunds neither again; a stranger to the registry may not withdraw.
        Problem(await counter.PostAsync($"/api/registry/transactions/{withdrawn}/withdrawal", "notary"), 409, "R-STATE");
        Assert.Equal(0, (await server.SweepAsync()).Refunded);
        Assert.Equal(2L, await server.Database.ScalarAsync<long>(
            "SELECT count(*) FROM payments.refunds f JOIN registry.transactions t ON t.invoice_id = f.invoice_id WHERE t.id = ANY(@ids)", ("ids", new[] { rejected, withdrawn })));
        Assert.Equal(403, (await counter.PostAsync($"/api/registry/transactions/{withdrawn}/withdrawal", "citizen")).Status);
    }

    [Fact]
    public async Task An_unanswered_requisition_lapses_at_its_deadline_and_an_answered_one_does_not()
    {
        server.Clock.Offset = TimeSpan.Zero;
        var title = await SingleOwnerTitleAsync(server.Database, 4);
        var unanswered = await counter.LodgeAsync(Transfer(title, [new { partyId = title.OwnerId + 1, share = "1/1" }]));
        var answered = await counter.LodgeAsync(Transfer(title, [new { partyId = title.OwnerId + 2, share = "1/1" }]));
        foreach (var id in new[] { unanswered, answered })
        {
            await counter.PayAsync(id, "deed");
            var sentBack = Ok(await counter.PostAsync($"/api/registry/transactions/{id}/requisition", "examiner", new { reason = "Attach the consent of the spouse." }));
            Assert.Equal("requisitioned", sentBack.GetProperty("state").GetString());
            var due = sentBack.GetProperty("requisitionDueAt").GetDateTimeOffset();
            Assert.InRange(due, DateTimeOffset.UtcNow.AddDays(new ApplicationOptions().RequisitionDays - 1), DateTimeOffset.UtcNow.AddDays(new ApplicationOptions().RequisitionDays + 1));
        }

        // The notary answers one: the consent attached and the application submitted again (its invoice is paid already).
        Ok(await counter.AttachAsync(answered, "consent", "spouse's consent"), 201);
        Assert.Equal("paid", Ok(await counter.PostAsync($"/api/registry/transactions/{answered}/submission", "notary")).GetProperty("state").GetString());

        server.Clock.Offset = TimeSpan.FromDays(new ApplicationOptions().RequisitionDays + 1);
        try
        {
            await server.SweepAsync();
        }
        finally
        {
            server.Clock.Offset = TimeSpan.Zero;
        }

        var lapsed = Ok(await counter.GetAsync($"/api/registry/transactions/{unanswered}", "notary"));
        Assert.Equal("lapsed", lapsed.GetProperty("state").GetString());
        Assert.Contains("not answered", lapsed.GetProperty("steps").EnumerateArray().Last().GetProperty("note").GetString());
        Assert.StartsWith("re_", lapsed.GetProperty("refund").GetProperty("reference").GetString());
        Assert.Equal("paid", Ok(await counter.GetAsync($"/api/registry/transactions/{answered}", "notary")).GetProperty("state").GetString());
        Assert.Equal(JsonValueKindNull, Ok(await counter.GetAsync($"/api/registry/transactions/{answered}", "notary")).GetProperty("refund").ValueKind);
    }

    private const System.Text.Json.JsonValueKind JsonValueKindNull = System.Text.Json.JsonValueKind.Null;
}
