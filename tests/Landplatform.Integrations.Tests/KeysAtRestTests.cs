using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text.Json;
using Landplatform.GisServer;
using Landplatform.Integrations.Documents;
using Landplatform.Integrations.Exchange;
using Landplatform.Integrations.Identity;
using Landplatform.Integrations.Security;
using Landplatform.Testing;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace Landplatform.Integrations.Tests;

/// <summary>The host with a quick outbox poll, so a webhook arrives within a second or two.</summary>
public sealed class KeysAtRestServer : PlatformServer
{
    protected override IReadOnlyDictionary<string, string> Settings => new Dictionary<string, string>(base.Settings)
    {
        ["Exchange:PollSeconds"] = "1",
        ["Exchange:RetryBaseSeconds"] = "0.4",
        ["Exchange:WebhookTimeoutSeconds"] = "3",

        // The receivers listen on loopback, which only an administrator's list lets a callback reach.
        ["Exchange:AllowedWebhookHosts:0"] = "127.0.0.1",
    };
}

/// <summary>Issue #18 item 3: the keys the platform stores are protected with a key ring whose master key is not in the database.</summary>
public sealed class KeysAtRestTests(KeysAtRestServer server) : IClassFixture<KeysAtRestServer>
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(30);

    [Fact]
    public async Task Token_keys_the_notary_CA_key_and_webhook_secrets_are_stored_protected_and_still_work()
    {
        var admin = await Tokens.AccessTokenForAsync(server.Client, PlatformRoles.Administrator);
        using (var listed = await Tokens.GetAsync(server.Client, "/api/exchange/subscriptions", admin))
        {
            Assert.Equal(HttpStatusCode.OK, listed.StatusCode);
        }

        var caPem = await server.Client.GetStringAsync("/api/documents/authority.pem");
        await using var receiver = await WebhookReceiver.StartAsync("keys-at-rest-" + Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(16)));
        var subscription = await SubscribeAsync(server.Client, admin, "keys-at-rest-land-office", receiver, "keys-test.signed");

        foreach (var material in await ColumnAsync("SELECT material FROM identity.token_keys"))
        {
            Assert.StartsWith(KeyMaterialProtector.Prefix, material);
            Assert.DoesNotContain("-----BEGIN", material);
        }

        Assert.Equal(2, (await ColumnAsync("SELECT material FROM identity.token_keys")).Count);
        var caKey = Assert.Single(await ColumnAsync("SELECT private_key_pem FROM documents.authority"));
        Assert.StartsWith(KeyMaterialProtector.Prefix, caKey);
        Assert.DoesNotContain("PRIVATE KEY", caKey);
        var secret = await SecretAsync(subscription);
        Assert.StartsWith(KeyMaterialProtector.Prefix, secret);
        Assert.DoesNotContain(receiver.Secret, secret);

        // The CA certificate is public and stays in the clear; its key signs what it issues.
        Assert.StartsWith("-----BEGIN CERTIFICATE-----", caPem);
        await AssertIssuesUnderAsync(server.Client, caPem);

        var eventId = await PublishAsync("keys-test.signed");
        var delivered = await ArrivalAsync(receiver, eventId);
        Assert.True(delivered.SignatureValid, "the receiver could not verify the webhook's HMAC with the secret it was given");
    }

    [Fact]
    public async Task Plaintext_keys_from_before_are_protected_at_start_and_keep_their_key_id_and_CA_certificate()
    {
        var admin = await Tokens.AccessTokenForAsync(server.Client, PlatformRoles.Administrator);
        var keyId = KeyIdOf(admin);
        var caPem = await server.Client.GetStringAsync("/api/documents/authority.pem");
        await using var receiver = await WebhookReceiver.StartAsync("keys-at-rest-" + Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(16)));
        var subscription = await SubscribeAsync(server.Client, admin, "keys-at-rest-upgraded", receiver, "keys-test.upgraded");

        // As an older release stored them: the plaintext in every row.
        var protector = server.Services.GetRequiredService<KeyMaterialProtector>();
        foreach (var purpose in new[] { "signing", "encryption" })
        {
            var stored = await server.Database.ScalarAsync<string>("SELECT material FROM identity.token_keys WHERE purpose = @p", ("p", purpose));
            await ExecuteAsync("UPDATE identity.token_keys SET material = @m WHERE purpose = @p",
                ("m", protector.Reveal("identity.token_keys/" + purpose, stored)), ("p", purpose));
        }

        var caKey = await server.Database.ScalarAsync<string>("SELECT private_key_pem FROM documents.authority");
        await ExecuteAsync("UPDATE documents.authority SET private_key_pem = @k", ("k", protector.Reveal(NotaryAuthority.KeyPurpose, caKey)));
        await ExecuteAsync("UPDATE exchange.subscriptions SET secret = @s WHERE id = @id", ("s", receiver.Secret), ("id", subscription));

        Assert.StartsWith("-----BEGIN PRIVATE KEY-----", await server.Database.ScalarAsync<string>("SELECT material FROM identity.token_keys WHERE purpose = 'signing'"));

        await using var restarted = server.AnotherInstance();
        using var client = restarted.CreateClient();
        Assert.All(await ColumnAsync("SELECT material FROM identity.token_keys"), m => Assert.StartsWith(KeyMaterialProtector.Prefix, m));
        Assert.StartsWith(KeyMaterialProtector.Prefix, await server.Database.ScalarAsync<string>("SELECT private_key_pem FROM documents.authority"));
        var secret = await SecretAsync(subscription);
        Assert.StartsWith(KeyMaterialProtector.Prefix, secret);
        Assert.DoesNotContain(receiver.Secret, secret);

        // The same keys: the restarted instance signs with the same key id, the first accepts its tokens, the CA is the same.
        var token = await Tokens.AccessTokenForAsync(client, PlatformRoles.Administrator);
        Assert.Equal(keyId, KeyIdOf(token));
        using (var accepted = await Tokens.GetAsync(server.Client, "/api/exchange/subscriptions", token))
        {
            Assert.Equal(HttpStatusCode.OK, accepted.StatusCode);
        }

        Assert.Equal(caPem, await client.GetStringAsync("/api/documents/authority.pem"));
        await AssertIssuesUnderAsync(client, caPem);

        var eventId = await PublishAsync("keys-test.upgraded");
        Assert.True((await ArrivalAsync(receiver, eventId)).SignatureValid, "after the upgrade the webhook is no longer signed with the subscriber's secret");
    }

    [Fact]
    public async Task A_server_with_another_master_key_or_an_empty_ring_refuses_to_start_and_writes_no_key()
    {
        await Tokens.AccessTokenForAsync(server.Client, PlatformRoles.Administrator);
        var ringBefore = RingFiles();
        Assert.NotEmpty(ringBefore);

        var wrongKey = StartFailure(new Dictionary<string, string> { ["DataProtection:MasterKey"] = TestKeyRing.NewMasterKey() });
        Assert.Contains(server.KeyRing.Path, wrongKey);
        Assert.Contains("master key", wrongKey, StringComparison.OrdinalIgnoreCase);

        using var empty = TestKeyRing.Create();
        var emptyRing = StartFailure(new Dictionary<string, string> { ["DataProtection:KeyRingPath"] = empty.Path });
        Assert.Contains(empty.Path, emptyRing);
        Assert.Contains("empty or missing", emptyRing);
        Assert.Contains("identity.token_keys", emptyRing);

        // Neither made a key of its own beside the ones it could not read, nor replaced the stored keys.
        Assert.Equal(ringBefore, RingFiles());
        Assert.False(Directory.Exists(empty.Path) && Directory.EnumerateFiles(empty.Path).Any(), "a key was made in the empty ring");
        var admin = await Tokens.AccessTokenForAsync(server.Client, PlatformRoles.Administrator);
        using var stillAccepted = await Tokens.GetAsync(server.Client, "/api/exchange/subscriptions", admin);
        Assert.Equal(HttpStatusCode.OK, stillAccepted.StatusCode);
    }

    [Fact]
    public void Outside_demo_mode_the_server_does_not_start_without_the_key_ring_and_master_key()
    {
        var message = StartFailure(new Dictionary<string, string>
        {
            ["Identity:DemoMode"] = "false",
            ["Identity:Issuer"] = "https://localhost/",
            ["Payments:Gateway:WebhookSecret"] = Convert.ToHexString(RandomNumberGenerator.GetBytes(32)),
            ["Payments:Gateway:ApiKey"] = "sk_live_" + Convert.ToHexString(RandomNumberGenerator.GetBytes(16)),
            ["DataProtection:KeyRingPath"] = "",
            ["DataProtection:MasterKey"] = "",
        });
        Assert.Contains("DataProtection:KeyRingPath is not set", message);
        Assert.Contains("DataProtection:MasterKeyFile or DataProtection:MasterKey is not set", message);

        var shortKey = StartFailure(new Dictionary<string, string>
        {
            ["Identity:DemoMode"] = "false",
            ["Identity:Issuer"] = "https://localhost/",
            ["Payments:Gateway:WebhookSecret"] = Convert.ToHexString(RandomNumberGenerator.GetBytes(32)),
            ["Payments:Gateway:ApiKey"] = "sk_live_" + Convert.ToHexString(RandomNumberGenerator.GetBytes(16)),
            ["DataProtection:MasterKey"] = Convert.ToBase64String(RandomNumberGenerator.GetBytes(16)),
        });
        Assert.Contains("DataProtection:MasterKey is not a master key", shortKey);
        Assert.DoesNotContain("KeyRingPath", shortKey);
    }

    [Fact]
    public async Task Two_instances_sharing_the_ring_accept_each_others_tokens()
    {
        await using var second = server.AnotherInstance();
        using var other = second.CreateClient();
        var fromFirst = await Tokens.AccessTokenForAsync(server.Client, PlatformRoles.Administrator);
        var fromSecond = await Tokens.AccessTokenForAsync(other, PlatformRoles.Administrator);
        using var atSecond = await Tokens.GetAsync(other, "/api/exchange/subscriptions", fromFirst);
        using var atFirst = await Tokens.GetAsync(server.Client, "/api/exchange/subscriptions", fromSecond);
        Assert.Equal(HttpStatusCode.OK, atSecond.StatusCode);
        Assert.Equal(HttpStatusCode.OK, atFirst.StatusCode);
        using var forged = await Tokens.GetAsync(other, "/api/exchange/subscriptions", fromFirst[..^4] + "AAAA");
        Assert.Equal(HttpStatusCode.Unauthorized, forged.StatusCode);
    }

    [Fact]
    public void A_master_key_file_holds_32_bytes_raw_or_in_base64_and_demo_mode_makes_one_readable_by_its_user_only()
    {
        using var folder = TestKeyRing.Create();
        var directory = Path.GetDirectoryName(folder.Path)!;
        var raw = Path.Combine(directory, "raw");
        File.WriteAllBytes(raw, RandomNumberGenerator.GetBytes(32));
        var encoded = Path.Combine(directory, "base64");
        File.WriteAllText(encoded, Convert.ToBase64String(File.ReadAllBytes(raw)) + "\n");
        var shortKey = Path.Combine(directory, "short");
        File.WriteAllText(shortKey, Convert.ToBase64String(RandomNumberGenerator.GetBytes(16)));

        Assert.Empty(Problems(raw));
        Assert.Empty(Problems(encoded));
        Assert.Equal(MasterKey.Load(Location(raw)).Id, MasterKey.Load(Location(encoded)).Id);
        Assert.Contains($"DataProtection:MasterKeyFile ({shortKey}) is not a master key", Assert.Single(Problems(shortKey)));
        var missing = Path.Combine(directory, "missing");
        Assert.Contains($"DataProtection:MasterKeyFile ({missing}) cannot be read", Assert.Single(Problems(missing)));

        // Demo mode only: a missing key file is made, once, mode 0600, and read back the same.
        var made = Path.Combine(directory, "demo", "master-key");
        var first = MasterKey.Load(new KeyRingLocation(folder.Path, made, null, CreateMissingMasterKey: true));
        Assert.True(OperatingSystem.IsWindows() || File.GetUnixFileMode(made) == (UnixFileMode.UserRead | UnixFileMode.UserWrite), "the demo master key is readable by others");
        Assert.Equal(first.Id, MasterKey.Load(new KeyRingLocation(folder.Path, made, null, CreateMissingMasterKey: true)).Id);
        Assert.Equal(32, Convert.FromBase64String(File.ReadAllText(made).Trim()).Length);

        IReadOnlyList<string> Problems(string file) => KeyRing.Problems(
            new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
            {
                ["DataProtection:KeyRingPath"] = folder.Path,
                ["DataProtection:MasterKeyFile"] = file,
            }).Build(),
            demoMode: false);

        KeyRingLocation Location(string file) => new(folder.Path, file, null, CreateMissingMasterKey: false);
    }

    private string StartFailure(IReadOnlyDictionary<string, string> overrides)
    {
        using var failing = server.AnotherInstance(overrides);
        var thrown = Record.Exception(() => failing.CreateClient());
        Assert.NotNull(thrown);
        var messages = new List<string>();
        for (var e = thrown; e is not null; e = e.InnerException)
        {
            messages.Add(e.Message);
            if (e is AggregateException aggregate)
            {
                messages.AddRange(aggregate.InnerExceptions.Select(i => i.Message));
            }
        }

        Assert.True(thrown is UnsafeSettingsException or KeyRingException || messages.Count > 1, $"an unexpected failure: {thrown}");
        return string.Join(" | ", messages);
    }

    private List<string> RingFiles() =>
        Directory.EnumerateFiles(server.KeyRing.Path).Select(f => Path.GetFileName(f) + ":" + Convert.ToHexString(SHA256.HashData(File.ReadAllBytes(f))))
            .Order(StringComparer.Ordinal).ToList();

    private static string KeyIdOf(string jwt)
    {
        var header = JsonDocument.Parse(Base64UrlDecode(jwt.Split('.')[0])).RootElement;
        return header.GetProperty("kid").GetString()!;
    }

    private static byte[] Base64UrlDecode(string text)
    {
        var padded = text.Replace('-', '+').Replace('_', '/');
        return Convert.FromBase64String(padded.PadRight(padded.Length + ((4 - (padded.Length % 4)) % 4), '='));
    }

    private static async Task AssertIssuesUnderAsync(HttpClient client, string caPem)
    {
        var notary = await Tokens.AccessTokenForAsync(client, PlatformRoles.Notary);
        using var key = RSA.Create(2048);
        var csr = new CertificateRequest("CN=keys at rest", key, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1).CreateSigningRequestPem();
        using var request = new HttpRequestMessage(HttpMethod.Post, "/api/documents/notary-certificates") { Content = JsonContent.Create(new { csr }) };
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", notary);
        using var response = await client.SendAsync(request);
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.Created, $"issuing a notary certificate answered {(int)response.StatusCode}: {body}");
        using var issued = X509Certificate2.CreateFromPem(JsonDocument.Parse(body).RootElement.GetProperty("certificatePem").GetString()!);
        using var ca = X509Certificate2.CreateFromPem(caPem);
        using var chain = new X509Chain();
        chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        chain.ChainPolicy.CustomTrustStore.Add(ca);
        chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
        Assert.True(chain.Build(issued), "the issued certificate does not chain to the published CA certificate");
    }

    private async Task<Guid> SubscribeAsync(HttpClient client, string admin, string name, WebhookReceiver receiver, string eventType)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, "/api/exchange/subscriptions")
        {
            Content = JsonContent.Create(new { name, callbackUrl = receiver.CallbackUrl.ToString(), eventTypes = new[] { eventType }, secret = receiver.Secret }),
        };
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", admin);
        using var response = await client.SendAsync(request);
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.Created, $"subscribing answered {(int)response.StatusCode}: {body}");
        var view = JsonDocument.Parse(body).RootElement;
        Assert.Equal(receiver.Secret, view.GetProperty("secret").GetString());
        return view.GetProperty("id").GetGuid();
    }

    private Task<string> SecretAsync(Guid subscription) =>
        server.Database.ScalarAsync<string>("SELECT secret FROM exchange.subscriptions WHERE id = @id", ("id", subscription));

    private async Task<List<string>> ColumnAsync(string sql)
    {
        var values = new List<string>();
        await using var command = server.Database.DataSource.CreateCommand(sql);
        await using var rows = await command.ExecuteReaderAsync();
        while (await rows.ReadAsync())
        {
            values.Add(rows.GetString(0));
        }

        return values;
    }

    private async Task ExecuteAsync(string sql, params (string Name, object Value)[] parameters)
    {
        await using var command = server.Database.DataSource.CreateCommand(sql);
        foreach (var (name, value) in parameters)
        {
            command.Parameters.AddWithValue(name, value);
        }

        Assert.Equal(1, await command.ExecuteNonQueryAsync());
    }

    /// <summary>Records an event as a module does: the outbox row and the notification in one transaction.</summary>
    private async Task<Guid> PublishAsync(string type)
    {
        var eventId = Guid.CreateVersion7();
        await using var connection = await server.Database.DataSource.OpenConnectionAsync();
        await using var transaction = await connection.BeginTransactionAsync();
        await using (var insert = new Npgsql.NpgsqlCommand(
            "INSERT INTO exchange.outbox (event_id, type, occurred_at, correlation_id, payload) VALUES (@id, @type, now(), @correlation, '{\"parcel\":\"CH-00053-0001\"}'::jsonb)",
            connection, transaction))
        {
            insert.Parameters.AddWithValue("id", eventId);
            insert.Parameters.AddWithValue("type", type);
            insert.Parameters.AddWithValue("correlation", Guid.NewGuid());
            await insert.ExecuteNonQueryAsync();
        }

        await using (var wake = new Npgsql.NpgsqlCommand("SELECT pg_notify('lp_outbox', @type)", connection, transaction))
        {
            wake.Parameters.AddWithValue("type", type);
            await wake.ExecuteNonQueryAsync();
        }

        await transaction.CommitAsync();
        return eventId;
    }

    private static async Task<ReceivedWebhook> ArrivalAsync(WebhookReceiver receiver, Guid eventId)
    {
        var deadline = DateTimeOffset.UtcNow + Patience;
        while (DateTimeOffset.UtcNow < deadline)
        {
            if (receiver.Received.FirstOrDefault(r => r.Headers.GetValueOrDefault(WebhookSignature.EventIdHeader) == eventId.ToString()) is { } arrived)
            {
                return arrived;
            }

            await Task.Delay(100);
        }

        throw new TimeoutException($"event {eventId} never reached the receiver");
    }
}
