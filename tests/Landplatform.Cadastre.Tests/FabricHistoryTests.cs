using Landplatform.Cadastre.Contracts;
using Landplatform.Cadastre.Data;
using Landplatform.Cadastre.Fabric;
using Landplatform.Testing;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;

namespace Landplatform.Cadastre.Tests;

public sealed class FabricHistoryTests(SampleIslandDatabase database) : IClassFixture<SampleIslandDatabase>
{
    private static readonly DateTimeOffset SubdividedAt = new(2024, 3, 15, 14, 0, 0, TimeSpan.Zero);

    [Fact]
    public async Task Subdivision_retires_the_parent_creates_children_and_records_lineage()
    {
        var parent = await database.SplittableParcelAsync(skip: 0);
        var result = await database.SubdivideInTwoAsync(parent, SubdividedAt);

        Assert.Equal(2, result.ChildUpis.Count);
        await using var services = database.CadastreServices();
        await using var scope = services.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<CadastreDbContext>();

        var retired = await db.ParcelVersions.SingleAsync(p => p.Upi == parent.Upi);
        Assert.Equal(ParcelStatus.Historic, retired.Status);
        Assert.Equal(SubdividedAt, retired.ValidTo);
        Assert.Equal(result.TransactionId, retired.RetiredByTransactionId);

        var children = await db.ParcelVersions.Where(p => result.ChildUpis.Contains(p.Upi)).ToListAsync();
        Assert.All(children, c => Assert.Equal(ParcelStatus.Current, c.Status));
        Assert.All(children, c => Assert.Equal(SubdividedAt, c.ValidFrom));
        Assert.Equal(parent.ComputedArea, children.Sum(c => c.ComputedArea), precision: 2);

        var edges = await db.Lineage.Where(e => e.ParentUpi == parent.Upi).Select(e => e.ChildUpi).OrderBy(u => u).ToListAsync();
        Assert.Equal(result.ChildUpis.Order(StringComparer.Ordinal), edges);

        // The change told the exchange, in the same transaction: one event naming what retired and what was created.
        var payload = await database.ScalarAsync<string>(
            "SELECT payload::text FROM exchange.outbox WHERE type = 'cadastre.fabric.changed' AND correlation_id = @tx", ("tx", result.TransactionId));
        var body = System.Text.Json.JsonDocument.Parse(payload).RootElement;
        Assert.Equal([parent.Upi], body.GetProperty("retired").EnumerateArray().Select(u => u.GetString()));
        Assert.Equal(result.ChildUpis, body.GetProperty("created").EnumerateArray().Select(u => u.GetString()!).ToList());
        Assert.Equal("subdivision", body.GetProperty("kind").GetString());
        var box = parent.Boundary.EnvelopeInternal;
        Assert.Equal(box.MinX, body.GetProperty("extent").GetProperty("minX").GetDouble(), 3);
        Assert.Equal(box.MaxY, body.GetProperty("extent").GetProperty("maxY").GetDouble(), 3);
    }

    [Fact]
    public async Task A_new_UPI_is_never_one_that_was_issued_before_even_when_its_parcel_is_retired()
    {
        var parent = await database.SplittableParcelAsync(skip: 1);
        var block = ParcelIdentifier.BlockOf(parent.Upi);
        var highestBefore = await database.ScalarAsync<int>(
            "SELECT max(lot_number) FROM cadastre.parcel_records WHERE block_code = @block", ("block", block));

        var first = await database.SubdivideInTwoAsync(parent, SubdividedAt);
        var child = await database.ScalarAsync<string>("SELECT @upi::text", ("upi", first.ChildUpis[0]));
        await using (var services = database.CadastreServices())
        {
            await using var scope = services.CreateAsyncScope();
            var db = scope.ServiceProvider.GetRequiredService<CadastreDbContext>();
            var version = await db.ParcelVersions.AsNoTracking().SingleAsync(p => p.Upi == child);
            var second = await database.SubdivideInTwoAsync(version, SubdividedAt.AddDays(30));
            var issued = first.ChildUpis.Concat(second.ChildUpis).ToList();

            Assert.Equal(issued.Count, issued.Distinct().Count());
            Assert.All(issued, u => Assert.StartsWith(block + "-", u, StringComparison.Ordinal));
            Assert.All(issued, u => Assert.True(int.Parse(u[(u.LastIndexOf('-') + 1)..], System.Globalization.CultureInfo.InvariantCulture) > highestBefore));
        }

        var duplicate = await Assert.ThrowsAsync<PostgresException>(() => database.ScalarAsync<object>(
            "INSERT INTO cadastre.parcel_records (upi, district_code, block_code, lot_number, issued_at, issued_by_transaction_id) "
            + "SELECT upi, district_code, block_code, lot_number + 1000, now(), issued_by_transaction_id FROM cadastre.parcel_records WHERE upi = @upi",
            ("upi", parent.Upi)));
        Assert.Equal(PostgresErrorCodes.UniqueViolation, duplicate.SqlState);

        var erase = await Assert.ThrowsAsync<PostgresException>(() => database.ScalarAsync<object>(
            "DELETE FROM cadastre.parcel_records WHERE upi = @upi", ("upi", parent.Upi)));
        Assert.Equal("LPH01", erase.SqlState);
    }

