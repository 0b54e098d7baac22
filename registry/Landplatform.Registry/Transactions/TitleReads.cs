using Landplatform.Registry.Data;
using Npgsql;

namespace Landplatform.Registry.Transactions;

/// <summary>What the rules and a registration read about one transaction's title.</summary>
/// <param name="Earlier">The earliest pending transaction lodged before this one on the title (read when registering only).</param>
/// <param name="Current">The rights in force, in the order they were registered.</param>
/// <param name="Owners">The holders of the ownership rights in force, with their shares.</param>
/// <param name="Children">For a subdivision: the current parcels the fabric made of the title's parcels, not yet on any title.</param>
/// <param name="Parties">The parties the instrument names, as the register holds them (those it knows).</param>
/// <param name="MergedInto">For a merge: the open title an earlier parent's merge opened over the child, and its owners (<see cref="OwnersKey"/>).</param>
internal sealed record TitleState(
    Title Title,
    (Guid Id, DateTimeOffset LodgedAt, TransactionState State)? Earlier,
    IReadOnlyList<RegisteredRight> Current,
    IReadOnlyList<OwnerShare> Owners,
    IReadOnlyList<(string Kind, string Sha256)> Documents,
    IReadOnlyList<string> Parcels,
    IReadOnlyList<string> Children,
    IReadOnlyDictionary<long, OwnerShare> Parties,
    (string TitleNumber, string Owners)? MergedInto = null)
{
    /// <summary>The ownership in force as one comparable text: party:numerator/denominator, by party and share.</summary>
    public static string OwnersKey(IEnumerable<RegisteredRight> rights) => string.Join(",",
        rights.Where(r => r.Kind == RightKind.Ownership).OrderBy(r => r.PartyId).ThenBy(r => r.ShareNumerator).ThenBy(r => r.ShareDenominator)
            .Select(r => $"{r.PartyId}:{r.ShareNumerator}/{r.ShareDenominator}"));

    /// <summary>The party an instrument names as this read found it, matched by party id, else UIN, else registration number.</summary>
    public OwnerShare? Known(PartyReference reference) =>
        Parties.Values.FirstOrDefault(p =>
            reference.PartyId is { } id ? p.PartyId == id
            : reference.Uin is { } uin ? p.Uin == uin
            : p.RegistrationNumber == reference.RegistrationNumber);
}

