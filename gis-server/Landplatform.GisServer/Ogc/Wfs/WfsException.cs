using System.Text;
using System.Xml;
using Landplatform.Cadastre.Contracts;

namespace Landplatform.GisServer.Ogc.Wfs;

/// <summary>The OWS exception codes a WFS 2.0 service answers with.</summary>
public static class OwsExceptionCode
{
    public const string InvalidParameterValue = "InvalidParameterValue";
    public const string MissingParameterValue = "MissingParameterValue";
    public const string OperationNotSupported = "OperationNotSupported";
    public const string OperationParsingFailed = "OperationParsingFailed";
    public const string VersionNegotiationFailed = "VersionNegotiationFailed";
    public const string NotFound = "NotFound";
    public const string NoApplicableCode = "NoApplicableCode";
}

/// <summary>A WFS request refused for a reason the service names with an OWS exception code and the parameter at fault.</summary>
public sealed class WfsException(string code, string? locator, string text) : Exception(text)
{
    public string Code { get; } = code;

    /// <summary>The parameter at fault, spelled as the caller sent it.</summary>
    public string? Locator { get; } = locator;
}

/// <summary>
/// The one place where a failure on /wfs becomes an OWS 1.1 ExceptionReport (the platform's problem
/// details are for REST APIs; WFS clients expect XML). HTTP status follows OWS Common: 400 for a bad
/// request, 404 for an unknown feature, 501 for an operation the service does not implement.
/// </summary>
public static class WfsExceptionReport
{
    public const string OwsNamespace = "http://www.opengis.net/ows/1.1";

    // The platform throws lower-case REST names from shared code; WFS clients know the KVP names.
    private static readonly Dictionary<string, string> ParameterNames = new(StringComparer.Ordinal)
    {
        ["filter"] = "FILTER",
        ["bbox"] = "BBOX",
        ["properties"] = "PROPERTYNAME",
    };

    /// <summary>The report for a failure, or null when it is not a refusal of the request (a server fault).</summary>
    public static WfsException? Describe(Exception exception) => exception switch
    {
        WfsException e => e,
        InvalidParameterException e => new WfsException(OwsExceptionCode.InvalidParameterValue,
            ParameterNames.GetValueOrDefault(e.Parameter, e.Parameter), e.Message),
        ResourceNotFoundException e => new WfsException(OwsExceptionCode.NotFound, null, e.Message),
        DomainRuleViolationException e => new WfsException(OwsExceptionCode.NoApplicableCode, null, e.Message),
        BadHttpRequestException e => new WfsException(OwsExceptionCode.OperationParsingFailed, null, e.Message),
        XmlException e => new WfsException(OwsExceptionCode.OperationParsingFailed, null, $"The XML is not well formed or not allowed: {e.Message}"),
        _ => null,
    };

    public static int StatusOf(string code) => code switch
    {
        OwsExceptionCode.NotFound => StatusCodes.Status404NotFound,
        OwsExceptionCode.OperationNotSupported => StatusCodes.Status501NotImplemented,
        OwsExceptionCode.NoApplicableCode => StatusCodes.Status500InternalServerError,
        _ => StatusCodes.Status400BadRequest,
    };

    public static async Task WriteAsync(HttpContext http, WfsException report, CancellationToken ct)
    {
        http.Response.Clear();
        http.Response.StatusCode = StatusOf(report.Code);
        http.Response.ContentType = "application/xml; charset=utf-8";
        await http.Response.WriteAsync(Render(report), Encoding.UTF8, ct);
    }

    public static string Render(WfsException report)
    {
        var text = new StringBuilder();
        using (var xml = XmlWriter.Create(text, new XmlWriterSettings { Indent = true, OmitXmlDeclaration = true }))
        {
            xml.WriteStartElement("ows", "ExceptionReport", OwsNamespace);
            xml.WriteAttributeString("version", "2.0.0");
            xml.WriteAttributeString("xml", "lang", null, "en");
            xml.WriteStartElement("ows", "Exception", OwsNamespace);
            xml.WriteAttributeString("exceptionCode", report.Code);
            if (report.Locator is not null)
            {
                xml.WriteAttributeString("locator", report.Locator);
            }

            xml.WriteElementString("ows", "ExceptionText", OwsNamespace, report.Message);
            xml.WriteEndElement();
            xml.WriteEndElement();
        }

        return "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n" + text;
    }

    /// <summary>Runs a WFS operation; a refusal becomes an ExceptionReport, a server fault is logged and reported without detail.</summary>
    public static async Task RunAsync(HttpContext http, ILogger log, Func<Task> operation, CancellationToken ct)
    {
        try
        {
            await operation();
        }
        catch (OperationCanceledException) when (http.RequestAborted.IsCancellationRequested)
        {
            throw;
        }
        catch (Exception e) when (Describe(e) is { } report)
        {
            if (http.Response.HasStarted)
            {
                http.Abort();
                return;
            }

            await WriteAsync(http, report, ct);
        }
        catch (Exception e) when (!http.Response.HasStarted && e is not OperationCanceledException)
        {
            log.LogError(e, "WFS request failed: {Query}", http.Request.QueryString.Value);
            await WriteAsync(http, new WfsException(OwsExceptionCode.NoApplicableCode, null,
                $"The server failed to answer; the failure is logged under trace id {http.TraceIdentifier}."), ct);
        }
    }
}
