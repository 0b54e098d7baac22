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
/// The one mapper of /wms failures: a refusal becomes a ServiceExceptionReport (XML, HTTP 400) in the version the
/// request speaks — WMS 1.3.0, or 1.1.1 (no namespace, its own media type and codes) — instead of the platform's
/// problem details, because WMS clients read only that.
/// </summary>
public static class WmsExceptionReport
{
    public const string ContentType = "text/xml";

    /// <summary>The media type of a WMS 1.1.1 exception report (WMS 1.1.1, 6.8).</summary>
    public const string ContentType111 = "application/vnd.ogc.se_xml";

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
            if (context.HttpContext.Request.Query["VERSION"].ToString().Trim() == "1.1.1")
            {
                await Write111Async(context.HttpContext, code, locator, e.Message);
            }
            else
            {
                await WriteAsync(context.HttpContext, code, locator, e.Message);
            }

            return Results.Empty;
        }
    }

    // WMS 1.1.1 names the CRS code InvalidSRS, has no InvalidPoint and no locator attribute: the parameter goes in the text.
    private static async Task Write111Async(HttpContext http, string? code, string locator, string message)
    {
        code = code switch { "InvalidCRS" => "InvalidSRS", "InvalidPoint" => null, _ => code };
        http.Response.StatusCode = StatusCodes.Status400BadRequest;
        http.Response.ContentType = ContentType111 + "; charset=utf-8";
        await using var xml = XmlWriter.Create(http.Response.Body, new XmlWriterSettings { Async = true, Encoding = new UTF8Encoding(false), Indent = true });
        await xml.WriteStartDocumentAsync();
        xml.WriteStartElement("ServiceExceptionReport");
        xml.WriteAttributeString("version", "1.1.1");
        xml.WriteStartElement("ServiceException");
        if (code is not null)
        {
            xml.WriteAttributeString("code", code);
        }

        xml.WriteString(XmlReportText.Safe(locator.Length > 0 ? $"{locator}: {message}" : message));
        xml.WriteEndElement();
        xml.WriteEndElement();
        await xml.WriteEndDocumentAsync();
        await xml.FlushAsync();
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
