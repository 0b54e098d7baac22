using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Landplatform.Cadastre.Contracts;
using Landplatform.Cadastre.Contracts.Persons;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

namespace Landplatform.Integrations.Identity;

/// <summary>Where the civil registry is and how its answers are checked (configuration section <c>Identity:CivilRegistry</c>).</summary>
public sealed class CivilRegistryOptions
{
    public string BaseUrl { get; set; } = "http://127.0.0.1:8090/civil-registry/";

    /// <summary>The registry's ES256 public key (PEM), pinned. Without it the key is read once from the registry's JWKS.</summary>
    public string? PublicKeyPem { get; set; }

    public string Issuer { get; set; } = "civil-registry.gov.vc";

    public double TimeoutSeconds { get; set; } = 5;

    /// <summary>An answer signed longer ago than this is refused as stale (a replayed answer).</summary>
    public double MaxAgeSeconds { get; set; } = 300;
}

/// <summary>
/// Our client of the civil registry: asks for a UIN, verifies the answer's JWS (ES256) and that it is
/// about the UIN asked, recent and from the registry, then compares name and date of birth.
/// </summary>
public sealed class CivilRegistryClient(HttpClient http, IOptions<CivilRegistryOptions> options, IUinScheme uins, TimeProvider clock) : IPersonRegistry
{
    private static readonly SemaphoreSlim KeyLock = new(1, 1);
    private static readonly Dictionary<string, ECParameters> KeysByUrl = [];

    public async Task<VerifiedPerson> VerifyAsync(PersonClaim claim, CancellationToken ct)
    {
        var check = uins.Check(claim.Uin ?? "");
        if (!check.IsValid)
        {
            throw new InvalidParameterException("uin", check.Rule, check.Message);
        }

        if (string.IsNullOrWhiteSpace(claim.Name))
        {
            throw new InvalidParameterException("name", "name-required", "The person's name is needed to match the civil registry.");
        }

        var settings = options.Value;
        var baseUrl = new Uri(settings.BaseUrl.EndsWith('/') ? settings.BaseUrl : settings.BaseUrl + "/");
        string token;
        using (var timeout = CancellationTokenSource.CreateLinkedTokenSource(ct))
        {
            timeout.CancelAfter(TimeSpan.FromSeconds(settings.TimeoutSeconds));
            try
            {
                using var response = await http.GetAsync(new Uri(baseUrl, $"v1/persons/{Uri.EscapeDataString(claim.Uin!)}"), timeout.Token);
                if (!response.IsSuccessStatusCode)
                {
                    throw new UpstreamUnavailableException("civil-registry-unavailable", $"The civil registry answered {(int)response.StatusCode}; try again later.");
                }

                token = (await response.Content.ReadAsStringAsync(timeout.Token)).Trim();
            }
            catch (OperationCanceledException) when (!ct.IsCancellationRequested)
            {
                throw new UpstreamUnavailableException("civil-registry-unavailable", $"The civil registry did not answer within {settings.TimeoutSeconds} s; try again later.");
            }
            catch (HttpRequestException e)
            {
                throw new UpstreamUnavailableException("civil-registry-unavailable", $"The civil registry cannot be reached ({e.Message}); try again later.");
            }
        }

        using var payload = JsonDocument.Parse(await VerifiedPayloadAsync(token, baseUrl, ct));
        var answer = payload.RootElement;
        var now = clock.GetUtcNow();
        if (Text(answer, "iss") != settings.Issuer || Text(answer, "uin") != claim.Uin
            || !answer.TryGetProperty("iat", out var iat) || Math.Abs(now.ToUnixTimeSeconds() - iat.GetInt64()) > settings.MaxAgeSeconds)
        {
            throw new UpstreamUnavailableException("civil-registry-signature", "The civil registry's answer is not about this UIN, not from the registry, or stale.");
        }

        if (Text(answer, "status") != "found")
        {
            throw new InvalidParameterException("uin", "uin-not-registered", $"The civil registry has no person with UIN {claim.Uin}.");
        }

        var name = Text(answer, "name") ?? "";
        DateOnly? born = Text(answer, "date_of_birth") is { } b ? DateOnly.ParseExact(b, "yyyy-MM-dd", CultureInfo.InvariantCulture) : null;
        if (Normalise(name) != Normalise(claim.Name))
        {
            throw new InvalidParameterException("name", "civil-registry-mismatch", $"The civil registry records UIN {claim.Uin} under another name.");
        }

        if (claim.DateOfBirth is { } claimed && born is { } recorded && claimed != recorded)
        {
            throw new InvalidParameterException("dateOfBirth", "civil-registry-mismatch", $"The civil registry records another date of birth for UIN {claim.Uin}.");
        }

        var deceased = answer.TryGetProperty("deceased", out var d) && d.ValueKind == JsonValueKind.True;
        DateOnly? died = Text(answer, "date_of_death") is { } x ? DateOnly.ParseExact(x, "yyyy-MM-dd", CultureInfo.InvariantCulture) : null;
        // The claim the Alien Land-Holding rule rests on: absent, citizenship is not established (null), never assumed.
        bool? citizen = answer.TryGetProperty("citizen", out var c) && c.ValueKind is JsonValueKind.True or JsonValueKind.False ? c.GetBoolean() : null;
        return new VerifiedPerson(claim.Uin!, name, born, deceased, died, now) { Citizen = citizen, Nationality = Text(answer, "nationality") };
    }

