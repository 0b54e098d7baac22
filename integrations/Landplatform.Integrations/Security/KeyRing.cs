using System.Security.Cryptography;
using System.Text;
using System.Xml.Linq;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.AspNetCore.DataProtection.KeyManagement;
using Microsoft.AspNetCore.DataProtection.XmlEncryption;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;

namespace Landplatform.Integrations.Security;

/// <summary>The key ring's settings (section <c>DataProtection</c>); outside demo mode the ring path and one master key are required.</summary>
public sealed class KeyRingSettings
{
    public const string Section = "DataProtection";

    /// <summary>The directory of the ASP.NET Data Protection key ring, shared by every server instance.</summary>
    public string? KeyRingPath { get; init; }

    /// <summary>A file holding the 32-byte master key, raw or base64.</summary>
    public string? MasterKeyFile { get; init; }

    /// <summary>The master key itself, base64 (an environment secret).</summary>
    public string? MasterKey { get; init; }
}

/// <summary>Where the ring and its master key are, after demo mode's defaults.</summary>
public sealed record KeyRingLocation(string RingPath, string? MasterKeyFile, string? MasterKeyValue, bool CreateMissingMasterKey)
{
    /// <summary>The settings as an operator reads them in a message.</summary>
    public string Describe() =>
        $"key ring {RingPath} (DataProtection:KeyRingPath), master key "
        + (MasterKeyValue is not null ? "from DataProtection:MasterKey" : $"{MasterKeyFile} (DataProtection:MasterKeyFile)");
}

/// <summary>A key ring that cannot open what the database holds: the server must not start (and must not make new keys).</summary>
public sealed class KeyRingException(string message, Exception? inner = null) : Exception(message, inner);

/// <summary>
/// ASP.NET Data Protection with a persisted key ring shared by all instances (a fixed application name, one directory),
/// each ring key encrypted with AES-256-GCM under a master key held outside the database: a file or an environment secret.
/// The keys the platform stores (token keys, the notary CA's key, webhook secrets) are protected with this ring
/// (<see cref="KeyMaterialProtector"/>), so a copy of the database alone reveals none of them.
/// </summary>
public static class KeyRing
{
    public const string ApplicationName = "landplatform";

    /// <summary>Registers Data Protection over the ring and the start-up check that refuses a ring that cannot open the stored keys.</summary>
    public static IServiceCollection AddKeyRing(this IServiceCollection services, IConfiguration configuration, bool demoMode)
    {
        var location = Locate(configuration, demoMode);
        if (location is not null)
        {
            services.AddSingleton(location);
        }

        services.AddSingleton(sp => MasterKey.Load(sp.GetService<KeyRingLocation>()));

        // First of all hosted services: before Data Protection's own, which would otherwise make a new key for a ring it cannot read.
        services.Insert(0, ServiceDescriptor.Singleton<IHostedService, KeyRingStartupCheck>());
        var dataProtection = services.AddDataProtection().SetApplicationName(ApplicationName);
        if (location is not null)
        {
            dataProtection.PersistKeysToFileSystem(new DirectoryInfo(location.RingPath));
        }

        services.AddSingleton<IConfigureOptions<KeyManagementOptions>>(sp =>
            new ConfigureOptions<KeyManagementOptions>(o => o.XmlEncryptor = new MasterKeyXmlEncryptor(sp)));
        services.AddKeyMaterialProtection();
        return services;
    }

