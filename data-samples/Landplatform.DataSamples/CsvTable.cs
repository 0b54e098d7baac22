using System.Globalization;
using System.Text;

namespace Landplatform.DataSamples;

/// <summary>RFC 4180 writer: UTF-8 without BOM, LF line ends, quoting only where a field needs it.</summary>
internal sealed class CsvTable : IDisposable
{
    private static readonly UTF8Encoding Utf8NoBom = new(false);
    private readonly StreamWriter writer;
    private bool firstField = true;

    public CsvTable(string path, params string[] columns)
    {
        writer = new StreamWriter(path, false, Utf8NoBom, 1 << 16);
        foreach (var column in columns)
        {
            Field(column);
        }

        writer.Write('\n');
        firstField = true;
    }

    public long Rows { get; private set; }

    public CsvTable Field(string? value)
    {
        Separator();
        if (string.IsNullOrEmpty(value))
        {
            return this;
        }

        if (value.AsSpan().IndexOfAny(",\"\n\r") < 0)
        {
            writer.Write(value);
            return this;
        }

        writer.Write('"');
        writer.Write(value.Replace("\"", "\"\"", StringComparison.Ordinal));
        writer.Write('"');
        return this;
    }

    public CsvTable Field(long value)
    {
        Separator();
        writer.Write(value.ToString(CultureInfo.InvariantCulture));
        return this;
    }

    public CsvTable Field(double value, string format)
    {
        Separator();
        writer.Write(value.ToString(format, CultureInfo.InvariantCulture));
        return this;
    }

    /// <summary>WKT always contains commas and never quotes, so it is always quoted as-is.</summary>
    public CsvTable Wkt(StringBuilder wkt)
    {
        Separator();
        writer.Write('"');
        writer.Write(wkt);
        writer.Write('"');
        return this;
    }

    public void EndRow()
    {
        writer.Write('\n');
        firstField = true;
        Rows++;
    }

    public void Dispose() => writer.Dispose();

    private void Separator()
    {
        if (!firstField)
        {
            writer.Write(',');
        }

        firstField = false;
    }
}