    private async Task<string> VerifiedPayloadAsync(string token, Uri baseUrl, CancellationToken ct)
    {
        var parts = token.Split('.');
        byte[] headerBytes, payloadBytes, signature;
        string? kid;
        try
        {
            if (parts.Length != 3)
            {
                throw new FormatException("not a compact JWS");
            }

            (headerBytes, payloadBytes, signature) = (Base64Url(parts[0]), Base64Url(parts[1]), Base64Url(parts[2]));
            using var header = JsonDocument.Parse(headerBytes);
            if (Text(header.RootElement, "alg") != "ES256")
            {
                throw new FormatException("alg must be ES256");
            }

            kid = Text(header.RootElement, "kid");
        }
        catch (Exception e) when (e is FormatException or JsonException)
        {
            throw new UpstreamUnavailableException("civil-registry-signature", $"The civil registry's answer is not a signed token ({e.Message}).");
        }

        using var key = ECDsa.Create(await KeyAsync(baseUrl, kid, ct));
        if (!key.VerifyData(Encoding.ASCII.GetBytes(parts[0] + "." + parts[1]), signature, HashAlgorithmName.SHA256, DSASignatureFormat.IeeeP1363FixedFieldConcatenation))
        {
            throw new UpstreamUnavailableException("civil-registry-signature", "The civil registry's answer does not carry the registry's signature; it was not used.");
        }

        return Encoding.UTF8.GetString(payloadBytes);
    }

    private async Task<ECParameters> KeyAsync(Uri baseUrl, string? kid, CancellationToken ct)
    {
        if (options.Value.PublicKeyPem is { Length: > 0 } pem)
        {
            using var pinned = ECDsa.Create();
            pinned.ImportFromPem(pem);
            return pinned.ExportParameters(false);
        }

        await KeyLock.WaitAsync(ct);
        try
        {
            // Keys are cached by key id: a registry that rolls its key names a new one, which is fetched once.
            var cacheKey = baseUrl.AbsoluteUri + "#" + kid;
            if (KeysByUrl.TryGetValue(cacheKey, out var cached))
            {
                return cached;
            }

            using var jwks = JsonDocument.Parse(await http.GetStringAsync(new Uri(baseUrl, ".well-known/jwks.json"), ct));
            var jwk = jwks.RootElement.GetProperty("keys").EnumerateArray()
                .First(k => Text(k, "kty") == "EC" && Text(k, "crv") == "P-256" && (kid is null || Text(k, "kid") == kid));
            var parameters = new ECParameters
            {
                Curve = ECCurve.NamedCurves.nistP256,
                Q = new ECPoint { X = Base64Url(Text(jwk, "x")!), Y = Base64Url(Text(jwk, "y")!) },
            };
            KeysByUrl[cacheKey] = parameters;
            return parameters;
        }
        catch (Exception e) when (e is HttpRequestException or JsonException or InvalidOperationException or KeyNotFoundException)
        {
            throw new UpstreamUnavailableException("civil-registry-unavailable", $"The civil registry's signing key cannot be read ({e.Message}).");
        }
        finally
        {
            KeyLock.Release();
        }
    }

    private static string? Text(JsonElement element, string name) =>
        element.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String ? value.GetString() : null;

    private static byte[] Base64Url(string text)
    {
        var padded = text.Replace('-', '+').Replace('_', '/');
        return Convert.FromBase64String(padded.PadRight(padded.Length + ((4 - (padded.Length % 4)) % 4), '='));
    }

    // Case, accents and spacing differ between how a notary types a name and how the registry holds it.
    // Folded by table: the host runs with invariant globalization, where Unicode decomposition is unavailable.
    private static string Normalise(string name)
    {
        var letters = new StringBuilder(name.Length);
        foreach (var c in name.ToLowerInvariant())
        {
            var folded = Accented.IndexOf(c, StringComparison.Ordinal);
            letters.Append(folded >= 0 ? Plain[folded] : char.IsWhiteSpace(c) || c is '-' or '.' ? ' ' : c);
        }

        return string.Join(' ', letters.ToString().Split(' ', StringSplitOptions.RemoveEmptyEntries));
    }

    private const string Accented = "àáâãäåāăąçćčďèéêëēėęěìíîïīįñńňòóôõöøōőùúûüūůűųýÿšśžźżł";
    private const string Plain = "aaaaaaaaacccdeeeeeeeeiiiiiinnnoooooooouuuuuuuuyysszzzl";
}

/// <summary>A check of a person against the civil registry, as registry staff ask it.</summary>
public sealed record PersonCheckBody(string? Uin, string? Name, DateOnly? DateOfBirth);

/// <summary>Registers the civil-registry client as <see cref="IPersonRegistry"/> and its staff endpoint.</summary>
public static class CivilRegistryModule
{
    public static IServiceCollection AddCivilRegistryClient(this IServiceCollection services, IConfiguration configuration)
    {
        services.Configure<CivilRegistryOptions>(configuration.GetSection("Identity:CivilRegistry"));
        services.TryAddSingleton(TimeProvider.System);
        services.AddHttpClient<IPersonRegistry, CivilRegistryClient>();
        return services;
    }

    public static void MapCivilRegistryEndpoints(this IEndpointRouteBuilder app) =>
        app.MapPost("/api/identity/person-checks", async Task<Ok<VerifiedPerson>> (PersonCheckBody body, IPersonRegistry registry, CancellationToken ct) =>
                TypedResults.Ok(await registry.VerifyAsync(new PersonClaim(body.Uin ?? "", body.Name ?? "", body.DateOfBirth), ct)))
            .RequireAuthorization(AccessPolicies.RegistryReaders).WithTags("Identity")
            .WithSummary("Checks a UIN, name and date of birth against the civil registry (registry staff): deceased flagged, mismatch refused.");
}
