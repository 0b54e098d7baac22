namespace Landplatform.Cadastre.Contracts;

/// <summary>What the runtime database role may never do to a table's recorded rows.</summary>
public enum HistoryRule
{
    /// <summary>Rows are only ever added: no UPDATE, DELETE or TRUNCATE.</summary>
    AppendOnly,

    /// <summary>Rows change in guarded ways (a version closed, a right ended) but are never removed: no DELETE or TRUNCATE.</summary>
    NeverDeleted,
}

/// <summary>
/// A table a module keeps as history (its guard triggers say so); each module publishes its list, and the host's
/// runtime grants withhold the refused privileges, so PostgreSQL refuses them before any trigger runs.
/// </summary>
/// <param name="Name">Schema-qualified, e.g. <c>registry.journal</c>.</param>
public sealed record HistoryTable(string Name, HistoryRule Rule);
