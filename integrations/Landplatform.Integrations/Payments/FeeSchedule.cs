using Landplatform.Cadastre.Contracts.Payments;

namespace Landplatform.Integrations.Payments;

/// <summary>The fee schedule the platform starts with (<see cref="StandardFees"/>, in the contracts), as rows of <c>payments.fees</c>.</summary>
public static class FeeSchedule
{
    public const string Currency = StandardFees.Currency;

    public static Fee[] Initial { get; } = StandardFees.Initial.Select(f => new Fee
    {
        Code = f.Code, Category = f.Category, Description = f.Description, Amount = f.Amount, Unit = f.Unit,
        PerThousand = f.PerThousand, Threshold = f.Threshold, ValidFrom = f.ValidFrom,
    }).ToArray();

    public static ScheduledFeeView View(Fee f) => new(f.Code, f.Category, f.Description, f.Amount, f.Unit, f.PerThousand, f.Threshold, f.ValidFrom);
}
