using Microsoft.AspNetCore.DataProtection.KeyManagement;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Landplatform.Integrations.Security;

/// <summary>
/// Before the server serves (the first hosted service): the key ring must open every protected value the database holds,
/// or the server refuses to start naming the ring and the master key; then plaintext rows from before are protected.
/// Idempotent, and safe with two instances starting at once: a row is rewritten only while it still holds its plaintext.
/// </summary>
internal sealed class KeyRingStartupCheck(IServiceProvider services, ILogger<KeyRingStartupCheck> log) : IHostedService
{
    public async Task StartAsync(CancellationToken cancellationToken)
    {
        var location = services.GetService<KeyRingLocation>()
            ?? throw new KeyRingException("The key ring is not configured: set DataProtection:KeyRingPath and DataProtection:MasterKeyFile or DataProtection:MasterKey.");
        _ = services.GetRequiredService<MasterKey>();
        if (!OperatingSystem.IsWindows() && !Directory.Exists(location.RingPath))
        {
            Directory.CreateDirectory(location.RingPath, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        }

        var ringKeys = OpenRing(location);
        var stores = services.GetServices<IStoredKeyMaterial>().ToList();
        var stored = new List<(IStoredKeyMaterial Store, StoredKey Key)>();
        foreach (var store in stores)
        {
            stored.AddRange((await store.ReadAsync(cancellationToken)).Select(k => (store, k)));
        }

        var protectedCount = stored.Count(s => KeyMaterialProtector.IsProtected(s.Key.Value));
        if (protectedCount > 0 && ringKeys == 0)
        {
            throw new KeyRingException($"The key ring at {location.RingPath} (DataProtection:KeyRingPath) is empty or missing, but the database holds "
                + $"{protectedCount} keys protected by a ring ({string.Join(", ", stored.Where(s => KeyMaterialProtector.IsProtected(s.Key.Value)).Select(s => s.Store.Name).Distinct())}). "
                + "Restore the ring and its master key from backup, or point DataProtection:KeyRingPath at the ring the other instances share; "
                + "new keys are not made, because they would invalidate every issued token, the notary CA and the webhook secrets.");
        }

        var protector = services.GetRequiredService<KeyMaterialProtector>();
        var upgraded = 0;
        foreach (var (store, key) in stored)
        {
            if (KeyMaterialProtector.IsProtected(key.Value))
            {
                protector.Reveal(key.Purpose, key.Value);
            }
            else if (await store.ReplaceAsync(key, key.Value, protector.Protect(key.Purpose, key.Value), cancellationToken))
            {
                upgraded++;
            }
        }

        if (upgraded > 0)
        {
            log.LogInformation("Protected {Count} stored keys that were in plaintext with the key ring at {Ring}", upgraded, location.RingPath);
        }
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    // Every key in the ring must open with the master key: a ring sealed under another master key is refused by name
    // here, before Data Protection would quietly make a new key beside the ones it cannot read.
    private int OpenRing(KeyRingLocation location)
    {
        var keys = services.GetRequiredService<IKeyManager>().GetAllKeys();
        foreach (var key in keys.Where(k => !k.IsRevoked))
        {
            try
            {
                _ = key.Descriptor;
            }
            catch (Exception e) when (Find<KeyRingException>(e) is { } ring)
            {
                throw new KeyRingException(ring.Message + $" ({location.Describe()})", e);
            }
            catch (Exception e) when (e is not KeyRingException)
            {
                throw new KeyRingException($"Key {key.KeyId} of the key ring at {location.RingPath} cannot be read: {e.Message} ({location.Describe()})", e);
            }
        }

        return keys.Count(k => !k.IsRevoked);
    }

    private static T? Find<T>(Exception? e) where T : Exception =>
        e switch { null => null, T found => found, _ => Find<T>(e.InnerException) };
}