    /// <summary>The ring's location: configured, or in demo mode under the server user's data folder; null when not configured outside demo mode.</summary>
    public static KeyRingLocation? Locate(IConfiguration configuration, bool demoMode)
    {
        var settings = configuration.GetSection(KeyRingSettings.Section).Get<KeyRingSettings>() ?? new KeyRingSettings();
        var value = string.IsNullOrWhiteSpace(settings.MasterKey) ? null : settings.MasterKey.Trim();
        var file = string.IsNullOrWhiteSpace(settings.MasterKeyFile) ? null : settings.MasterKeyFile;
        if (demoMode)
        {
            var home = Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.LocalApplicationData, Environment.SpecialFolderOption.DoNotVerify), "landplatform");
            return new KeyRingLocation(
                string.IsNullOrWhiteSpace(settings.KeyRingPath) ? Path.Combine(home, "key-ring") : settings.KeyRingPath,
                value is null ? file ?? Path.Combine(home, "master-key") : null,
                value,
                CreateMissingMasterKey: value is null && file is null);
        }

        return string.IsNullOrWhiteSpace(settings.KeyRingPath) || (value is null && file is null)
            ? null
            : new KeyRingLocation(settings.KeyRingPath, value is null ? file : null, value, CreateMissingMasterKey: false);
    }

    /// <summary>What is wrong with the ring's settings, for the host's one check of settings (StartupSettings).</summary>
    public static IReadOnlyList<string> Problems(IConfiguration configuration, bool demoMode)
    {
        var problems = new List<string>();
        var settings = configuration.GetSection(KeyRingSettings.Section).Get<KeyRingSettings>() ?? new KeyRingSettings();
        if (!demoMode && string.IsNullOrWhiteSpace(settings.KeyRingPath))
        {
            problems.Add("DataProtection:KeyRingPath is not set (environment variable DataProtection__KeyRingPath): "
                + "the directory of the key ring that protects the stored keys, shared by every instance.");
        }

        if (!demoMode && string.IsNullOrWhiteSpace(settings.MasterKeyFile) && string.IsNullOrWhiteSpace(settings.MasterKey))
        {
            problems.Add("DataProtection:MasterKeyFile or DataProtection:MasterKey is not set (DataProtection__MasterKeyFile, a file of 32 random bytes, "
                + "or DataProtection__MasterKey, 32 bytes in base64): the master key that encrypts the key ring.");
        }
        else if (!string.IsNullOrWhiteSpace(settings.MasterKey) || (!string.IsNullOrWhiteSpace(settings.MasterKeyFile) && (File.Exists(settings.MasterKeyFile) || !demoMode)))
        {
            try
            {
                MasterKey.Load(new KeyRingLocation(settings.KeyRingPath ?? "", settings.MasterKeyFile, settings.MasterKey, CreateMissingMasterKey: false));
            }
            catch (KeyRingException e)
            {
                problems.Add(e.Message);
            }
        }

        return problems;
    }
}

/// <summary>The 32-byte key that encrypts the ring's keys; its id (a hash) is written beside each encrypted key, so a wrong master key is named as such.</summary>
public sealed class MasterKey
{
    private readonly byte[] bytes;

    private MasterKey(byte[] bytes, string source)
    {
        this.bytes = bytes;
        Source = source;
        Id = Convert.ToHexStringLower(SHA256.HashData([.. "landplatform master key id:"u8, .. bytes]))[..16];
    }

    /// <summary>A fingerprint of the key, safe to log and to store.</summary>
    public string Id { get; }

    /// <summary>Where the key came from, for messages.</summary>
    public string Source { get; }

    internal ReadOnlySpan<byte> Bytes => bytes;

