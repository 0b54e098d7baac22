using System.Net;
using System.Text;
using System.Text.Json.Nodes;

namespace Landplatform.GisServer.Ogc.Features;

/// <summary>Plain, accessible HTML for the Features API: no scripts, no external assets.</summary>
public static class HtmlPage
{
    public const string ContentType = "text/html; charset=utf-8";

    public static string Start(string title) =>
        $"""
        <!DOCTYPE html>
        <html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
        <title>{Encode(title)}</title>
        <style>body{"{"}font-family:system-ui,sans-serif;margin:1.5rem;max-width:80rem;line-height:1.4{"}"}
        table{"{"}border-collapse:collapse{"}"}th,td{"{"}border:1px solid #888;padding:.25rem .5rem;text-align:left;vertical-align:top{"}"}
        caption{"{"}text-align:left;font-weight:bold;padding:.5rem 0{"}"}dt{"{"}font-weight:bold{"}"}a{"{"}color:#0645ad{"}"}</style>
        </head><body><header><nav aria-label="Service"><a href="/ogc">Landing page</a> · <a href="/ogc/collections">Collections</a></nav></header>
        <main><h1>{Encode(title)}</h1>
        """;

    public const string End = "</main></body></html>";

    public static string Encode(string? text) => WebUtility.HtmlEncode(text ?? string.Empty);

    /// <summary>Renders a JSON document (landing page, collections, queryables) as headings, links and definition lists.</summary>
    public static string Document(string title, JsonNode document)
    {
        var html = new StringBuilder(Start(title));
        Node(html, document, level: 2);
        return html.Append(End).ToString();
    }

    private static void Node(StringBuilder html, JsonNode? node, int level)
    {
        switch (node)
        {
            case JsonObject obj when obj.ContainsKey("href"):
                var label = obj["title"]?.ToString() ?? obj["rel"]?.ToString() ?? obj["href"]!.ToString();
                html.Append("<a href=\"").Append(Encode(obj["href"]!.ToString())).Append("\">").Append(Encode(label)).Append("</a>");
                if (obj["type"] is { } type)
                {
                    html.Append(" <small>(").Append(Encode(obj["rel"]?.ToString())).Append(", ").Append(Encode(type.ToString())).Append(")</small>");
                }

                break;
            case JsonObject obj:
                html.Append("<dl>");
                foreach (var (key, value) in obj)
                {
                    html.Append("<dt>").Append(Encode(key)).Append("</dt><dd>");
                    Node(html, value, level + 1);
                    html.Append("</dd>");
                }

                html.Append("</dl>");
                break;
            case JsonArray array:
                html.Append("<ul>");
                foreach (var item in array)
                {
                    html.Append("<li>");
                    Node(html, item, level + 1);
                    html.Append("</li>");
                }

                html.Append("</ul>");
                break;
            case null:
                html.Append("<em>none</em>");
                break;
            default:
                var text = node.ToString();
                if (text.StartsWith("http", StringComparison.Ordinal))
                {
                    html.Append("<a href=\"").Append(Encode(text)).Append("\">").Append(Encode(text)).Append("</a>");
                }
                else
                {
                    html.Append(Encode(text));
                }

                break;
        }
    }
}
