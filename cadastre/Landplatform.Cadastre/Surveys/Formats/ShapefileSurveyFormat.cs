using System.Buffers.Binary;
using System.IO.Compression;
using System.Text;
using NetTopologySuite.IO.Esri;
using NetTopologySuite.IO.Esri.Shapefiles.Readers;

namespace Landplatform.Cadastre.Surveys.Formats;

/// <summary>
/// A zipped ESRI Shapefile, read in process with NetTopologySuite.IO.Esri.Shapefile: the archive is inspected
/// (no zip slip, no folders or links, only shapefile parts, size caps) and its parts unpacked into memory, never
/// onto disk; the .shp's header must say what it is; the CRS comes from the .prj by name, never guessed.
/// </summary>
internal static class ShapefileSurveyFormat
{
    private const long MaxUnpackedBytes = 64L * 1024 * 1024;

    private static readonly string[] ShapefileParts = [".shp", ".shx", ".dbf", ".prj", ".cpg", ".qix", ".sbn", ".sbx"];

    public static SurveyPlan Read(byte[] content, int? declaredSrid, SurveyTolerances tolerances)
    {
        var parts = Unpack(content);
        var shp = parts.GetValueOrDefault(".shp") ?? throw SurveyUnreadableException.Because("The archive holds no .shp file.");
        var dbf = parts.GetValueOrDefault(".dbf") ?? throw SurveyUnreadableException.Because("The archive holds no .dbf beside its .shp; a shapefile needs both.");
        CheckHeader(shp);
        var fileSrid = parts.TryGetValue(".prj", out var prj) ? SurveyCrs.FromPrj(Encoding.UTF8.GetString(prj)) : (int?)null;
        var srid = SurveyCrs.Resolve(fileSrid, declaredSrid, rfcDefault: null);
        var encoding = parts.TryGetValue(".cpg", out var cpg) && Encoding.ASCII.GetString(cpg).Trim().Replace("-", "").Equals("UTF8", StringComparison.OrdinalIgnoreCase)
            ? Encoding.UTF8
            : null;

        var lots = new SurveyFeatureSet(srid, tolerances);
        var record = 0;
        try
        {
            using var reader = Shapefile.OpenRead(new MemoryStream(shp, writable: false), new MemoryStream(dbf, writable: false), new ShapefileReaderOptions { Encoding = encoding });
            while (reader.Read(out var deleted))
            {
                record++;
                if (deleted)
                {
                    continue;
                }

                var attributes = reader.Fields.ToDictionary(f => f.Name, f => (object?)f.Value, StringComparer.Ordinal);
                var geometry = reader.Geometry;
                lots.Add(SurveyFeature.From(record, attributes), label => SurveyFeatureSet.Rings(geometry, label));
            }
        }
        catch (Exception e) when (e is ShapefileException or EndOfStreamException or IOException or InvalidDataException or ArgumentException
                                       or IndexOutOfRangeException or FormatException or OverflowException or NotSupportedException or KeyNotFoundException)
        {
            // The reader's words may quote the file: only the position is passed on.
            throw SurveyUnreadableException.Because($"The shapefile could not be read at record {record + 1}: its .shp or .dbf is damaged or truncated.");
        }

        return lots.ToPlan("zip");
    }

    /// <summary>The .shp header: file code 9994, a length that is the file's, a polygon shape type.</summary>
    private static void CheckHeader(byte[] shp)
    {
        if (shp.Length < 100)
        {
            throw SurveyUnreadableException.Because($"The .shp is truncated: it has {shp.Length} bytes, less than its 100-byte header.");
        }

        var declared = (long)BinaryPrimitives.ReadInt32BigEndian(shp.AsSpan(24, 4)) * 2;
        if (declared != shp.Length)
        {
            throw SurveyUnreadableException.Because($"The .shp is truncated or padded: its header (byte 24) says {declared} bytes, the file has {shp.Length}.");
        }

        var type = BinaryPrimitives.ReadInt32LittleEndian(shp.AsSpan(32, 4));
        if (type is not (5 or 15 or 25))
        {
            throw SurveyUnreadableException.Because($"The shapefile holds shapes of type {type} (byte 32); lots are polygons (type 5).");
        }
    }

