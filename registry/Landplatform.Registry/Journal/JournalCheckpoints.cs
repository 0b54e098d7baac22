using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Npgsql;

namespace Landplatform.Registry.Journal;

/// <summary>Where the journal's signed checkpoints live: a directory outside the database (<c>Registry:Checkpoints</c>).</summary>
public sealed class JournalCheckpointOptions
{
    public const string Section = "Registry:Checkpoints";

    /// <summary>The directory of the signing key and the checkpoint log; required outside demo mode (StartupSettings).</summary>
    public string? Directory { get; set; }

    /// <summary>How often the head is checked and, when it moved, signed and appended.</summary>
    public double IntervalSeconds { get; set; } = 5;
}

/// <summary>
/// One signed statement that the journal's entry <paramref name="Seq"/> had hash <paramref name="Hash"/> (hex) at
/// <paramref name="At"/>: an ECDSA P-256 / SHA-256 signature (DER, base64) over <see cref="JournalCheckpointLog.SignedText"/>.
/// </summary>
public sealed record JournalCheckpoint(long Seq, string Hash, string At, string KeyId, string Signature);

/// <summary>
/// The journal's head, signed and appended to a JSON-lines log outside the database, so a chain recomputed after an edit
/// or a tail cut off is caught by <c>registry-verify --checkpoints</c>: the key (a PKCS#8 PEM file, mode 0600) never
/// enters the database, and anyone may keep a copy of the log and the public key (<c>GET /api/registry/journal/checkpoints</c>).
/// </summary>
public sealed class JournalCheckpointLog(NpgsqlDataSource dataSource, IOptions<JournalCheckpointOptions> options, TimeProvider clock)
{
    public const string KeyFileName = "checkpoint-signing-key.pem";
    public const string PublicKeyFileName = "checkpoint-signing-key.pub.pem";
    public const string LogFileName = "checkpoints.jsonl";

    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web) { WriteIndented = false };

    private readonly SemaphoreSlim writing = new(1, 1);
    private ECDsa? key;
    private JournalCheckpoint? last;

    public bool Configured => !string.IsNullOrWhiteSpace(options.Value.Directory);

    private string Folder => options.Value.Directory is { Length: > 0 } directory
        ? Path.GetFullPath(directory)
        : throw new InvalidOperationException($"{JournalCheckpointOptions.Section}:Directory is not set: the journal has nowhere to write its checkpoints.");

    public string LogPath => Path.Combine(Folder, LogFileName);

    public string PublicKeyPath => Path.Combine(Folder, PublicKeyFileName);

    /// <summary>The exact text a checkpoint's signature covers.</summary>
    public static string SignedText(long seq, string hash, string at) =>
        string.Create(CultureInfo.InvariantCulture, $"landplatform journal checkpoint v1\n{seq}\n{hash}\n{at}");

    /// <summary>The key's identifier: the first 16 hex digits of SHA-256 over its SubjectPublicKeyInfo.</summary>
    public static string KeyIdOf(ECDsa publicKey) => Convert.ToHexStringLower(SHA256.HashData(publicKey.ExportSubjectPublicKeyInfo()))[..16];

    /// <summary>The public key as PEM, creating the key pair on first use.</summary>
    public string PublicKeyPem() => SigningKey().ExportSubjectPublicKeyInfoPem();

    /// <summary>Signs the journal's head and appends it (fsync) unless the head is the one signed last; <paramref name="force"/> signs it anyway.</summary>
    public async Task<JournalCheckpoint?> WriteAsync(bool force, CancellationToken ct)
    {
        await writing.WaitAsync(ct);
        try
        {
            await using var command = dataSource.CreateCommand("SELECT seq, hash FROM registry.journal ORDER BY seq DESC LIMIT 1");
            await using var reader = await command.ExecuteReaderAsync(ct);
            if (!await reader.ReadAsync(ct))
            {
                return null;
            }

            var (seq, hash) = (reader.GetInt64(0), Convert.ToHexStringLower((byte[])reader[1]));
            last ??= Read().LastOrDefault();
            if (!force && last is not null && last.Seq == seq && last.Hash == hash)
            {
                return null;
            }

            var signer = SigningKey();
            var at = clock.GetUtcNow().UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture);
            var signature = signer.SignData(Encoding.UTF8.GetBytes(SignedText(seq, hash, at)), HashAlgorithmName.SHA256, DSASignatureFormat.Rfc3279DerSequence);
            var checkpoint = new JournalCheckpoint(seq, hash, at, KeyIdOf(signer), Convert.ToBase64String(signature));
            await using (var log = new FileStream(LogPath, FileMode.Append, FileAccess.Write, FileShare.ReadWrite, 4096, FileOptions.None))
            {
                await log.WriteAsync(Encoding.UTF8.GetBytes(JsonSerializer.Serialize(checkpoint, Json) + "\n"), ct);
                log.Flush(flushToDisk: true);
            }

            last = checkpoint;
            return checkpoint;
        }
        finally
        {
            writing.Release();
        }
    }

    /// <summary>The checkpoints written so far, oldest first (none when the log does not exist yet).</summary>
    public IReadOnlyList<JournalCheckpoint> Read() => Configured && File.Exists(LogPath) ? Parse(File.ReadAllLines(LogPath), out _) : [];

    /// <summary>Parses a checkpoint log; lines that are not checkpoints are reported, not skipped silently.</summary>
    public static IReadOnlyList<JournalCheckpoint> Parse(IEnumerable<string> lines, out IReadOnlyList<string> unreadable)
    {
        var checkpoints = new List<JournalCheckpoint>();
        var bad = new List<string>();
        var number = 0;
        foreach (var line in lines)
        {
            number++;
            if (string.IsNullOrWhiteSpace(line))
            {
                continue;
            }

            try
            {
                checkpoints.Add(JsonSerializer.Deserialize<JournalCheckpoint>(line, Json) ?? throw new JsonException("null"));
            }
            catch (JsonException)
            {
                bad.Add($"checkpoint log line {number}: not a checkpoint");
            }
        }

        unreadable = bad;
        return checkpoints;
    }

    /// <summary>
    /// Reads a checkpoint log and keeps the checkpoints whose signature the public key verifies; every other line
    /// becomes a finding (a forged or altered checkpoint is named, never trusted).
    /// </summary>
    public static (IReadOnlyList<JournalCheckpoint> Verified, IReadOnlyList<string> Findings) Verify(IEnumerable<string> lines, string publicKeyPem)
    {
        using var publicKey = ECDsa.Create();
        publicKey.ImportFromPem(publicKeyPem);
        var keyId = KeyIdOf(publicKey);
        var checkpoints = Parse(lines, out var unreadable);
        var findings = unreadable.ToList();
        var verified = new List<JournalCheckpoint>();
        foreach (var checkpoint in checkpoints)
        {
            var signature = TryBase64(checkpoint.Signature);
            if (checkpoint.KeyId != keyId)
            {
                findings.Add($"checkpoint at journal entry {checkpoint.Seq} (signed {checkpoint.At}): signed with key {checkpoint.KeyId}, not the given key {keyId}");
            }
            else if (signature is null || !publicKey.VerifyData(Encoding.UTF8.GetBytes(SignedText(checkpoint.Seq, checkpoint.Hash, checkpoint.At)),
                         signature, HashAlgorithmName.SHA256, DSASignatureFormat.Rfc3279DerSequence))
            {
                findings.Add($"checkpoint at journal entry {checkpoint.Seq} (signed {checkpoint.At}): its signature does not verify: the checkpoint was altered or forged");
            }
            else
            {
                verified.Add(checkpoint);
            }
        }

        return (verified, findings);
    }

    private static byte[]? TryBase64(string text)
    {
        var buffer = new byte[text.Length];
        return Convert.TryFromBase64String(text, buffer, out var written) ? buffer[..written] : null;
    }

    // The key is made once, on first use, with the log's directory; two servers starting together agree on one file.
    private ECDsa SigningKey()
    {
        if (key is not null)
        {
            return key;
        }

        System.IO.Directory.CreateDirectory(Folder);
        var path = Path.Combine(Folder, KeyFileName);
        if (!File.Exists(path))
        {
            using var fresh = ECDsa.Create(ECCurve.NamedCurves.nistP256);
            try
            {
                var create = new FileStreamOptions { Mode = FileMode.CreateNew, Access = FileAccess.Write };
                if (!OperatingSystem.IsWindows())
                {
                    create.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
                }

                using (var file = new FileStream(path, create))
                {
                    file.Write(Encoding.ASCII.GetBytes(fresh.ExportPkcs8PrivateKeyPem()));
                    file.Flush(flushToDisk: true);
                }
            }
            catch (IOException) when (File.Exists(path))
            {
                // Another process made it first: use theirs.
            }
        }

        var loaded = ECDsa.Create();
        loaded.ImportFromPem(File.ReadAllText(path));
        var pub = Path.Combine(Folder, PublicKeyFileName);
        if (!File.Exists(pub) || File.ReadAllText(pub) != loaded.ExportSubjectPublicKeyInfoPem())
        {
            File.WriteAllText(pub, loaded.ExportSubjectPublicKeyInfoPem());
            if (!OperatingSystem.IsWindows())
            {
                File.SetUnixFileMode(pub, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead | UnixFileMode.OtherRead);
            }
        }

        key = loaded;
        return key;
    }
}

/// <summary>Signs the journal's head every few seconds, when it moved (ARCHITECTURE.md, The journal).</summary>
public sealed class JournalCheckpointService(JournalCheckpointLog log, IOptions<JournalCheckpointOptions> options, ILogger<JournalCheckpointService> logger)
    : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (!log.Configured)
        {
            logger.LogWarning("{Section}:Directory is not set: the journal's head is not checkpointed", JournalCheckpointOptions.Section);
            return;
        }

        using var timer = new PeriodicTimer(TimeSpan.FromSeconds(Math.Max(0.2, options.Value.IntervalSeconds)));
        do
        {
            try
            {
                if (await log.WriteAsync(force: false, stoppingToken) is { } written)
                {
                    logger.LogDebug("journal checkpoint at entry {Seq}", written.Seq);
                }
            }
            catch (Exception e) when (e is NpgsqlException or IOException or UnauthorizedAccessException)
            {
                logger.LogError(e, "journal checkpoint not written; trying again in {Seconds} s", options.Value.IntervalSeconds);
            }
        }
        while (await timer.WaitForNextTickAsync(stoppingToken));
    }
}
