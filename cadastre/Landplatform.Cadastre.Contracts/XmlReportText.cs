using System.Xml;

namespace Landplatform.Cadastre.Contracts;

/// <summary>Text for an XML report that may quote a request's value: characters XML cannot carry become U+FFFD, so the report stays well-formed.</summary>
public static class XmlReportText
{
    public static string Safe(string text) =>
        text.All(XmlConvert.IsXmlChar) ? text : new string(text.Select(c => XmlConvert.IsXmlChar(c) ? c : '\uFFFD').ToArray());
}