    /// <summary>Refuses archives that would write outside their folder (zip slip), hold links, folders or anything but one shapefile, or unpack to absurd sizes; returns the parts by extension.</summary>
    private static Dictionary<string, byte[]> Unpack(byte[] content)
    {
        try
        {
            using var archive = new ZipArchive(new MemoryStream(content, writable: false), ZipArchiveMode.Read);
            if (archive.Entries.Count > 64)
            {
                throw SurveyUnreadableException.Because("The archive unpacks to more than a survey can hold.");
            }

            long total = 0;
            string? stem = null;
            var parts = new Dictionary<string, byte[]>(StringComparer.Ordinal);
            foreach (var entry in archive.Entries)
            {
                var name = entry.FullName.Replace('\\', '/');
                if (name.StartsWith('/') || name.Split('/').Contains("..") || name.Contains(':', StringComparison.Ordinal))
                {
                    throw SurveyUnreadableException.Because($"The archive entry '{SurveyFeatureSet.Printable(entry.FullName)}' points outside the archive (zip slip); the upload is refused.");
                }

                var extension = Path.GetExtension(name).ToLowerInvariant();
                if (!ShapefileParts.Contains(extension) || name.Contains('/', StringComparison.Ordinal))
                {
                    throw SurveyUnreadableException.Because($"The archive holds '{SurveyFeatureSet.Printable(entry.FullName)}', which is not part of a shapefile (.shp, .shx, .dbf, .prj, .cpg) at the archive's top level.");
                }

                if (((entry.ExternalAttributes >> 16) & 0xF000) == 0xA000)
                {
                    throw SurveyUnreadableException.Because($"The archive entry '{SurveyFeatureSet.Printable(entry.FullName)}' is a symbolic link; the upload is refused.");
                }

                total += entry.Length;
                if (total > MaxUnpackedBytes)
                {
                    throw SurveyUnreadableException.Because("The archive unpacks to more than a survey can hold.");
                }

                var bytes = ReadCapped(entry, MaxUnpackedBytes - (total - entry.Length));
                if (extension == ".shp" && (bytes.Length < 4 || !bytes.AsSpan(0, 4).SequenceEqual(new byte[] { 0, 0, 0x27, 0x0A })))
                {
                    throw SurveyUnreadableException.Because($"'{SurveyFeatureSet.Printable(entry.FullName)}' in the archive is not an ESRI shapefile (its file code, byte 0, is not 9994).");
                }

                if (parts.ContainsKey(extension))
                {
                    throw SurveyUnreadableException.Because(extension == ".shp"
                        ? "The archive holds more than one shapefile; lodge one survey at a time."
                        : $"The archive holds more than one {extension} file; lodge one shapefile at a time.");
                }

                var entryStem = Path.GetFileNameWithoutExtension(name);
                if (stem is not null && !stem.Equals(entryStem, StringComparison.OrdinalIgnoreCase))
                {
                    throw SurveyUnreadableException.Because($"The archive entry '{SurveyFeatureSet.Printable(entry.FullName)}' belongs to another shapefile than the rest; lodge one shapefile at a time.");
                }

                stem = entryStem;
                parts[extension] = bytes;
            }

            return parts;
        }
        catch (InvalidDataException)
        {
            throw SurveyUnreadableException.Because("The file is not a valid zip archive.");
        }
    }

    /// <summary>An entry's bytes, refusing one that inflates past what its header declared or what the archive may still hold.</summary>
    private static byte[] ReadCapped(ZipArchiveEntry entry, long budget)
    {
        using var stream = entry.Open();
        using var buffer = new MemoryStream();
        var chunk = new byte[81920];
        int read;
        while ((read = stream.Read(chunk)) > 0)
        {
            if (buffer.Length + read > Math.Min(entry.Length, budget))
            {
                throw SurveyUnreadableException.Because("The archive unpacks to more than a survey can hold.");
            }

            buffer.Write(chunk, 0, read);
        }

        return buffer.ToArray();
    }
}
