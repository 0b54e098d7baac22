using System.Text.RegularExpressions;

namespace Landplatform.Cadastre.Surveys.Formats;

/// <summary>
/// What a survey GeoPackage's schema may hold besides tables: no view, and no trigger but those the GeoPackage
/// specification (and GDAL, which writes most GeoPackages) creates — the RTree spatial index's <c>rtree_&lt;table&gt;_&lt;column&gt;_*</c>
/// triggers that write only their rtree table, GDAL's feature-count triggers that write only <c>gpkg_ogr_contents</c>,
/// and the specification's <c>gpkg_*</c> constraint triggers that write nothing. A trigger is judged by its SQL,
/// not only its name. The file is opened read-only, so none could fire; the rule keeps a file data, never a program.
/// </summary>
internal static partial class GeoPackageSchema
{
    private static readonly HashSet<string> Keywords = new(StringComparer.OrdinalIgnoreCase)
    {
        "SELECT", "WHERE", "AND", "OR", "NOT", "IN", "EXISTS", "VALUES", "LIKE", "GLOB", "WHEN", "THEN", "ELSE", "ON", "FROM", "AS", "BEGIN", "IS", "CASE", "NULL",
    };

    private static readonly HashSet<string> RtreeFunctions = new(StringComparer.OrdinalIgnoreCase) { "ST_MinX", "ST_MaxX", "ST_MinY", "ST_MaxY", "ST_IsEmpty" };

    private static readonly HashSet<string> CountFunctions = new(StringComparer.OrdinalIgnoreCase) { "lower" };

    private static readonly HashSet<string> ConstraintFunctions = new(StringComparer.OrdinalIgnoreCase) { "RAISE", "lower", "strftime" };

    /// <summary>One row of sqlite_master.</summary>
    public sealed record Entry(int Position, string Type, string Name, string Table, string? Sql);

    /// <summary>Refuses a view or a trigger that is not the specification's (S-SCHEMA), naming it and its place in the schema only.</summary>
    public static void Check(IReadOnlyList<Entry> schema)
    {
        foreach (var entry in schema)
        {
            if (entry.Type == "view")
            {
                throw SurveyUnreadableException.Because(
                    $"The GeoPackage holds a view, '{SurveyFeatureSet.Printable(entry.Name)}' (schema entry {entry.Position}); a survey GeoPackage holds tables only, and views are refused.");
            }

            if (entry.Type == "trigger" && !IsSpecificationTrigger(entry, schema))
            {
                throw SurveyUnreadableException.Because(
                    $"The GeoPackage holds the trigger '{SurveyFeatureSet.Printable(entry.Name)}' (schema entry {entry.Position}), which is not one the GeoPackage specification defines (such as its rtree_ spatial-index triggers); triggers are refused.");
            }
        }
    }

    private static bool IsSpecificationTrigger(Entry trigger, IReadOnlyList<Entry> schema)
    {
        if (trigger.Sql is null)
        {
            return false;
        }

        var tokens = Tokens(trigger.Sql);
        if (tokens is null)
        {
            return false;
        }

        var rtree = RtreeTrigger().Match(trigger.Name);
        if (rtree.Success && trigger.Name.StartsWith("rtree_" + trigger.Table + "_", StringComparison.Ordinal))
        {
            var index = rtree.Groups[1].Value;
            var isRtreeTable = schema.Any(e => e.Type == "table" && e.Name == index && e.Sql is not null &&
                Regex.IsMatch(e.Sql, @"^\s*CREATE\s+VIRTUAL\s+TABLE\s+\S+\s+USING\s+rtree\s*\(", RegexOptions.IgnoreCase));
            return isRtreeTable && WritesOnly(tokens, index) && CallsOnly(tokens, RtreeFunctions, index);
        }

        if (trigger.Name == "trigger_insert_feature_count_" + trigger.Table || trigger.Name == "trigger_delete_feature_count_" + trigger.Table)
        {
            return WritesOnly(tokens, "gpkg_ogr_contents") && CallsOnly(tokens, CountFunctions, "gpkg_ogr_contents");
        }

        if (trigger.Name.StartsWith("gpkg_", StringComparison.Ordinal) && trigger.Table.StartsWith("gpkg_", StringComparison.Ordinal))
        {
            return WritesOnly(tokens, target: null) && CallsOnly(tokens, ConstraintFunctions, target: null);
        }

        return false;
    }

