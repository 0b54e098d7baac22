using System.Collections.Concurrent;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Microsoft.Extensions.Options;

namespace Landplatform.Simulators;

/// <summary>The civil registry's configuration.</summary>
public sealed class CivilRegistrySettings
{
    /// <summary>
    /// CSV files of persons (uin, name, date_of_birth columns, as the sample's parties.csv; an optional citizen column,
    /// true or false, else a citizen) loaded at start, separated
    /// by <c>;</c>: <c>./lp run</c> gives the sample's people and the demo accounts' persons.
    /// </summary>
    public string? PeopleCsv { get; set; }

    /// <summary>The ES256 signing key as PKCS#8 PEM; a fresh one is made at start when none is given.</summary>
    public string? SigningKeyPem { get; set; }
}

/// <summary>A person as the civil registry records them.</summary>
/// <param name="Citizen">A citizen of the state (by birth, descent, registration or naturalisation); false for a resident who is not.</param>
/// <param name="Nationality">For a person who is not a citizen, the nationality recorded (ISO 3166-1 alpha-2).</param>
public sealed record CivilPerson(string Uin, string Name, DateOnly? DateOfBirth, bool Deceased = false, DateOnly? DateOfDeath = null, bool Citizen = true, string? Nationality = null);

/// <summary>What the registry can be told to do wrong, through <c>POST /control/civil-registry</c>.</summary>
public sealed record CivilRegistryFaults(bool Down = false, int DelayMs = 0, bool BadSignature = false);

/// <summary>
/// The civil registry: looks a UIN up and answers with a compact JWS (ES256) the caller verifies with the
/// key published at <c>/civil-registry/.well-known/jwks.json</c>, so an answer cannot be forged in transit.
/// </summary>
public sealed class CivilRegistry
{
    public const string Issuer = "civil-registry.gov.vc";

    private readonly ConcurrentDictionary<string, CivilPerson> people = new(StringComparer.Ordinal);
    private readonly ECDsa key;
    private readonly TimeProvider clock;

    public CivilRegistry(IOptions<CivilRegistrySettings> settings, TimeProvider clock, ILogger<CivilRegistry> log)
    {
        this.clock = clock;
        key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        if (settings.Value.SigningKeyPem is { Length: > 0 } pem)
        {
            key.ImportFromPem(pem);
        }

        KeyId = Convert.ToHexStringLower(SHA256.HashData(key.ExportSubjectPublicKeyInfo()))[..16];
        foreach (var csv in (settings.Value.PeopleCsv ?? "").Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            if (File.Exists(csv))
            {
                log.LogInformation("Civil registry: {Count} persons from {File}", Load(csv), csv);
            }
            else
            {
                log.LogWarning("Civil registry: no people file {File}", csv);
            }
        }
    }

    public string KeyId { get; }

    public CivilRegistryFaults Faults { get; set; } = new();

    public void Register(CivilPerson person) => people[person.Uin] = person;

    public CivilPerson? Find(string uin) => people.TryGetValue(uin, out var person) ? person : null;

    /// <summary>The public key as a JSON Web Key Set.</summary>
    public object Jwks()
    {
        var p = key.ExportParameters(false);
        return new { keys = new[] { new { kty = "EC", crv = "P-256", x = Base64Url(p.Q.X!), y = Base64Url(p.Q.Y!), kid = KeyId, use = "sig", alg = "ES256" } } };
    }

