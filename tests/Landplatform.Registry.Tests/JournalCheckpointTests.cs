using System.Text.Json;
using Landplatform.GisServer;
using Landplatform.Registry.Journal;
using Landplatform.Testing;
using Microsoft.Extensions.Configuration;
using Xunit;
using static Landplatform.Registry.Tests.RegistryCounter;

namespace Landplatform.Registry.Tests;

/// <summary>The server signs the journal's head into a log outside the database and publishes it with its public key.</summary>
public sealed class JournalCheckpointTests(SingleWindowServer server) : IClassFixture<SingleWindowServer>
{
    [Fact]
    public async Task Anyone_gets_the_signed_checkpoints_and_the_public_key_and_a_registration_moves_the_head()
    {
        var counter = new RegistryCounter(server);
        var title = await SingleOwnerTitleAsync(server.Database, 70);
        var seq = (await counter.RegisterThroughAsync(Transfer(title, [new { partyId = title.OwnerId + 1, share = "1/1" }]), "deed")).GetProperty("journalEntry").GetInt64();

        // The hosted service signs a moved head within its interval (5 s); wait for the entry just registered.
        var deadline = DateTime.UtcNow.AddSeconds(30);
        JsonElement published;
        while (true)
        {
            published = Ok(await counter.GetAsync("/api/registry/journal/checkpoints"));
            if (published.GetProperty("checkpoints").EnumerateArray().Any(c => c.GetProperty("seq").GetInt64() == seq))
            {
                break;
            }

            Assert.True(DateTime.UtcNow < deadline, $"no checkpoint at entry {seq} within 30 s: {published}");
            await Task.Delay(200);
        }

        var pem = published.GetProperty("publicKey").GetString()!;
        Assert.StartsWith("-----BEGIN PUBLIC KEY-----", pem);
        var lines = published.GetProperty("checkpoints").EnumerateArray().Select(c => c.GetRawText()).ToList();
        var (verified, findings) = JournalCheckpointLog.Verify(lines, pem);
        Assert.Empty(findings);
        Assert.Equal(lines.Count, verified.Count);
        var head = verified.Single(c => c.Seq == seq);
        var hash = Convert.ToHexStringLower(await server.Database.ScalarAsync<byte[]>("SELECT hash FROM registry.journal WHERE seq = @s", ("s", seq)));
        Assert.Equal(hash, head.Hash);

        // What an agency keeps, verified by the host command against the live database.
        var copy = Path.Combine(server.CheckpointDirectory, "agency-copy.jsonl");
        var key = Path.Combine(server.CheckpointDirectory, "agency-copy.pub.pem");
        await File.WriteAllLinesAsync(copy, lines);
        await File.WriteAllTextAsync(key, pem);
        var (exitCode, output) = await RegistryVerify.RunAsync(server.Database.ConnectionString, "--checkpoints", copy, "--public-key", key);
        Assert.True(exitCode == 0, output);
        Assert.Contains($"the latest at entry {seq}", output);

        // A copy checked against another key is refused, naming the checkpoint.
        await File.WriteAllTextAsync(key, System.Security.Cryptography.ECDsa.Create(System.Security.Cryptography.ECCurve.NamedCurves.nistP256).ExportSubjectPublicKeyInfoPem());
        var (wrongKey, refused) = await RegistryVerify.RunAsync(server.Database.ConnectionString, "--checkpoints", copy, "--public-key", key);
        Assert.Equal(1, wrongKey);
        Assert.Contains($"checkpoint at journal entry {seq} ", refused);
    }

    [Fact]
    [System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
    public void The_signing_key_is_readable_by_the_server_alone_and_its_public_half_by_anyone()
    {
        var log = (JournalCheckpointLog)server.Services.GetService(typeof(JournalCheckpointLog))!;
        Assert.StartsWith("-----BEGIN PUBLIC KEY-----", log.PublicKeyPem());
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite,
            File.GetUnixFileMode(Path.Combine(server.CheckpointDirectory, JournalCheckpointLog.KeyFileName)));
        Assert.True(File.GetUnixFileMode(log.PublicKeyPath).HasFlag(UnixFileMode.OtherRead));
        Assert.DoesNotContain("PRIVATE", File.ReadAllText(log.PublicKeyPath));
    }

    [Fact]
    public void Outside_demo_mode_the_server_does_not_start_without_a_checkpoint_directory()
    {
        var settings = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Identity:DemoMode"] = "false",
        }).Build();
        Assert.Contains(StartupSettings.Problems(settings), p => p.StartsWith("Registry:Checkpoints:Directory is not set", StringComparison.Ordinal));

        var configured = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Identity:DemoMode"] = "false",
            ["Registry:Checkpoints:Directory"] = server.CheckpointDirectory,
        }).Build();
        Assert.DoesNotContain(StartupSettings.Problems(configured), p => p.StartsWith("Registry:Checkpoints", StringComparison.Ordinal));
    }
}