    public static MasterKey Load(KeyRingLocation? location)
    {
        if (location is null)
        {
            throw new KeyRingException("The key ring is not configured: set DataProtection:KeyRingPath and DataProtection:MasterKeyFile or DataProtection:MasterKey.");
        }

        if (location.MasterKeyValue is { } value)
        {
            return new MasterKey(Decode(Encoding.ASCII.GetBytes(value), "DataProtection:MasterKey"), "DataProtection:MasterKey");
        }

        var path = location.MasterKeyFile!;
        var source = $"DataProtection:MasterKeyFile ({path})";
        if (location.CreateMissingMasterKey && !File.Exists(path))
        {
            CreateFile(path);
        }

        byte[] content;
        try
        {
            content = File.ReadAllBytes(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new KeyRingException($"{source} cannot be read: {e.Message}", e);
        }

        return new MasterKey(Decode(content, source), source);
    }

    // 32 raw bytes, or their base64 (with or without a trailing newline).
    private static byte[] Decode(byte[] content, string source)
    {
        if (content.Length == 32)
        {
            return content;
        }

        var text = Encoding.ASCII.GetString(content).Trim();
        var buffer = new byte[48];
        if (Convert.TryFromBase64String(text, buffer, out var written) && written == 32)
        {
            return buffer[..32];
        }

        throw new KeyRingException($"{source} is not a master key: it must hold 32 random bytes, raw or in base64 (e.g. openssl rand -base64 32).");
    }

    // Demo mode only: a random key, readable by this user alone; another instance may have made it first.
    private static void CreateFile(string path)
    {
        var folder = Path.GetDirectoryName(Path.GetFullPath(path))!;
        if (!OperatingSystem.IsWindows())
        {
            Directory.CreateDirectory(folder, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        }
        else
        {
            Directory.CreateDirectory(folder);
        }

        try
        {
            var options = new FileStreamOptions { Mode = FileMode.CreateNew, Access = FileAccess.Write };
            if (!OperatingSystem.IsWindows())
            {
                options.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
            }

            using var stream = new FileStream(path, options);
            stream.Write(Encoding.ASCII.GetBytes(Convert.ToBase64String(RandomNumberGenerator.GetBytes(32)) + "\n"));
        }
        catch (IOException) when (File.Exists(path))
        {
        }
    }
}

/// <summary>Encrypts each ring key (its XML) with AES-256-GCM under the master key.</summary>
public sealed class MasterKeyXmlEncryptor(IServiceProvider services) : IXmlEncryptor
{
    internal static readonly byte[] AssociatedData = "landplatform key ring v1"u8.ToArray();

    public EncryptedXmlInfo Encrypt(XElement plaintextElement)
    {
        var key = services.GetRequiredService<MasterKey>();
        var plaintext = Encoding.UTF8.GetBytes(plaintextElement.ToString(SaveOptions.DisableFormatting));
        var sealedBytes = new byte[12 + 16 + plaintext.Length];
        var nonce = sealedBytes.AsSpan(0, 12);
        RandomNumberGenerator.Fill(nonce);
        using (var aes = new AesGcm(key.Bytes, 16))
        {
            aes.Encrypt(nonce, plaintext, sealedBytes.AsSpan(28), sealedBytes.AsSpan(12, 16), AssociatedData);
        }

        CryptographicOperations.ZeroMemory(plaintext);
        var element = new XElement("encryptedKey",
            new XComment(" AES-256-GCM under the Landplatform master key (DataProtection:MasterKeyFile or DataProtection:MasterKey) "),
            new XAttribute("masterKeyId", key.Id),
            new XElement("value", Convert.ToBase64String(sealedBytes)));
        return new EncryptedXmlInfo(element, typeof(MasterKeyXmlDecryptor));
    }
}

/// <summary>Opens a ring key sealed by <see cref="MasterKeyXmlEncryptor"/>; a different master key is refused by name.</summary>
public sealed class MasterKeyXmlDecryptor(IServiceProvider services) : IXmlDecryptor
{
    public XElement Decrypt(XElement encryptedElement)
    {
        var key = services.GetRequiredService<MasterKey>();
        var sealedWith = (string?)encryptedElement.Attribute("masterKeyId");
        var ring = services.GetService<KeyRingLocation>()?.RingPath ?? "(not configured)";
        if (sealedWith != key.Id)
        {
            throw new KeyRingException($"The key ring at {ring} was encrypted with master key {sealedWith}, but {key.Source} is master key {key.Id}: "
                + "give the master key this ring was made with.");
        }

        var sealedBytes = Convert.FromBase64String((string?)encryptedElement.Element("value") ?? "");
        if (sealedBytes.Length < 28)
        {
            throw new KeyRingException($"A key in the key ring at {ring} is truncated.");
        }

        var plaintext = new byte[sealedBytes.Length - 28];
        try
        {
            using var aes = new AesGcm(key.Bytes, 16);
            aes.Decrypt(sealedBytes.AsSpan(0, 12), sealedBytes.AsSpan(28), sealedBytes.AsSpan(12, 16), plaintext, MasterKeyXmlEncryptor.AssociatedData);
        }
        catch (CryptographicException e)
        {
            throw new KeyRingException($"A key in the key ring at {ring} does not open with {key.Source}: the ring or the master key was altered.", e);
        }

        return XElement.Parse(Encoding.UTF8.GetString(plaintext));
    }
}
