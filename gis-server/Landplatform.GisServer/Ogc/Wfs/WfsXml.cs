using System.Text;
using System.Xml;

namespace Landplatform.GisServer.Ogc.Wfs;

/// <summary>
/// XML output of the WFS. An XmlWriter writes into a buffer that is sent to the response whenever it
/// fills, so big documents stream without synchronous I/O on the response.
/// </summary>
public sealed class WfsXmlOutput : IAsyncDisposable
{
    private const int FlushThreshold = 64 * 1024;
    private readonly MemoryStream buffer = new();
    private readonly Stream body;

    public WfsXmlOutput(HttpContext http, string contentType)
    {
        http.Response.ContentType = contentType;
        body = http.Response.Body;
        Writer = XmlWriter.Create(buffer, new XmlWriterSettings { Encoding = new UTF8Encoding(false), Indent = false, CloseOutput = false });
        Writer.WriteStartDocument();
    }

    public XmlWriter Writer { get; }

    /// <summary>Sends what has been written once the buffer holds enough of it.</summary>
    public async Task FlushIfFullAsync(CancellationToken ct)
    {
        Writer.Flush();
        if (buffer.Length >= FlushThreshold)
        {
            await SendAsync(ct);
        }
    }

    public async Task CompleteAsync(CancellationToken ct)
    {
        Writer.WriteEndDocument();
        Writer.Flush();
        await SendAsync(ct);
    }

    private async Task SendAsync(CancellationToken ct)
    {
        await body.WriteAsync(buffer.GetBuffer().AsMemory(0, (int)buffer.Length), ct);
        buffer.SetLength(0);
    }

    public async ValueTask DisposeAsync()
    {
        Writer.Dispose();
        await buffer.DisposeAsync();
    }

    public const string XmlContentType = "application/xml; charset=utf-8";

    public const string GmlContentType = "application/gml+xml; version=3.2";

    /// <summary>The /wfs URL as the client reached it, for links in documents.</summary>
    public static string ServiceUrl(HttpRequest request) => $"{request.Scheme}://{request.Host}{request.PathBase}/wfs";

    /// <summary>Writes a small document in one go.</summary>
    public static async Task WriteDocumentAsync(HttpContext http, string contentType, Action<XmlWriter> write, CancellationToken ct)
    {
        await using var output = new WfsXmlOutput(http, contentType);
        write(output.Writer);
        await output.CompleteAsync(ct);
    }
}

/// <summary>Shorthands for the OWS elements every WFS document repeats.</summary>
public static class OwsXml
{
    public static void Element(this XmlWriter xml, string prefix, string name, string ns, string value) =>
        xml.WriteElementString(prefix, name, ns, value);

    public static void Ows(this XmlWriter xml, string name, string value) =>
        xml.WriteElementString("ows", name, WfsNames.Ows, value);

    /// <summary>An ows:Parameter or ows:Constraint with allowed values.</summary>
    public static void AllowedValues(this XmlWriter xml, string element, string name, IEnumerable<string> values)
    {
        xml.WriteStartElement("ows", element, WfsNames.Ows);
        xml.WriteAttributeString("name", name);
        xml.WriteStartElement("ows", "AllowedValues", WfsNames.Ows);
        foreach (var value in values)
        {
            xml.Ows("Value", value);
        }

        xml.WriteEndElement();
        xml.WriteEndElement();
    }

    /// <summary>An ows:Constraint (or fes:Constraint) with no values and a default, e.g. ImplementsResultPaging TRUE.</summary>
    public static void DefaultValue(this XmlWriter xml, string prefix, string ns, string name, string value)
    {
        xml.WriteStartElement(prefix, "Constraint", ns);
        xml.WriteAttributeString("name", name);
        xml.WriteStartElement("ows", "NoValues", WfsNames.Ows);
        xml.WriteEndElement();
        xml.Ows("DefaultValue", value);
        xml.WriteEndElement();
    }
}
