using Npgsql;

namespace Landplatform.Continuity.Tests;

/// <summary>
/// One kind of register-grade, append-only change the restore drill makes on the primary and then looks for
/// on the restored copy: exactly those made before the restore point must be there, and the copy's own
/// integrity rules must still hold: fabric subdivisions and registry transfers (<see cref="RegisterChanges.All"/>).
/// </summary>
public interface IRegisterChanges
{
    /// <summary>What the changes are, for messages.</summary>
    string Kind { get; }

    /// <summary>Makes <paramref name="count"/> changes, each committed before this returns; their identifiers.</summary>
    Task<IReadOnlyList<string>> MakeAsync(NpgsqlDataSource primary, int count, CancellationToken ct);

    /// <summary>The identifiers of every change of this kind the database holds.</summary>
    Task<IReadOnlySet<string>> RecordedAsync(NpgsqlDataSource database, CancellationToken ct);

    /// <summary>Fails the drill when the restored copy breaks the rules the module's database enforces.</summary>
    Task VerifyIntegrityAsync(NpgsqlDataSource restored, DrillClusters clusters, CancellationToken ct);
}

public static class RegisterChanges
{
    /// <summary>Every kind the drill exercises, fresh for each drill.</summary>
    public static IReadOnlyList<IRegisterChanges> All() => [new FabricSubdivisions(), new RegistryTransfers()];

    /// <summary>The first column of every row <paramref name="sql"/> returns, as a set: how each kind lists what it recorded.</summary>
    public static async Task<IReadOnlySet<string>> IdsAsync(NpgsqlDataSource database, string sql, CancellationToken ct)
    {
        await using var command = database.CreateCommand(sql);
        await using var rows = await command.ExecuteReaderAsync(ct);
        var ids = new HashSet<string>();
        while (await rows.ReadAsync(ct))
        {
            ids.Add(rows.GetString(0));
        }

        return ids;
    }
}
