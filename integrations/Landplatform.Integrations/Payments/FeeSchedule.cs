namespace Landplatform.Integrations.Payments;

/// <summary>The fee schedule the platform starts with, in East Caribbean dollars (XCD).</summary>
public static class FeeSchedule
{
    public const string Currency = "XCD";

    private static readonly DateOnly Start = new(2026, 1, 1);

    public static Fee[] Initial { get; } =
    [
        new() { Code = "registry.transfer", Category = "registry", Description = "Registration of a transfer", Amount = 150.00m, Unit = "per transaction", ValidFrom = Start },
        new() { Code = "registry.mortgage", Category = "registry", Description = "Registration of a mortgage", Amount = 100.00m, Unit = "per transaction", ValidFrom = Start },
        new() { Code = "registry.discharge", Category = "registry", Description = "Discharge of a mortgage", Amount = 50.00m, Unit = "per transaction", ValidFrom = Start },
        new() { Code = "registry.caveat", Category = "registry", Description = "Lodging a caveat", Amount = 50.00m, Unit = "per transaction", ValidFrom = Start },
        new() { Code = "registry.caveat-withdrawal", Category = "registry", Description = "Withdrawal of a caveat", Amount = 25.00m, Unit = "per transaction", ValidFrom = Start },
        new() { Code = "registry.subdivision", Category = "registry", Description = "Registration of a subdivision (new titles)", Amount = 200.00m, Unit = "per transaction", ValidFrom = Start },
        new() { Code = "registry.rectification", Category = "registry", Description = "Rectification of the register", Amount = 40.00m, Unit = "per transaction", ValidFrom = Start },
        new() { Code = "registry.search", Category = "registry", Description = "Official search of a title", Amount = 20.00m, Unit = "per transaction", ValidFrom = Start },
        new() { Code = "survey.lodgement", Category = "survey", Description = "Lodgement and check of a cadastral survey", Amount = 200.00m, Unit = "per survey", ValidFrom = Start },
        new() { Code = "survey.per-lot", Category = "survey", Description = "Each new lot created by a survey", Amount = 25.00m, Unit = "per lot", ValidFrom = Start },
        new() { Code = "permit.building", Category = "permit", Description = "Building permit application", Amount = 250.00m, Unit = "per application", ValidFrom = Start },
        new() { Code = "permit.inspection", Category = "permit", Description = "Building inspection", Amount = 75.00m, Unit = "per inspection", ValidFrom = Start },
        new() { Code = "tax.transfer-duty", Category = "tax", Description = "Transfer duty (computed by the tax module on each transfer)", Amount = null, Unit = "computed", ValidFrom = Start },
    ];
}
