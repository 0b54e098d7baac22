using System.Text;
using System.Xml;
using Landplatform.Cadastre.Contracts;

namespace Landplatform.GisServer.Ogc.Wms;

/// <summary>A WMS request the service refuses, with the WMS 1.3.0 exception code (null for a plain invalid value).</summary>
public sealed class WmsException(string? code, string locator, string message) : Exception(message)
{
    public string? Code { get; } = code;

    /// <summary>The request parameter at fault, as WMS names it (upper case).</summary>
    public string Locator { get; } = locator;

    /// <summary>A request value quoted in a message, cut short so a hostile value is not echoed at length.</summary>
    public static string Quote(string value) => value.Length <= 60 ? $"'{value}'" : $"'{value[..60]}…'";
}

/// <summary>
/// The one mapper of /wms failures: a refusal becomes a WMS 1.3.0 ServiceExceptionReport (XML, HTTP 400)
/// instead of the platform's problem details, because WMS clients read only that.
/// </summary>
public static class WmsExceptionReport
{
    public const string ContentType = "text/xml";

    public static async ValueTask<object?> Filter(EndpointFilterInvocationContext context, EndpointFilterDelegate next)
    {
        try
        {
            return await next(context);
        }
        catch (Exception e) when (e is WmsException or InvalidParameterException && !context.HttpContext.Response.HasStarted)
        {
            var (code, locator) = e switch
            {
                WmsException w => (w.Code, w.Locator),
                InvalidParameterException p => ((string?)null, p.Parameter.ToUpperInvariant()),
                _ => (null, string.Empty),
            };
            await WriteAsync(context.HttpContext, code, locator, e.Message);
            return Results.Empty;
        }
    }

    private static async Task WriteAsync(HttpContext http, string? code, string locator, string message)
    {
        http.Response.StatusCode = StatusCodes.Status400BadRequest;
        http.Response.ContentType = ContentType + "; charset=utf-8";
        await using var xml = XmlWriter.Create(http.Response.Body, new XmlWriterSettings { Async = true, Encoding = new UTF8Encoding(false), Indent = true });
        await xml.WriteStartDocumentAsync();
        xml.WriteStartElement("ServiceExceptionReport", "http://www.opengis.net/ogc");
        xml.WriteAttributeString("version", "1.3.0");
        xml.WriteAttributeString("xmlns", "xsi", null, "http://www.w3.org/2001/XMLSchema-instance");
        xml.WriteAttributeString("xsi", "schemaLocation", "http://www.w3.org/2001/XMLSchema-instance",
            "http://www.opengis.net/ogc http://schemas.opengis.net/wms/1.3.0/exceptions_1_3_0.xsd");
        xml.WriteStartElement("ServiceException", "http://www.opengis.net/ogc");
        if (code is not null)
        {
            xml.WriteAttributeString("code", code);
        }

        if (locator.Length > 0)
        {
            xml.WriteAttributeString("locator", XmlReportText.Safe(locator));
        }

        xml.WriteString(XmlReportText.Safe(message));
        xml.WriteEndElement();
        xml.WriteEndElement();
        await xml.WriteEndDocumentAsync();
        await xml.FlushAsync();
    }
}
