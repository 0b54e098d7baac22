using System.Diagnostics;
using System.Text.Json;
using Landplatform.Testing;
using static Landplatform.Registry.Tests.RegistryCounter;

namespace Landplatform.Registry.Tests;

/// <summary>
/// A signed deed counts only for the transaction it names, once, and only if its certificate was not revoked when the
/// platform received it — whatever signing time the signer wrote into the signature.
/// </summary>
public sealed class DeedBindingTests(SingleWindowServer server) : IClassFixture<SingleWindowServer>
{
    private readonly RegistryCounter counter = new(server);

    private async Task<NotarySigningKit> KitAsync() => await NotarySigningKit.CreateAsync(server.Client, await counter.TokenAsync("notary"));

    private Task<(int Status, JsonElement Body)> AttachDeedAsync(Guid id, JsonElement deed) =>
        counter.PostAsync($"/api/registry/transactions/{id}/documents", "notary", new { kind = "deed", sha256 = deed.GetProperty("contentSha256").GetString() });

    private Task<long> DocumentCountAsync(Guid id) =>
        server.Database.ScalarAsync<long>("SELECT count(*) FROM registry.transaction_documents WHERE transaction_id = @id", ("id", id));

    [Fact]
    public async Task A_deed_signed_for_another_transaction_is_refused_and_nothing_is_attached()
    {
        var first = await SingleOwnerTitleAsync(server.Database, 50);
        var second = await SingleOwnerTitleAsync(server.Database, 51);
        var forFirst = await counter.LodgeAsync(Transfer(first, [new { partyId = first.OwnerId + 1, share = "1/1" }]));
        var forSecond = await counter.LodgeAsync(Transfer(second, [new { partyId = second.OwnerId + 1, share = "1/1" }]));
        using var kit = await KitAsync();
        var deed = await kit.LodgeDeedAsync($"Deed of sale of {first.Upi}, registry transaction {forFirst}");

        var problem = Problem(await AttachDeedAsync(forSecond, deed), 409, "R-DOCS");
        Assert.Contains($"does not name registry transaction {forSecond}", problem.GetProperty("detail").GetString());
        Assert.Equal(0L, await DocumentCountAsync(forSecond));
        Ok(await AttachDeedAsync(forFirst, deed), 201);
    }

    [Fact]
    public async Task A_deed_is_accepted_once_across_the_register()
    {
        var first = await SingleOwnerTitleAsync(server.Database, 52);
        var second = await SingleOwnerTitleAsync(server.Database, 53);
        var a = await counter.LodgeAsync(Transfer(first, [new { partyId = first.OwnerId + 1, share = "1/1" }]));
        var b = await counter.LodgeAsync(Transfer(second, [new { partyId = second.OwnerId + 1, share = "1/1" }]));
        using var kit = await KitAsync();
        // Even a deed that names both transactions serves only the first one it is attached to.
        var deed = await kit.LodgeDeedAsync($"Deed for registry transactions {a} and {b}");
        Ok(await AttachDeedAsync(a, deed), 201);
        var problem = Problem(await AttachDeedAsync(b, deed), 409, "R-DOCS-REUSED");
        Assert.Contains(a.ToString(), problem.GetProperty("detail").GetString());
        Assert.Equal(0L, await DocumentCountAsync(b));
    }

    [Fact]
    public async Task A_deed_signed_after_its_certificates_revocation_is_refused_whatever_time_it_claims()
    {
        var title = await SingleOwnerTitleAsync(server.Database, 54);
        var id = await counter.LodgeAsync(Transfer(title, [new { partyId = title.OwnerId + 1, share = "1/1" }]));
        using var kit = await KitAsync();
        var serial = kit.Certificate.SerialNumber;
        // A deed received before the revocation stays good.
        var before = await kit.LodgeDeedAsync($"Deed of sale, registry transaction {id}");

        Problem(await counter.PostAsync($"/api/documents/notary-certificates/{serial}/revocation", "registrar", new { reason = " " }), 400, "revocation-reason", "reason");
        Assert.Equal(403, (await counter.PostAsync($"/api/documents/notary-certificates/{serial}/revocation", "notary", new { reason = "self" })).Status);
        var revoked = Ok(await counter.PostAsync($"/api/documents/notary-certificates/{serial}/revocation", "registrar", new { reason = "Signing key reported stolen" }));
        Assert.Equal(serial, revoked.GetProperty("serialNumber").GetString());

        var deeds = await server.Database.ScalarAsync<long>("SELECT count(*) FROM documents.deeds");
        var backdated = await kit.TryLodgeDeedAsync($"Backdated deed of sale, registry transaction {id}", DateTime.UtcNow.AddDays(-30));
        Assert.Equal(400, backdated.Status);
        Assert.Equal("deed-signer-revoked", backdated.Body.GetProperty("rule").GetString());
        Assert.Equal(deeds, await server.Database.ScalarAsync<long>("SELECT count(*) FROM documents.deeds"));

        Ok(await AttachDeedAsync(id, before), 201);

        // The revocation list is published, as JSON and as a CRL signed by the notary CA.
        using var anonymous = new HttpClient { BaseAddress = server.BaseAddress };
        var list = JsonDocument.Parse(await anonymous.GetStringAsync("/api/documents/notary-certificates/revoked")).RootElement;
        var entry = list.EnumerateArray().Single(e => e.GetProperty("serialNumber").GetString() == serial);
        Assert.Equal("Signing key reported stolen", entry.GetProperty("reason").GetString());
        var crl = await anonymous.GetByteArrayAsync("/api/documents/authority.crl");
        var work = Directory.CreateTempSubdirectory("lp-crl-");
        try
        {
            await File.WriteAllBytesAsync(Path.Combine(work.FullName, "authority.crl"), crl);
            await File.WriteAllTextAsync(Path.Combine(work.FullName, "authority.pem"), await anonymous.GetStringAsync("/api/documents/authority.pem"));
            var (exit, output) = await OpenSslAsync(work.FullName, "crl", "-inform", "DER", "-in", "authority.crl", "-CAfile", "authority.pem", "-noout", "-text");
            Assert.True(exit == 0, output);
            Assert.Contains("verify OK", output, StringComparison.Ordinal);
            Assert.Contains(serial, output.Replace(":", string.Empty, StringComparison.Ordinal), StringComparison.OrdinalIgnoreCase);
        }
        finally
        {
            work.Delete(recursive: true);
        }
    }

    private static async Task<(int ExitCode, string Output)> OpenSslAsync(string folder, params string[] arguments)
    {
        var start = new ProcessStartInfo("openssl") { WorkingDirectory = folder, RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var errors = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        return (process.ExitCode, await output + await errors);
    }
}