    /// <summary>Every INSERT, REPLACE, UPDATE or DELETE in the trigger's body names <paramref name="target"/> (none at all when null).</summary>
    private static bool WritesOnly(List<string> tokens, string? target)
    {
        var body = tokens.FindIndex(t => t.Equals("BEGIN", StringComparison.OrdinalIgnoreCase));
        if (body < 0)
        {
            return false;
        }

        for (var i = body + 1; i < tokens.Count; i++)
        {
            var word = tokens[i].ToUpperInvariant();
            if (word is not ("INSERT" or "REPLACE" or "UPDATE" or "DELETE"))
            {
                continue;
            }

            var j = i + 1;
            while (j < tokens.Count && tokens[j].ToUpperInvariant() is "OR" or "INTO" or "FROM" or "REPLACE" or "ABORT" or "FAIL" or "IGNORE" or "ROLLBACK")
            {
                j++;
            }

            if (target is null || j >= tokens.Count || !tokens[j].Equals(target, StringComparison.OrdinalIgnoreCase) || (j + 1 < tokens.Count && tokens[j + 1] == "."))
            {
                return false;
            }

            i = j;
        }

        return true;
    }

    /// <summary>Every name called as a function is an SQL keyword, the written table (an INSERT's column list), or one of <paramref name="functions"/>.</summary>
    private static bool CallsOnly(List<string> tokens, HashSet<string> functions, string? target)
    {
        for (var i = 0; i + 1 < tokens.Count; i++)
        {
            if (tokens[i + 1] == "(" && tokens[i] != "(" && tokens[i] != "," && !Keywords.Contains(tokens[i]) && !functions.Contains(tokens[i]) &&
                !(target is not null && tokens[i].Equals(target, StringComparison.OrdinalIgnoreCase)) && !IsPunctuation(tokens[i]))
            {
                return false;
            }
        }

        return true;
    }

    private static bool IsPunctuation(string token) => token.Length == 1 && !char.IsLetterOrDigit(token[0]) && token[0] != '_';

    /// <summary>The statement's words, unquoted names and punctuation, string literals as <c>'</c>; null when it does not lex (an unclosed quote).</summary>
    private static List<string>? Tokens(string sql)
    {
        var tokens = new List<string>();
        var i = 0;
        while (i < sql.Length)
        {
            var c = sql[i];
            if (char.IsWhiteSpace(c))
            {
                i++;
            }
            else if (c == '-' && i + 1 < sql.Length && sql[i + 1] == '-')
            {
                while (i < sql.Length && sql[i] != '\n')
                {
                    i++;
                }
            }
            else if (c == '/' && i + 1 < sql.Length && sql[i + 1] == '*')
            {
                var end = sql.IndexOf("*/", i + 2, StringComparison.Ordinal);
                if (end < 0)
                {
                    return null;
                }

                i = end + 2;
            }
            else if (c is '\'' or '"' or '`' or '[')
            {
                var close = c == '[' ? ']' : c;
                var text = new System.Text.StringBuilder();
                i++;
                while (true)
                {
                    if (i >= sql.Length)
                    {
                        return null;
                    }

                    if (sql[i] == close)
                    {
                        if (close != ']' && i + 1 < sql.Length && sql[i + 1] == close)
                        {
                            text.Append(close);
                            i += 2;
                            continue;
                        }

                        i++;
                        break;
                    }

                    text.Append(sql[i++]);
                }

                tokens.Add(c == '\'' ? "'" : text.ToString());
            }
            else if (char.IsLetterOrDigit(c) || c == '_')
            {
                var start = i;
                while (i < sql.Length && (char.IsLetterOrDigit(sql[i]) || sql[i] is '_' or '$'))
                {
                    i++;
                }

                tokens.Add(sql[start..i]);
            }
            else
            {
                tokens.Add(c.ToString());
                i++;
            }
        }

        return tokens;
    }

    [GeneratedRegex(@"^(rtree_.+)_(?:insert|update[1-7]|delete)$")]
    private static partial Regex RtreeTrigger();
}
