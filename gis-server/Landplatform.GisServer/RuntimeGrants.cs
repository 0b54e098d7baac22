using System.Text.RegularExpressions;
using Landplatform.Cadastre;
using Landplatform.Cadastre.Contracts;
using Landplatform.Integrations.Customs;
using Landplatform.Integrations.Documents;
using Landplatform.Integrations.Identity;
using Landplatform.Integrations.Tax;
using Landplatform.Registry;
using Npgsql;

namespace Landplatform.GisServer;

/// <summary>
/// What the runtime role (the server's <c>LP_CONNECTION_STRING</c>) may do, granted by the owner role after every
/// module's migrations: the DML it needs in every schema the owner owns, sequences, functions, temporary tables;
/// never DDL, never TRUNCATE, and none of what the modules' history tables refuse. Idempotent; default privileges
/// cover tables a later migration creates until the next <c>migrate</c> applies the history rules to them.
/// </summary>
public static partial class RuntimeGrants
{
    /// <summary>Every module's history tables: the contract each module publishes.</summary>
    public static IReadOnlyList<HistoryTable> HistoryTables { get; } =
        [.. CadastreModule.HistoryTables, .. RegistryModule.HistoryTables, .. IdentityModule.HistoryTables, .. DocumentsModule.HistoryTables, .. Landplatform.Integrations.Deeds.DeedsModule.HistoryTables, .. TaxModule.HistoryTables, .. CustomsModule.HistoryTables];

    /// <summary>The grants for <paramref name="runtimeRole"/>, to run as the owner of the schemas.</summary>
    public static string Script(string runtimeRole)
    {
        if (!RoleName().IsMatch(runtimeRole))
        {
            throw new ArgumentException($"'{runtimeRole}' is not a plain role name (lower-case letters, digits, _)", nameof(runtimeRole));
        }

        var history = string.Join("\n", HistoryTables.Select(t => t.Rule == HistoryRule.AppendOnly
            ? $"  REVOKE UPDATE, DELETE, TRUNCATE ON {t.Name} FROM {runtimeRole};"
            : $"  REVOKE DELETE, TRUNCATE ON {t.Name} FROM {runtimeRole};"));
        return $$"""
            DO $grants$
            DECLARE s text; t regclass;
            BEGIN
              EXECUTE format('GRANT CONNECT, TEMPORARY ON DATABASE %I TO {{runtimeRole}}', current_database());
              REVOKE CREATE ON SCHEMA public FROM PUBLIC;
              FOR s IN SELECT nspname FROM pg_namespace WHERE nspowner = (SELECT oid FROM pg_roles WHERE rolname = current_user) LOOP
                EXECUTE format('GRANT USAGE ON SCHEMA %I TO {{runtimeRole}}', s);
                EXECUTE format('REVOKE CREATE ON SCHEMA %I FROM {{runtimeRole}}', s);
                EXECUTE format('REVOKE TRUNCATE, REFERENCES, TRIGGER ON ALL TABLES IN SCHEMA %I FROM {{runtimeRole}}', s);
                EXECUTE format('GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA %I TO {{runtimeRole}}', s);
                EXECUTE format('GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA %I TO {{runtimeRole}}', s);
                EXECUTE format('GRANT EXECUTE ON ALL FUNCTIONS IN SCHEMA %I TO {{runtimeRole}}', s);
              END LOOP;
              -- Each module's migration history is read, never written, at runtime.
              FOR t IN SELECT c.oid FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
                       WHERE c.relname = '__migrations' AND n.nspowner = (SELECT oid FROM pg_roles WHERE rolname = current_user) LOOP
                EXECUTE format('REVOKE INSERT, UPDATE, DELETE ON %s FROM {{runtimeRole}}', t);
              END LOOP;
            {{history}}
              ALTER DEFAULT PRIVILEGES GRANT USAGE ON SCHEMAS TO {{runtimeRole}};
              ALTER DEFAULT PRIVILEGES GRANT SELECT, INSERT, UPDATE, DELETE ON TABLES TO {{runtimeRole}};
              ALTER DEFAULT PRIVILEGES GRANT USAGE, SELECT ON SEQUENCES TO {{runtimeRole}};
            END $grants$;
            """;
    }

    /// <summary>Applies <see cref="Script"/> over <paramref name="owner"/>, a connection as the owner role.</summary>
    public static async Task ApplyAsync(NpgsqlDataSource owner, string runtimeRole, CancellationToken ct)
    {
        await using var command = owner.CreateCommand(Script(runtimeRole));
        await command.ExecuteNonQueryAsync(ct);
    }

    [GeneratedRegex("^[a-z_][a-z0-9_]{0,62}$")]
    private static partial Regex RoleName();
}
