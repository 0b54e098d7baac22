using System.Security.Cryptography;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace Landplatform.Integrations.Security;

/// <summary>
/// Protects key material before it is stored and opens it when read, with the key ring (<see cref="KeyRing"/>): a stored
/// value is <c>dp1:</c> followed by the Data Protection payload, bound to its purpose (which table and row it belongs
/// to), so a value copied into another row does not open. A value without the prefix is a plaintext row from before;
/// the start-up check rewrites those.
/// </summary>
public sealed class KeyMaterialProtector(IDataProtectionProvider provider, IServiceProvider services)
{
    public const string Prefix = "dp1:";

    private const string RootPurpose = "Landplatform.KeyMaterial";

    public static bool IsProtected(string stored) => stored.StartsWith(Prefix, StringComparison.Ordinal);

    public string Protect(string purpose, string plaintext) => Prefix + provider.CreateProtector(RootPurpose, purpose).Protect(plaintext);

    /// <summary>The plaintext of a stored value; a key ring that cannot open it is a <see cref="KeyRingException"/> naming the ring and the master key.</summary>
    public string Reveal(string purpose, string stored)
    {
        if (!IsProtected(stored))
        {
            return stored;
        }

        try
        {
            return provider.CreateProtector(RootPurpose, purpose).Unprotect(stored[Prefix.Length..]);
        }
        catch (CryptographicException e)
        {
            var where = services.GetService<KeyRingLocation>()?.Describe() ?? "the key ring (DataProtection:KeyRingPath and DataProtection:MasterKeyFile or MasterKey are not set)";
            throw new KeyRingException($"The stored {purpose} does not open with {where}: {Innermost(e).Message} "
                + "Give the key ring and master key the database was protected with (restore them from backup); new keys are not made, "
                + "because they would invalidate every issued token, the notary CA and the webhook secrets.", e);
        }
    }

    private static Exception Innermost(Exception e) => e.InnerException is null ? e : Innermost(e.InnerException);
}

/// <summary>One kind of key material a module stores: read for the start-up check, rewritten from plaintext to protected.</summary>
public interface IStoredKeyMaterial
{
    /// <summary>Table and column, e.g. identity.token_keys.material.</summary>
    string Name { get; }

    Task<IReadOnlyList<StoredKey>> ReadAsync(CancellationToken ct);

    /// <summary>Replaces the row's value only if it still holds <paramref name="expected"/>; false when another instance did it first.</summary>
    Task<bool> ReplaceAsync(StoredKey key, string expected, string protectedValue, CancellationToken ct);
}

/// <summary>A stored value, with the row it sits in and the purpose it is protected for.</summary>
public sealed record StoredKey(string Row, string Purpose, string Value);

public static class KeyMaterialRegistration
{
    /// <summary>The protector over whatever Data Protection the host configured (the key ring, see <see cref="KeyRing.AddKeyRing"/>).</summary>
    public static IServiceCollection AddKeyMaterialProtection(this IServiceCollection services)
    {
        services.AddDataProtection();
        services.TryAddSingleton<KeyMaterialProtector>();
        return services;
    }

    /// <summary>Declares a column of key material that the start-up check verifies and upgrades.</summary>
    public static IServiceCollection AddStoredKeyColumn(this IServiceCollection services, string table, string rowColumn, string valueColumn, Func<string, string> purposeOf)
    {
        services.AddKeyMaterialProtection();
        services.AddSingleton<IStoredKeyMaterial>(sp => new StoredKeyColumn(sp.GetRequiredService<Npgsql.NpgsqlDataSource>(), table, rowColumn, valueColumn, purposeOf));
        return services;
    }
}

/// <summary>A column of key material in one table, keyed by one column; table and column names come from code, never from a request.</summary>
public sealed class StoredKeyColumn(Npgsql.NpgsqlDataSource db, string table, string rowColumn, string valueColumn, Func<string, string> purposeOf) : IStoredKeyMaterial
{
    public string Name => $"{table}.{valueColumn}";

    public async Task<IReadOnlyList<StoredKey>> ReadAsync(CancellationToken ct)
    {
        var keys = new List<StoredKey>();
        await using var select = db.CreateCommand($"SELECT {rowColumn}::text, {valueColumn} FROM {table} WHERE {valueColumn} IS NOT NULL ORDER BY 1");
        await using var rows = await select.ExecuteReaderAsync(ct);
        while (await rows.ReadAsync(ct))
        {
            keys.Add(new StoredKey(rows.GetString(0), purposeOf(rows.GetString(0)), rows.GetString(1)));
        }

        return keys;
    }

    public async Task<bool> ReplaceAsync(StoredKey key, string expected, string protectedValue, CancellationToken ct)
    {
        await using var update = db.CreateCommand($"UPDATE {table} SET {valueColumn} = @protected WHERE {rowColumn}::text = @row AND {valueColumn} = @expected");
        update.Parameters.AddWithValue("protected", protectedValue);
        update.Parameters.AddWithValue("row", key.Row);
        update.Parameters.AddWithValue("expected", expected);
        return await update.ExecuteNonQueryAsync(ct) == 1;
    }
}