    /// <summary>The signed answer for a UIN, found or not.</summary>
    public string Answer(string uin)
    {
        var person = Find(uin);
        var claims = new Dictionary<string, object?>
        {
            ["iss"] = Issuer,
            ["iat"] = clock.GetUtcNow().ToUnixTimeSeconds(),
            ["jti"] = Guid.NewGuid().ToString("N"),
            ["uin"] = uin,
            ["status"] = person is null ? "not-found" : "found",
        };
        if (person is not null)
        {
            claims["name"] = person.Name;
            claims["date_of_birth"] = person.DateOfBirth?.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);
            claims["deceased"] = person.Deceased;
            claims["date_of_death"] = person.DateOfDeath?.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);
            claims["citizen"] = person.Citizen;
            claims["nationality"] = person.Citizen ? "VC" : person.Nationality;
        }

        var header = Base64Url(JsonSerializer.SerializeToUtf8Bytes(new { alg = "ES256", typ = "JWT", kid = KeyId }));
        var payload = Base64Url(JsonSerializer.SerializeToUtf8Bytes(claims));
        var signature = key.SignData(Encoding.ASCII.GetBytes($"{header}.{payload}"), HashAlgorithmName.SHA256, DSASignatureFormat.IeeeP1363FixedFieldConcatenation);
        if (Faults.BadSignature)
        {
            signature[0] ^= 0xFF;
        }

        return $"{header}.{payload}.{Base64Url(signature)}";
    }

    private int Load(string path)
    {
        using var reader = new StreamReader(path);
        var header = reader.ReadLine()?.Split(',') ?? [];
        int uin = Array.IndexOf(header, "uin"), name = Array.IndexOf(header, "name"), born = Array.IndexOf(header, "date_of_birth"), citizen = Array.IndexOf(header, "citizen");
        if (uin < 0 || name < 0)
        {
            return 0;
        }

        var count = 0;
        while (reader.ReadLine() is { } line)
        {
            var cells = SplitCsv(line);
            if (cells.Count <= Math.Max(uin, name) || cells[uin].Length == 0)
            {
                continue;
            }

            DateOnly? dob = born >= 0 && born < cells.Count && DateOnly.TryParseExact(cells[born], "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out var d) ? d : null;
            var isCitizen = citizen < 0 || citizen >= cells.Count || !string.Equals(cells[citizen], "false", StringComparison.OrdinalIgnoreCase);
            Register(new CivilPerson(cells[uin], cells[name], dob, Citizen: isCitizen));
            count++;
        }

        return count;
    }

    private static List<string> SplitCsv(string line)
    {
        var cells = new List<string>();
        var cell = new StringBuilder();
        var quoted = false;
        for (var i = 0; i < line.Length; i++)
        {
            var c = line[i];
            if (quoted)
            {
                if (c == '"' && i + 1 < line.Length && line[i + 1] == '"')
                {
                    cell.Append('"');
                    i++;
                }
                else if (c == '"')
                {
                    quoted = false;
                }
                else
                {
                    cell.Append(c);
                }
            }
            else if (c == '"')
            {
                quoted = true;
            }
            else if (c == ',')
            {
                cells.Add(cell.ToString());
                cell.Clear();
            }
            else
            {
                cell.Append(c);
            }
        }

        cells.Add(cell.ToString());
        return cells;
    }

    private static string Base64Url(byte[] bytes) => Convert.ToBase64String(bytes).TrimEnd('=').Replace('+', '-').Replace('/', '_');
}

/// <summary>The civil registry's HTTP surface.</summary>
public static class CivilRegistryEndpoints
{
    public static void MapCivilRegistry(this IEndpointRouteBuilder app)
    {
        app.MapGet("/civil-registry/.well-known/jwks.json", (CivilRegistry registry) => Results.Json(registry.Jwks()));
        app.MapGet("/civil-registry/v1/persons/{uin}", async (string uin, CivilRegistry registry) =>
        {
            var faults = registry.Faults;
            if (faults.DelayMs > 0)
            {
                await Task.Delay(faults.DelayMs);
            }

            return faults.Down
                ? Results.Json(new { error = "service-unavailable" }, statusCode: 503)
                : Results.Text(registry.Answer(uin), "application/jwt", Encoding.ASCII);
        });
        app.MapGet("/control/civil-registry", (CivilRegistry registry) => Results.Json(registry.Faults));
        app.MapPost("/control/civil-registry", (CivilRegistryFaults faults, CivilRegistry registry) =>
        {
            registry.Faults = faults;
            return Results.Json(registry.Faults);
        });
        app.MapPost("/control/civil-registry/persons", (CivilPerson person, CivilRegistry registry) =>
        {
            registry.Register(person);
            return Results.Json(person);
        });
    }
}
