using System.Globalization;

namespace Landplatform.Cadastre.Contracts.Payments;

/// <summary>
/// The fee schedule the platform starts with, in East Caribbean dollars (XCD): the payments module seeds its
/// schedule (<c>payments.fees</c>, the one a deployment changes) from these rows, and the registry composed alone
/// (the bench, the continuity drill) charges by them, so no module keeps a second copy that could disagree.
/// </summary>
public static class StandardFees
{
    public const string Currency = "XCD";

    /// <summary>The island's registration fee on a transfer: 40 + 2.50 per 1,000 (or part) of value above 15,000.</summary>
    public const string Transfer = "registry.transfer";

    public const string StampDutyBuyer = "tax.stamp-duty.buyer";

    public const string StampDutySeller = "tax.stamp-duty.seller";

    private static readonly DateOnly Start = new(2026, 1, 1);

    public static IReadOnlyList<ScheduledFeeView> Initial { get; } =
    [
        new(Transfer, "registry", "Registration of a transfer (by value band)", 40.00m, "by value", 2.50m, 15_000m, Start),
        Fixed("registry.mortgage", "registry", "Registration of a mortgage", 100.00m, "per transaction"),
        Fixed("registry.discharge", "registry", "Discharge of a mortgage", 50.00m, "per transaction"),
        Fixed("registry.caveat", "registry", "Lodging a caveat", 50.00m, "per transaction"),
        Fixed("registry.caveat-withdrawal", "registry", "Withdrawal of a caveat", 25.00m, "per transaction"),
        Fixed("registry.subdivision", "registry", "Registration of a subdivision (new titles)", 200.00m, "per transaction"),
        Fixed("registry.rectification", "registry", "Rectification of the register", 40.00m, "per transaction"),
        Fixed("registry.search", "registry", "Official search of a title", 20.00m, "per transaction"),
        Fixed("registry.search-day", "registry", "Search of the Index of Deeds at the office, per day", 25.00m, "per day"),
        Fixed("registry.search-page", "registry", "Pages of recorded deeds searched or copied, per page", 2.00m, "per page"),
        Fixed("survey.lodgement", "survey", "Lodgement and check of a cadastral survey", 200.00m, "per survey"),
        Fixed("survey.per-lot", "survey", "Each new lot created by a survey", 25.00m, "per lot"),
        Fixed("permit.building", "permit", "Building permit application", 250.00m, "per application"),
        Fixed("permit.inspection", "permit", "Building inspection", 75.00m, "per inspection"),
        new("tax.transfer-duty", "tax", "Transfer duty (computed by the tax module on each transfer)", null, "computed", null, null, Start),
        new(StampDutyBuyer, "tax", "Stamp duty, buyer's share (computed by the tax module on the greater of price and roll value)", null, "computed", null, null, Start),
        new(StampDutySeller, "tax", "Stamp duty, seller's share (computed by the tax module on the greater of price and roll value)", null, "computed", null, null, Start),
    ];

    /// <summary>
    /// What one unit of a scheduled fee costs: the fixed amount, or for a fee by value band the base plus the
    /// amount per 1,000 or part of the value above the threshold. Null for a computed fee (the issuing module computes it).
    /// </summary>
    public static decimal? Charge(ScheduledFeeView fee, decimal? value)
    {
        if (fee.PerThousand is not { } perThousand)
        {
            return fee.Amount;
        }

        var above = Math.Max(0m, (value ?? 0m) - (fee.Threshold ?? 0m));
        return (fee.Amount ?? 0m) + (Math.Ceiling(above / 1000m) * perThousand);
    }

    /// <summary>The rule in words, e.g. "40.00 + 2.50 per 1,000 or part above 15,000.00".</summary>
    public static string Describe(ScheduledFeeView fee) => fee.PerThousand is { } perThousand
        ? $"{Money(fee.Amount ?? 0m)} + {Money(perThousand)} per 1,000 or part above {Money(fee.Threshold ?? 0m)}"
        : fee.Amount is { } amount ? $"{Money(amount)} {fee.Unit}" : "computed";

    private static ScheduledFeeView Fixed(string code, string category, string description, decimal amount, string unit) =>
        new(code, category, description, amount, unit, null, null, Start);

    private static string Money(decimal amount) => amount.ToString("#,##0.00", CultureInfo.InvariantCulture);
}