    [Fact]
    public async Task History_cannot_be_deleted_truncated_or_rewritten_even_in_plain_SQL()
    {
        var parent = await database.SplittableParcelAsync(skip: 2);
        await database.SubdivideInTwoAsync(parent, SubdividedAt);

        var rewrite = await Assert.ThrowsAsync<PostgresException>(() => database.ScalarAsync<object>(
            "UPDATE cadastre.parcel_versions SET land_use = 'commercial' WHERE upi = @upi AND status = 'historic'", ("upi", parent.Upi)));
        Assert.Equal("LPH02", rewrite.SqlState);

        var reopen = await Assert.ThrowsAsync<PostgresException>(() => database.ScalarAsync<object>(
            "UPDATE cadastre.parcel_versions SET valid_from = valid_from - interval '1 day' WHERE upi = @upi", ("upi", parent.Upi)));
        Assert.Equal("LPH02", reopen.SqlState);

        var delete = await Assert.ThrowsAsync<PostgresException>(() => database.ScalarAsync<object>(
            "DELETE FROM cadastre.parcel_versions WHERE upi = @upi", ("upi", parent.Upi)));
        Assert.Equal("LPH01", delete.SqlState);

        var truncate = await Assert.ThrowsAsync<PostgresException>(() => database.ScalarAsync<object>("TRUNCATE cadastre.lineage_edges CASCADE"));
        Assert.Equal("LPH01", truncate.SqlState);

        Assert.Equal(1L, await database.ScalarAsync<long>(
            "SELECT count(*) FROM cadastre.parcel_versions WHERE upi = @upi AND status = 'historic'", ("upi", parent.Upi)));
    }

    [Fact]
    public async Task Two_versions_of_one_parcel_can_never_be_in_force_at_the_same_moment()
    {
        var parcel = await database.SplittableParcelAsync(skip: 3);
        var overlap = await Assert.ThrowsAsync<PostgresException>(() => database.ScalarAsync<object>("""
            INSERT INTO cadastre.parcel_versions (upi, version, boundary, official_area, land_use, district_code, block_code,
                                                  status, valid_from, transaction_id)
            SELECT upi, version + 1, boundary, official_area, land_use, district_code, block_code, 'current',
                   valid_from + interval '1 day', transaction_id
            FROM cadastre.parcel_versions WHERE upi = @upi
            """, ("upi", parcel.Upi)));
        Assert.Equal(PostgresErrorCodes.ExclusionViolation, overlap.SqlState);
    }

    [Fact]
    public async Task A_retired_parcel_cannot_be_subdivided_again()
    {
        var parent = await database.SplittableParcelAsync(skip: 4);
        await database.SubdivideInTwoAsync(parent, SubdividedAt);
        var retired = parent;

        var refusal = await Assert.ThrowsAsync<DomainRuleViolationException>(() => database.SubdivideInTwoAsync(retired, SubdividedAt.AddDays(1)));
        Assert.Equal("fabric-parent-current", refusal.Rule);
        Assert.Contains(parent.Upi, refusal.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_child_outside_the_national_grid_is_refused_and_nothing_changes()
    {
        var parent = await database.SplittableParcelAsync(skip: 5);
        var halves = FabricScenarios.SplitInTwo(parent.Boundary);
        halves[1].SRID = 4326;
        await using var services = database.CadastreServices();
        await using var scope = services.CreateAsyncScope();
        var changes = scope.ServiceProvider.GetRequiredService<FabricChanges>();

        var refusal = await Assert.ThrowsAsync<InvalidParameterException>(() => changes.ApplyAsync(
            new FabricChangeRequest(FabricTransactionKind.Subdivision, [parent.Upi],
                halves.Select(h => new NewParcel(h, 100m, "residential", null)).ToList(), "bad", "test", SubdividedAt),
            CancellationToken.None));

        Assert.Equal("children[1].boundary", refusal.Parameter);
        Assert.Equal("national-grid", refusal.Rule);
        Assert.Equal("current", await database.ScalarAsync<string>(
            "SELECT status FROM cadastre.parcel_versions WHERE upi = @upi", ("upi", parent.Upi)));
    }
}
