using System.Text.Json;
using Landplatform.Cadastre.Contracts.Events;
using Landplatform.Testing;
using static Landplatform.Registry.Tests.RegistryCounter;

namespace Landplatform.Registry.Tests;

/// <summary>
/// Events are typed records declared once in the contracts: what the modules record is exactly what their
/// subscribers read (a drifted field is an error, not a silent null), and the registration event carries the
/// register's own answer.
/// </summary>
public sealed class EventContractTests(SingleWindowServer server) : IClassFixture<SingleWindowServer>
{
    private readonly RegistryCounter counter = new(server);

    [Fact]
    public async Task Every_event_a_registration_records_reads_as_its_declared_record_and_names_the_new_owners()
    {
        var title = await SingleOwnerTitleAsync(server.Database, 31);
        var buyer = NewUin(31);
        var registered = await counter.RegisterThroughAsync(Transfer(title, [new { uin = buyer, name = "Octavia Contract-Buyer", share = "1/1" }]), "deed");
        var id = registered.GetProperty("transaction").GetProperty("id").GetGuid();

        // Every type declared has its record, and every event recorded so far (this fixture's database) reads as it.
        Assert.Equal(PlatformEventTypes.All.Order(), EventPayloads.ByType.Keys.Order());
        var seen = new HashSet<string>();
        await using (var command = server.Database.DataSource.CreateCommand("SELECT type, payload::text FROM exchange.outbox WHERE type = ANY(@types) ORDER BY id"))
        {
            command.Parameters.AddWithValue("types", PlatformEventTypes.All.ToArray());
            await using var rows = await command.ExecuteReaderAsync();
            while (await rows.ReadAsync())
            {
                var (type, body) = (rows.GetString(0), rows.GetString(1));
                var read = EventPayloads.Read(type, body);
                Assert.IsType(EventPayloads.ByType[type], read);
                seen.Add(type);
            }
        }

        Assert.Superset(new HashSet<string> { PlatformEventTypes.TransactionLodged, PlatformEventTypes.InvoicePaid, PlatformEventTypes.TransactionRegistered }, seen);

        var payload = EventPayloads.Read<TransactionRegisteredPayload>(await server.Database.ScalarAsync<string>(
            "SELECT payload::text FROM exchange.outbox WHERE type = @type AND correlation_id = @id", ("type", PlatformEventTypes.TransactionRegistered), ("id", id)));
        Assert.Equal("transfer", payload.Kind);
        Assert.Equal([title.TitleNumber], payload.Titles);
        Assert.Equal([title.Upi], payload.Parcels);
        Assert.Equal(title.OwnerId, Assert.Single(payload.PreviousOwners).PartyId);
        var owner = Assert.Single(payload.NewOwners);
        Assert.Equal((buyer, "Octavia Contract-Buyer", "1/1"), (owner.Uin, owner.Name, owner.Share));

        var lodged = EventPayloads.Read<TransactionLodgedPayload>(await server.Database.ScalarAsync<string>(
            "SELECT payload::text FROM exchange.outbox WHERE type = @type AND correlation_id = @id", ("type", PlatformEventTypes.TransactionLodged), ("id", id)));
        Assert.Equal(title.OwnerId, Assert.Single(lodged.Owners).PartyId);
    }

    [Theory]
    [InlineData("""{"invoiceId":"0193a000-0000-7000-8000-000000000001","invoiceNumber":"INV-1","subjectType":"registry-transaction","subjectReference":"x","amount":1,"currency":"XCD","receiptNumber":"R-1","paidAt":"2026-12-03T10:00:00Z","gatewayPaymentId":"pi_1","extra":1}""")]
    [InlineData("""{"invoiceId":"0193a000-0000-7000-8000-000000000001","invoiceNumber":"INV-1","subjectType":"registry-transaction","subjectReference":"x","amount":1,"receiptNumber":"R-1","paidAt":"2026-12-03T10:00:00Z","gatewayPaymentId":"pi_1"}""")]
    [InlineData("""{"invoiceId":"0193a000-0000-7000-8000-000000000001","invoiceNumber":"INV-1","subjectType":"registry-transaction","subjectReference":"x","amount":1,"currency":null,"receiptNumber":"R-1","paidAt":"2026-12-03T10:00:00Z","gatewayPaymentId":"pi_1"}""")]
    public void A_body_that_drifted_from_its_record_is_refused_not_misread(string drifted)
    {
        // An unknown field, a missing one, a null where the record allows none.
        Assert.ThrowsAny<JsonException>(() => EventPayloads.Read<InvoicePaidPayload>(drifted));
    }
}
