using System.Security.Cryptography;
using Microsoft.EntityFrameworkCore;

namespace Landplatform.Integrations.Documents;

/// <summary>The content-addressed store: bytes go in once under their SHA-256, and the hash is the address.</summary>
public static class ContentAddress
{
    public static string Of(ReadOnlySpan<byte> content) => Convert.ToHexStringLower(SHA256.HashData(content));

    /// <summary>Stores the bytes unless they are stored already; returns their address.</summary>
    public static async Task<string> PutAsync(DocumentsStore db, byte[] content, string mediaType, DateTimeOffset now, CancellationToken ct)
    {
        var sha = Of(content);
        await db.Database.ExecuteSqlInterpolatedAsync(
            $"INSERT INTO documents.contents (sha256, content, size, media_type, stored_at) VALUES ({sha}, {content}, {content.LongLength}, {mediaType}, {now}) ON CONFLICT (sha256) DO NOTHING",
            ct);
        return sha;
    }

    /// <summary>The media type the first bytes declare, among those a deed or scan may be; null for anything else.</summary>
    public static string? Sniff(ReadOnlySpan<byte> head) => head switch
    {
        [(byte)'%', (byte)'P', (byte)'D', (byte)'F', (byte)'-', ..] => "application/pdf",
        [0x49, 0x49, 0x2A, 0x00, ..] or [0x4D, 0x4D, 0x00, 0x2A, ..] => "image/tiff",
        [0xFF, 0xD8, 0xFF, ..] => "image/jpeg",
        [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A, ..] => "image/png",
        _ => null,
    };
}
