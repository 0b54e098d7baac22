using System.Buffers;
using System.Buffers.Text;
using System.Globalization;
using System.Text;
using System.Text.Json;
using Npgsql;

namespace Landplatform.GisServer.Ogc;

/// <summary>
/// Builds the JSON of one feature at a time straight from the bytes PostgreSQL sent: text arrives as UTF-8
/// and is copied with only the escapes JSON requires, numbers and instants are formatted into the buffer,
/// and nothing is allocated per feature. The writers hand the finished feature to their
/// <see cref="Utf8JsonWriter"/> as a raw value. The values are those <see cref="FeatureValues"/> writes.
/// </summary>
public sealed class FeatureJson
{
    private static readonly SearchValues<byte> MustEscape = SearchValues.Create(
        [.. Enumerable.Range(0, 0x20).Select(b => (byte)b), (byte)'"', (byte)'\\']);

    private readonly byte[][] _names;
    private ColumnKind[]? _kinds;
    private byte[] _buffer = new byte[16 * 1024];
    private int _length;

    /// <param name="properties">The selected properties, in column order from ordinal 1.</param>
    public FeatureJson(IReadOnlyList<FeatureProperty> properties)
    {
        _names = new byte[properties.Count][];
        for (var i = 0; i < properties.Count; i++)
        {
            // "name": with the name escaped once (FeatureProperty.JsonName), and a comma before every member but the first.
            _names[i] = [.. (i == 0 ? ""u8 : ","u8), (byte)'"', .. properties[i].JsonName.EncodedUtf8Bytes, (byte)'"', (byte)':'];
        }
    }

    /// <summary>How many properties <see cref="Properties"/> writes (ordinals 1 to this).</summary>
    public int PropertyCount => _names.Length;

    /// <summary>The JSON built since the last <see cref="Clear"/>.</summary>
    public ReadOnlySpan<byte> Written => _buffer.AsSpan(0, _length);

    public FeatureJson Clear()
    {
        _length = 0;
        return this;
    }

    public FeatureJson Raw(ReadOnlySpan<byte> json)
    {
        json.CopyTo(Reserve(json.Length));
        _length += json.Length;
        return this;
    }

    /// <summary>A JSON string of a .NET string (for values made here, such as a WFS resource id).</summary>
    public FeatureJson String(string value)
    {
        var bytes = Reserve(Encoding.UTF8.GetMaxByteCount(value.Length) + 2)[1..];
        var count = Encoding.UTF8.GetBytes(value, bytes);
        return Quote(count);
    }

    /// <summary>Column <paramref name="ordinal"/> (text or bytea holding JSON) copied as it is, or null.</summary>
    public FeatureJson RawColumn(NpgsqlDataReader row, int ordinal)
    {
        if (row.IsDBNull(ordinal))
        {
            return Raw("null"u8);
        }

        _length += CopyColumn(row, ordinal, 0);
        return this;
    }

    /// <summary>Text column <paramref name="ordinal"/> as a JSON string, or null.</summary>
    public FeatureJson StringColumn(NpgsqlDataReader row, int ordinal)
    {
        if (row.IsDBNull(ordinal))
        {
            return Raw("null"u8);
        }

        return Quote(CopyColumn(row, ordinal, 1));
    }

    /// <summary>The properties object of the current row: the selected properties from ordinal 1 on.</summary>
    public FeatureJson Properties(NpgsqlDataReader row)
    {
        _kinds ??= Kinds(row, _names.Length);
        Raw("{"u8);
        for (var i = 0; i < _names.Length; i++)
        {
            Raw(_names[i]);
            var ordinal = i + 1;
            if (row.IsDBNull(ordinal))
            {
                Raw("null"u8);
                continue;
            }

            switch (_kinds[i])
            {
                case ColumnKind.Text:
                    Quote(CopyColumn(row, ordinal, 1));
                    break;
                case ColumnKind.Int16:
                case ColumnKind.Int32:
                case ColumnKind.Int64:
                    Integer(_kinds[i] switch
                    {
                        ColumnKind.Int16 => row.GetInt16(ordinal),
                        ColumnKind.Int32 => row.GetInt32(ordinal),
                        _ => row.GetInt64(ordinal),
                    });
                    break;
                case ColumnKind.Decimal:
                    Utf8Formatter.TryFormat(row.GetDecimal(ordinal), Reserve(64), out var written);
                    _length += written;
                    break;
                case ColumnKind.Double:
                    Millimetres(row.GetDouble(ordinal));
                    break;
                case ColumnKind.Timestamp:
                    Instant(DateTime.SpecifyKind(row.GetDateTime(ordinal), DateTimeKind.Utc));
                    break;
                default:
                    Boxed(row.GetValue(ordinal));
                    break;
            }
        }

        return Raw("}"u8);
    }

    private enum ColumnKind
    {
        Text,
        Int16,
        Int32,
        Int64,
        Decimal,
        Double,
        Timestamp,
        Other,
    }

