using System.IO.Compression;
using System.Text;
using Landplatform.Integrations.Documents;
using Landplatform.Testing;

namespace Landplatform.Integrations.Tests;

/// <summary>How a deed names its transaction, read from hostile PDFs too: compressed, UTF-16, truncated, or a bomb.</summary>
public sealed class DeedBindingParserTests
{
    private static readonly string Reference = Guid.CreateVersion7().ToString();

    private static byte[] PdfWithStream(byte[] streamBytes) =>
        [.. Encoding.ASCII.GetBytes($"%PDF-1.7\n4 0 obj\n<< /Length {streamBytes.Length} /Filter /FlateDecode >>\nstream\n"), .. streamBytes, .. "\nendstream\nendobj\n%%EOF\n"u8.ToArray()];

    private static byte[] Deflate(byte[] data)
    {
        using var output = new MemoryStream();
        using (var z = new ZLibStream(output, CompressionLevel.Optimal, leaveOpen: true))
        {
            z.Write(data);
        }

        return output.ToArray();
    }

    [Fact]
    public void A_deed_naming_the_transaction_in_its_text_is_bound_to_it_and_to_no_other()
    {
        var pdf = NotarySigningKit.Pdf($"Deed of sale, registry transaction {Reference}");
        Assert.True(DeedBinding.Names(pdf, Reference));
        Assert.True(DeedBinding.Names(pdf, Reference.ToUpperInvariant()));
        Assert.False(DeedBinding.Names(pdf, Guid.CreateVersion7().ToString()));
    }

    [Fact]
    public void The_reference_is_found_inside_compressed_streams_and_as_a_UTF16_property()
    {
        Assert.True(DeedBinding.Names(PdfWithStream(Deflate(Encoding.ASCII.GetBytes($"BT ({Reference}) Tj ET"))), Reference));
        var keywords = Encoding.ASCII.GetBytes("%PDF-1.4\n1 0 obj << /Keywords (").Concat(new byte[] { 0xFE, 0xFF })
            .Concat(Encoding.BigEndianUnicode.GetBytes(Reference)).Concat(Encoding.ASCII.GetBytes(") >> endobj\n%%EOF")).ToArray();
        Assert.True(DeedBinding.Names(keywords, Reference));
    }

    [Fact]
    public void A_compression_bomb_or_broken_streams_bind_nothing_and_end_quickly()
    {
        // 200 MiB of zeros, then the reference: beyond the inflate budget, so never reached.
        var bomb = new MemoryStream();
        using (var z = new ZLibStream(bomb, CompressionLevel.Optimal, leaveOpen: true))
        {
            var zeros = new byte[1024 * 1024];
            for (var i = 0; i < 200; i++)
            {
                z.Write(zeros);
            }

            z.Write(Encoding.ASCII.GetBytes(Reference));
        }

        Assert.False(DeedBinding.Names(PdfWithStream(bomb.ToArray()), Reference));
        Assert.False(DeedBinding.Names(PdfWithStream([0x78, 0x9C, 0xFF, 0xFF, 0x00]), Reference));
        Assert.False(DeedBinding.Names("%PDF-1.4\nstream\n"u8.ToArray(), Reference));
        Assert.False(DeedBinding.Names([], Reference));
    }
}
