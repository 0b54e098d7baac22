using System.Security.Cryptography;
using Landplatform.Integrations.Security;
using Microsoft.Extensions.Options;
using Microsoft.IdentityModel.Tokens;
using Npgsql;
using OpenIddict.Server;

namespace Landplatform.Integrations.Identity;

/// <summary>
/// Gives the token server its signing key (RSA) and encryption key (AES), created once and kept in
/// <c>identity.token_keys</c>, so tokens survive restarts and every server instance accepts the others'. The stored
/// material is protected with the key ring (<see cref="KeyMaterialProtector"/>), never in plaintext.
/// </summary>
internal sealed class TokenKeyring(NpgsqlDataSource db, KeyMaterialProtector protector) : IConfigureOptions<OpenIddictServerOptions>
{
    public void Configure(OpenIddictServerOptions options)
    {
        var signing = LoadOrCreate("signing", () =>
        {
            using var rsa = RSA.Create(2048);
            return rsa.ExportPkcs8PrivateKeyPem();
        });
        var rsaKey = RSA.Create();
        rsaKey.ImportFromPem(signing);
        var key = new RsaSecurityKey(rsaKey);
        key.KeyId = Base64UrlEncoder.Encode(SHA256.HashData(rsaKey.ExportSubjectPublicKeyInfo()))[..16];
        options.SigningCredentials.Add(new SigningCredentials(key, SecurityAlgorithms.RsaSha256));

        var encryption = LoadOrCreate("encryption", () => Convert.ToBase64String(RandomNumberGenerator.GetBytes(32)));
        var aes = new SymmetricSecurityKey(Convert.FromBase64String(encryption)) { KeyId = "lp-enc-1" };
        options.EncryptionCredentials.Add(new EncryptingCredentials(aes, SecurityAlgorithms.Aes256KW, SecurityAlgorithms.Aes256CbcHmacSha512));
    }

    // A key is generated only when none is stored yet: RSA key generation is too slow to waste at every start.
    private string LoadOrCreate(string purpose, Func<string> create)
    {
        using var connection = db.OpenConnection();
        if (Load(connection, purpose) is { } stored)
        {
            return protector.Reveal(TokenKeyMaterial.PurposeOf(purpose), stored);
        }

        using (var insert = new NpgsqlCommand(
            "INSERT INTO identity.token_keys (purpose, material, created_at) VALUES (@purpose, @material, now()) ON CONFLICT (purpose) DO NOTHING",
            connection))
        {
            insert.Parameters.AddWithValue("purpose", purpose);
            insert.Parameters.AddWithValue("material", protector.Protect(TokenKeyMaterial.PurposeOf(purpose), create()));
            insert.ExecuteNonQuery();
        }

        // Another instance may have stored its key first; every instance uses the one stored.
        return protector.Reveal(TokenKeyMaterial.PurposeOf(purpose), Load(connection, purpose)!);
    }

    private static string? Load(NpgsqlConnection connection, string purpose)
    {
        using var select = new NpgsqlCommand("SELECT material FROM identity.token_keys WHERE purpose = @purpose", connection);
        select.Parameters.AddWithValue("purpose", purpose);
        return select.ExecuteScalar() as string;
    }
}

/// <summary>What the token keys are protected for: one purpose per key, so the signing key's value opens in no other row.</summary>
internal static class TokenKeyMaterial
{
    public static string PurposeOf(string keyPurpose) => "identity.token_keys/" + keyPurpose;
}