    private static ColumnKind[] Kinds(NpgsqlDataReader row, int count)
    {
        var kinds = new ColumnKind[count];
        for (var i = 0; i < count; i++)
        {
            var type = row.GetFieldType(i + 1);
            kinds[i] = type == typeof(string) ? ColumnKind.Text
                : type == typeof(short) ? ColumnKind.Int16
                : type == typeof(int) ? ColumnKind.Int32
                : type == typeof(long) ? ColumnKind.Int64
                : type == typeof(decimal) ? ColumnKind.Decimal
                : type == typeof(double) ? ColumnKind.Double
                : type == typeof(DateTime) ? ColumnKind.Timestamp
                : ColumnKind.Other;
        }

        return kinds;
    }

    /// <summary>Copies the column's bytes to the buffer, <paramref name="gap"/> bytes past the end; returns their count.</summary>
    private int CopyColumn(NpgsqlDataReader row, int ordinal, int gap)
    {
        var size = (int)row.GetBytes(ordinal, 0, null, 0, 0);
        Reserve(size + gap + 2);
        return (int)row.GetBytes(ordinal, 0, _buffer, _length + gap, size);
    }

    /// <summary>Turns the <paramref name="count"/> UTF-8 bytes just past the end into a quoted, escaped JSON string.</summary>
    private FeatureJson Quote(int count)
    {
        var text = _buffer.AsSpan(_length + 1, count);
        if (text.IndexOfAny(MustEscape) < 0)
        {
            _buffer[_length] = (byte)'"';
            _buffer[_length + 1 + count] = (byte)'"';
            _length += count + 2;
            return this;
        }

        // Rare: a quote, backslash or control character. Escape from a copy.
        var copy = text.ToArray();
        Raw("\""u8);
        var rest = copy.AsSpan();
        while (rest.IndexOfAny(MustEscape) is var at and >= 0)
        {
            Raw(rest[..at]);
            Raw(rest[at] switch
            {
                (byte)'"' => "\\\""u8,
                (byte)'\\' => "\\\\"u8,
                (byte)'\n' => "\\n"u8,
                (byte)'\r' => "\\r"u8,
                (byte)'\t' => "\\t"u8,
                (byte)'\b' => "\\b"u8,
                (byte)'\f' => "\\f"u8,
                var control => Encoding.ASCII.GetBytes(string.Create(CultureInfo.InvariantCulture, $"\\u{control:x4}")),
            });
            rest = rest[(at + 1)..];
        }

        return Raw(rest).Raw("\""u8);
    }

    private void Integer(long value)
    {
        Utf8Formatter.TryFormat(value, Reserve(24), out var written);
        _length += written;
    }

    /// <summary>
    /// A double rounded to three decimals, as <c>Math.Round(value, 3)</c> written shortest would read: the
    /// rounded value is a whole number of thousandths, written as such without trailing zeros.
    /// </summary>
    private void Millimetres(double value)
    {
        var thousandths = Math.Round(value * 1000);
        if (!double.IsFinite(thousandths) || Math.Abs(thousandths) >= 1e15)
        {
            Boxed(value);
            return;
        }

        var whole = (long)thousandths;
        var span = Reserve(32);
        var at = 0;
        if (whole < 0)
        {
            span[at++] = (byte)'-';
            whole = -whole;
        }

        Utf8Formatter.TryFormat(whole / 1000, span[at..], out var written);
        at += written;
        var fraction = (int)(whole % 1000);
        if (fraction != 0)
        {
            span[at++] = (byte)'.';
            span[at++] = (byte)('0' + fraction / 100);
            fraction %= 100;
            if (fraction != 0)
            {
                span[at++] = (byte)('0' + fraction / 10);
                fraction %= 10;
                if (fraction != 0)
                {
                    span[at++] = (byte)('0' + fraction);
                }
            }
        }

        _length += at;
    }

    /// <summary>An instant as ISO 8601 in UTC, its fraction of a second trimmed of trailing zeros (as Utf8JsonWriter writes it).</summary>
    private void Instant(DateTime utc)
    {
        var span = Reserve(40);
        span[0] = (byte)'"';
        utc.TryFormat(span[1..], out var written, "O", CultureInfo.InvariantCulture);
        // "O" gives yyyy-MM-ddTHH:mm:ss.fffffffZ (after the opening quote, so the Z is at span[written]): drop zeros at
        // the end of the fraction, and the dot if nothing is left.
        var z = written;
        var end = z;
        while (span[end - 1] == (byte)'0')
        {
            end--;
        }

        if (span[end - 1] == (byte)'.')
        {
            end--;
        }

        span[end] = span[z];
        span[end + 1] = (byte)'"';
        _length += end + 2;
    }

    private void Boxed(object value)
    {
        var buffer = new ArrayBufferWriter<byte>(64);
        using (var json = new Utf8JsonWriter(buffer))
        {
            FeatureValues.WriteJson(json, value);
        }

        Raw(buffer.WrittenSpan);
    }

    private Span<byte> Reserve(int count)
    {
        if (_length + count > _buffer.Length)
        {
            Array.Resize(ref _buffer, Math.Max(_buffer.Length * 2, _length + count));
        }

        return _buffer.AsSpan(_length);
    }
}
