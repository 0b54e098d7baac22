using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using Landplatform.Integrations.Identity;
using Landplatform.Testing;
using Microsoft.Extensions.DependencyInjection;

namespace Landplatform.Integrations.Tests;

/// <summary>The host with a quick exchange poll, for the tax roll, permits and customs.</summary>
public sealed class CivicServer : PlatformServer
{
    protected override IReadOnlyDictionary<string, string> Settings => new Dictionary<string, string>(base.Settings)
    {
        ["Exchange:PollSeconds"] = "1",
    };

    protected override void ConfigureServices(IServiceCollection services)
    {
    }
}

/// <summary>Calls the public API as the demo people and clients would, and stands in for the registry where a test needs a known owner.</summary>
public sealed class CivicScenario(PlatformServer server)
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(30);
    private readonly Dictionary<string, string> tokens = [];

    public static DemoUser Person(string role) => DemoAccounts.Users.Single(u => u.Role == role);

    public async Task<string> TokenAsync(string role)
    {
        if (!tokens.TryGetValue(role, out var token))
        {
            token = await Tokens.AccessTokenForAsync(server.Client, role);
            tokens[role] = token;
        }

        return token;
    }

    public async Task<(int Status, JsonElement Body)> SendAsync(HttpMethod method, string path, string? role, object? body = null, string? bearer = null)
    {
        using var request = new HttpRequestMessage(method, path);
        var token = bearer ?? (role is null ? null : await TokenAsync(role));
        if (token is not null)
        {
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        }

        if (body is not null)
        {
            request.Content = JsonContent.Create(body);
        }

        using var response = await server.Client.SendAsync(request);
        var text = await response.Content.ReadAsStringAsync();
        return ((int)response.StatusCode, text.Length == 0 ? default : JsonDocument.Parse(text).RootElement.Clone());
    }

    public Task<(int Status, JsonElement Body)> GetAsync(string path, string? role = null, string? bearer = null) => SendAsync(HttpMethod.Get, path, role, null, bearer);

    /// <summary>Posts a form (a file upload) as the role.</summary>
    public async Task<(int Status, JsonElement Body)> PostFormAsync(string path, string role, HttpContent form)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, path) { Content = form };
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", await TokenAsync(role));
        using var response = await server.Client.SendAsync(request);
        var text = await response.Content.ReadAsStringAsync();
        return ((int)response.StatusCode, text.Length == 0 ? default : JsonDocument.Parse(text).RootElement.Clone());
    }

    public Task<(int Status, JsonElement Body)> PostAsync(string path, string? role, object? body = null) => SendAsync(HttpMethod.Post, path, role, body ?? new { });

    public static JsonElement Ok((int Status, JsonElement Body) answer, int status = 200)
    {
        Assert.True(answer.Status == status, $"expected {status}, got {answer.Status}: {answer.Body}");
        return answer.Body;
    }

    public static JsonElement Problem((int Status, JsonElement Body) answer, int status, string rule, string? parameter = null)
    {
        Assert.True(answer.Status == status, $"expected {status}, got {answer.Status}: {answer.Body}");
        Assert.Equal(rule, answer.Body.GetProperty("rule").GetString());
        if (parameter is not null)
        {
            Assert.Equal(parameter, answer.Body.GetProperty("parameter").GetString());
        }

        return answer.Body;
    }

    /// <summary>
    /// What the registry does when it registers a transfer of the parcel's title to one person: the old
    /// ownership rights end, the new one begins, and <c>registry.transaction.registered</c> goes to the
    /// outbox with the payload the registry writes (TransactionDesk.RecordEventAsync), in one transaction.
    /// </summary>
    public async Task<Guid> RegisterTransferAsync(string upi, string uin, string name, decimal consideration = 0m)
    {
        var transaction = Guid.CreateVersion7();
        await using var connection = await server.Database.DataSource.OpenConnectionAsync();
        await using var tx = await connection.BeginTransactionAsync();
        async Task<T> One<T>(string sql, params (string Name, object Value)[] parameters)
        {
            await using var command = new Npgsql.NpgsqlCommand(sql, connection, tx);
            foreach (var (n, v) in parameters)
            {
                command.Parameters.AddWithValue(n, v);
            }

            return (T)(await command.ExecuteScalarAsync())!;
        }

        var title = await One<string>("SELECT t.title_number FROM registry.title_parcels tp JOIN registry.titles t USING (title_number) WHERE tp.upi = @upi AND t.closed_at IS NULL", ("upi", upi));
        var previous = await One<string>("""
            SELECT coalesce(jsonb_agg(jsonb_build_object('partyId', p.id, 'name', p.name, 'uin', p.uin, 'registrationNumber', p.registration_number,
                                     'share', r.share_numerator || '/' || r.share_denominator) ORDER BY r.id), '[]')::text
            FROM registry.rights r JOIN registry.parties p ON p.id = r.party_id
            WHERE r.title_number = @title AND r.kind = 'ownership' AND r.valid_to IS NULL
            """, ("title", title));
        var party = await One<long>("""
            WITH added AS (INSERT INTO registry.parties (kind, uin, name) VALUES ('person', @uin, @name) ON CONFLICT (uin) DO NOTHING RETURNING id)
            SELECT id FROM added UNION ALL SELECT id FROM registry.parties WHERE uin = @uin LIMIT 1
            """, ("uin", uin), ("name", name));
        var now = DateTimeOffset.UtcNow;
        await One<object>("UPDATE registry.rights SET valid_to = @now, ended_by_transaction_id = @tx WHERE title_number = @title AND kind = 'ownership' AND valid_to IS NULL RETURNING 1",
            ("now", now), ("tx", transaction), ("title", title));
        await One<object>("""
            INSERT INTO registry.rights (title_number, kind, party_id, share_numerator, share_denominator, valid_from, created_by_transaction_id)
            VALUES (@title, 'ownership', @party, 1, 1, @now, @tx) RETURNING 1
            """, ("title", title), ("party", party), ("now", now), ("tx", transaction));
        var payload = JsonSerializer.Serialize(new
        {
            transactionId = transaction,
            kind = "transfer",
            reason = "sale",
            titleNumber = title,
            titles = new[] { title },
            parcels = new[] { upi },
            previousOwners = JsonDocument.Parse(previous).RootElement,
            newOwners = new[] { new { partyId = party, name, uin, registrationNumber = (string?)null, share = "1/1" } },
            consideration = consideration,
            instrumentDate = DateOnly.FromDateTime(now.UtcDateTime),
            registeredAt = now,
        }, new JsonSerializerOptions(JsonSerializerDefaults.Web));
        await One<object>("INSERT INTO exchange.outbox (event_id, type, occurred_at, correlation_id, payload) VALUES (@event, 'registry.transaction.registered', @now, @tx, @payload::jsonb) RETURNING 1",
            ("event", Guid.CreateVersion7()), ("now", now), ("tx", transaction), ("payload", payload));
        await One<object>("SELECT pg_notify('lp_outbox', 'registry.transaction.registered')::text");

        // Every register row names a journaled transaction (the deferred foreign keys): the registry journals it last.
        await Landplatform.Registry.Journal.RegisterJournal.AppendAsync(connection, transaction, "transfer", title, [title], now, null, CancellationToken.None);
        await tx.CommitAsync();
        return transaction;
    }

    public static Task Until(Func<Task<bool>> condition, string what) => Until(condition, what, Patience);

    public static async Task Until(Func<Task<bool>> condition, string what, TimeSpan patience)
    {
        var deadline = DateTime.UtcNow + patience;
        while (!await condition())
        {
            Assert.True(DateTime.UtcNow < deadline, $"waited {patience.TotalSeconds} s for {what}");
            await Task.Delay(200);
        }
    }
}