/// <summary>What one read of the register found for a set of transactions, by transaction and by title.</summary>
internal sealed record TitleReads(
    Dictionary<Guid, RegistryTransaction> Transactions,
    Dictionary<string, Title> Titles,
    Dictionary<Guid, (Guid Id, DateTimeOffset LodgedAt, TransactionState State)> Earlier,
    Dictionary<string, List<(RegisteredRight Right, OwnerShare Holder)>> Current,
    Dictionary<Guid, List<(string Kind, string Sha256)>> Documents,
    Dictionary<string, List<string>> Parcels,
    Dictionary<string, List<string>> Children,
    Dictionary<long, OwnerShare> Parties,
    Dictionary<string, (string TitleNumber, string Owners)> MergedInto)
{
    /// <summary>The title state one transaction's rules read; null when its title is unknown.</summary>
    public TitleState? StateOf(RegistryTransaction transaction)
    {
        if (transaction.TitleNumber is not { } number || !Titles.TryGetValue(number, out var title))
        {
            return null;
        }

        var current = Current.GetValueOrDefault(number) ?? [];
        return new TitleState(
            title,
            Earlier.TryGetValue(transaction.Id, out var earlier) ? earlier : null,
            [.. current.Select(c => c.Right)],
            [.. current.Where(c => c.Right.Kind == RightKind.Ownership).Select(c => c.Holder)],
            Documents.GetValueOrDefault(transaction.Id) ?? [],
            Parcels.GetValueOrDefault(number) ?? [],
            Children.GetValueOrDefault(number) ?? [],
            Parties,
            MergedInto.TryGetValue(number, out var into) ? into : null);
    }

    /// <summary>
    /// The one reader of titles for examination and registration. In one batch (one round trip): the transactions
    /// locked for update (by id); the titles of those in state <paramref name="expected"/> (locked for update, in
    /// title order, when <paramref name="forRegistration"/>, so two batches cannot deadlock); then for those the
    /// earliest pending transaction lodged before each (registering only: priority is decided under the lock), the
    /// rights in force with their holders, the documents, the parcels, a subdivision's or merge's new child parcels (from
    /// the cadastre's published fabric, never written), for a merge the title an earlier parent's merge opened over the
    /// child, and the parties the instruments name. Each statement runs after
    /// the one before, so everything after the locks sees the titles as the lock holders left them.
    /// </summary>
    public static async Task<TitleReads> ReadAsync(NpgsqlConnection connection, Guid[] ids, TransactionState expected, bool forRegistration, CancellationToken ct)
    {
        const string Selected = "SELECT x.title_number FROM registry.transactions x WHERE x.id = ANY(@ids) AND x.state = @state";
        await using var batch = new NpgsqlBatch(connection);
        NpgsqlBatchCommand Add(string sql)
        {
            var command = new NpgsqlBatchCommand(sql);
            command.Parameters.AddWithValue("ids", ids);
            command.Parameters.AddWithValue("state", Stored(expected));
            batch.BatchCommands.Add(command);
            return command;
        }

        Add("""
            SELECT id, kind, state, title_number, instrument::text, instrument_date, lodged_at, lodged_by
            FROM registry.transactions WHERE id = ANY(@ids) ORDER BY id FOR UPDATE
            """);
        Add($"""
            SELECT title_number, opened_at, opened_by_transaction_id, closed_at, closed_by_transaction_id
            FROM registry.titles WHERE title_number IN ({Selected}) ORDER BY title_number{(forRegistration ? " FOR UPDATE" : string.Empty)}
            """);
        var priority = Add($$"""
            SELECT x.id, e.id, e.lodged_at, e.state FROM registry.transactions x
            CROSS JOIN LATERAL (
                SELECT t.id, t.lodged_at, t.state FROM registry.transactions t
                WHERE {{Priority.EarlierSql}} AND t.state = ANY(@pending)
                ORDER BY t.day_book_seq LIMIT 1) e
            WHERE x.id = ANY(@ids) AND x.state = @state AND @registering
            """);
        priority.Parameters.AddWithValue("pending", Priority.Pending.Select(Stored).ToArray());
        priority.Parameters.AddWithValue("registering", forRegistration);
        Add($"""
            SELECT r.id, r.title_number, r.kind, r.party_id, r.share_numerator, r.share_denominator, r.amount, r.terms, r.valid_from,
                   r.created_by_transaction_id, p.name, p.uin, p.registration_number
            FROM registry.rights r JOIN registry.parties p ON p.id = r.party_id
            WHERE r.title_number IN ({Selected}) AND r.valid_to IS NULL ORDER BY r.id
            """);
        Add("SELECT transaction_id, kind, sha256 FROM registry.transaction_documents WHERE transaction_id = ANY(@ids) ORDER BY id");
        Add($"SELECT title_number, upi FROM registry.title_parcels WHERE title_number IN ({Selected}) ORDER BY upi");
        Add("""
            SELECT DISTINCT tp.title_number, e.child_upi FROM registry.title_parcels tp
            JOIN cadastre.lineage_edges e ON e.parent_upi = tp.upi
            JOIN cadastre.parcel_versions v ON v.upi = e.child_upi AND v.status = 'current'
            WHERE tp.title_number IN (SELECT x.title_number FROM registry.transactions x WHERE x.id = ANY(@ids) AND x.state = @state AND x.kind IN ('subdivision', 'merge'))
              AND NOT EXISTS (SELECT 1 FROM registry.title_parcels taken WHERE taken.upi = e.child_upi)
            ORDER BY e.child_upi
            """);
        Add("""
            SELECT DISTINCT tp.title_number, held.title_number,
                   (SELECT coalesce(string_agg(r.party_id || ':' || r.share_numerator || '/' || r.share_denominator, ','
                                               ORDER BY r.party_id, r.share_numerator, r.share_denominator), '')
                    FROM registry.rights r WHERE r.title_number = held.title_number AND r.valid_to IS NULL AND r.kind = 'ownership')
            FROM registry.title_parcels tp
            JOIN cadastre.lineage_edges e ON e.parent_upi = tp.upi
            JOIN cadastre.parcel_versions v ON v.upi = e.child_upi AND v.status = 'current'
            JOIN registry.title_parcels held ON held.upi = e.child_upi
            JOIN registry.titles h ON h.title_number = held.title_number AND h.closed_at IS NULL
            WHERE tp.title_number IN (SELECT x.title_number FROM registry.transactions x WHERE x.id = ANY(@ids) AND x.state = @state AND x.kind = 'merge')
            """);
        Add("""
            WITH named AS MATERIALIZED (
                SELECT g.value AS party FROM registry.transactions t
                CROSS JOIN LATERAL jsonb_array_elements(
                    CASE WHEN jsonb_typeof(t.instrument -> 'grantees') = 'array' THEN t.instrument -> 'grantees' ELSE '[]'::jsonb END
                    || CASE WHEN jsonb_typeof(t.instrument -> 'beneficiary') = 'object' THEN jsonb_build_array(t.instrument -> 'beneficiary') ELSE '[]'::jsonb END) g
                WHERE t.id = ANY(@ids) AND t.state = @state)
            SELECT p.id, p.name, p.uin, p.registration_number FROM registry.parties p
            WHERE p.id IN (SELECT (n.party ->> 'partyId')::bigint FROM named n WHERE jsonb_typeof(n.party -> 'partyId') = 'number')
            UNION
            SELECT p.id, p.name, p.uin, p.registration_number FROM registry.parties p
            WHERE p.uin IN (SELECT n.party ->> 'uin' FROM named n WHERE jsonb_typeof(n.party -> 'uin') = 'string')
            UNION
            SELECT p.id, p.name, p.uin, p.registration_number FROM registry.parties p
            WHERE p.registration_number IN (SELECT n.party ->> 'registrationNumber' FROM named n WHERE jsonb_typeof(n.party -> 'registrationNumber') = 'string')
            """);

        // Prepared: planning these statements costs the database more than running them. A connection prepares them
        // once (one round trip) and keeps them; later batches on it only execute.
        await batch.PrepareAsync(ct);
        await using var reader = await batch.ExecuteReaderAsync(ct);
        var transactions = new Dictionary<Guid, RegistryTransaction>();
        while (await reader.ReadAsync(ct))
        {
            transactions[reader.GetGuid(0)] = new RegistryTransaction
            {
                Id = reader.GetGuid(0), Kind = ParseEnum<TransactionKind>(reader.GetString(1)), State = ParseEnum<TransactionState>(reader.GetString(2)),
                TitleNumber = reader.IsDBNull(3) ? null : reader.GetString(3), Instrument = reader.GetString(4),
                InstrumentDate = reader.GetFieldValue<DateOnly>(5), LodgedAt = reader.GetFieldValue<DateTimeOffset>(6), LodgedBy = reader.GetString(7),
            };
        }

        var titles = new Dictionary<string, Title>();
        await reader.NextResultAsync(ct);
        while (await reader.ReadAsync(ct))
        {
            titles[reader.GetString(0)] = new Title
            {
                TitleNumber = reader.GetString(0), OpenedAt = reader.GetFieldValue<DateTimeOffset>(1), OpenedByTransactionId = reader.GetGuid(2),
                ClosedAt = reader.IsDBNull(3) ? null : reader.GetFieldValue<DateTimeOffset>(3), ClosedByTransactionId = reader.IsDBNull(4) ? null : reader.GetGuid(4),
            };
        }

        var earlier = new Dictionary<Guid, (Guid, DateTimeOffset, TransactionState)>();
        await reader.NextResultAsync(ct);
        while (await reader.ReadAsync(ct))
        {
            earlier[reader.GetGuid(0)] = (reader.GetGuid(1), reader.GetFieldValue<DateTimeOffset>(2), ParseEnum<TransactionState>(reader.GetString(3)));
        }

        var current = new Dictionary<string, List<(RegisteredRight, OwnerShare)>>();
        await reader.NextResultAsync(ct);
        while (await reader.ReadAsync(ct))
        {
            var right = new RegisteredRight
            {
                Id = reader.GetInt64(0), TitleNumber = reader.GetString(1), Kind = ParseEnum<RightKind>(reader.GetString(2)),
                PartyId = reader.GetInt64(3), ShareNumerator = reader.GetInt64(4), ShareDenominator = reader.GetInt64(5),
                Amount = reader.IsDBNull(6) ? null : reader.GetDecimal(6), Terms = reader.IsDBNull(7) ? null : reader.GetString(7),
                ValidFrom = reader.GetFieldValue<DateTimeOffset>(8), CreatedByTransactionId = reader.GetGuid(9),
            };
            var holder = new OwnerShare(right.PartyId, reader.GetString(10), reader.IsDBNull(11) ? null : reader.GetString(11),
                reader.IsDBNull(12) ? null : reader.GetString(12), $"{right.ShareNumerator}/{right.ShareDenominator}");
            Group(current, right.TitleNumber).Add((right, holder));
        }

        var documents = new Dictionary<Guid, List<(string, string)>>();
        await reader.NextResultAsync(ct);
        while (await reader.ReadAsync(ct))
        {
            Group(documents, reader.GetGuid(0)).Add((reader.GetString(1), reader.GetString(2)));
        }

        var parcels = new Dictionary<string, List<string>>();
        await reader.NextResultAsync(ct);
        while (await reader.ReadAsync(ct))
        {
            Group(parcels, reader.GetString(0)).Add(reader.GetString(1));
        }

        var children = new Dictionary<string, List<string>>();
        await reader.NextResultAsync(ct);
        while (await reader.ReadAsync(ct))
        {
            Group(children, reader.GetString(0)).Add(reader.GetString(1));
        }

        var mergedInto = new Dictionary<string, (string, string)>();
        await reader.NextResultAsync(ct);
        while (await reader.ReadAsync(ct))
        {
            mergedInto[reader.GetString(0)] = (reader.GetString(1), reader.GetString(2));
        }

        var parties = new Dictionary<long, OwnerShare>();
        await reader.NextResultAsync(ct);
        while (await reader.ReadAsync(ct))
        {
            parties[reader.GetInt64(0)] = new OwnerShare(reader.GetInt64(0), reader.GetString(1), reader.IsDBNull(2) ? null : reader.GetString(2),
                reader.IsDBNull(3) ? null : reader.GetString(3), string.Empty);
        }

        return new TitleReads(transactions, titles, earlier, current, documents, parcels, children, parties, mergedInto);
    }

    /// <summary>A state as the transactions table stores it (fees_due, not the fees-due the API shows).</summary>
    public static string Stored(TransactionState state) => RegistryDbContext.SnakeCase(state.ToString());

    private static TEnum ParseEnum<TEnum>(string text) where TEnum : struct, Enum =>
        Enum.Parse<TEnum>(text.Replace("_", string.Empty, StringComparison.Ordinal), true);

    private static List<TValue> Group<TKey, TValue>(Dictionary<TKey, List<TValue>> groups, TKey key) where TKey : notnull =>
        groups.TryGetValue(key, out var list) ? list : groups[key] = [];
}
