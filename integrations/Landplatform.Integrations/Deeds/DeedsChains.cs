using Landplatform.Cadastre.Contracts.Deeds;

namespace Landplatform.Integrations.Deeds;

/// <summary>The root of title as the registry's first registration reads it (<see cref="IDeedsChains"/>), built by <see cref="RootOfTitle"/> with the office's span.</summary>
public sealed class DeedsChains(RootOfTitle roots) : IDeedsChains
{
    public async Task<ChainOfDeeds> ChainAsync(string upi, CancellationToken ct)
    {
        var report = await roots.BuildAsync(upi, null, ct);
        var unreleased = report.Findings.Where(f => f.Rule == "unreleased-mortgage").Select(f => f.RegistrationNumber).ToHashSet();
        return new ChainOfDeeds(
            report.Upi, report.Root?.RegistrationNumber, report.Chain.Count > 0 ? report.Chain[^1].Deed.RegistrationNumber : null, report.Holders,
            [.. report.Mortgages.Where(m => unreleased.Contains(m.RegistrationNumber)).Select(m => new ChainMortgage(m.RegistrationNumber, m.RegisteredOn, m.Grantees, m.Consideration))],
            [.. report.Findings.Select(f => new ChainFinding(f.Rule, f.Severity, f.RegistrationNumber, f.Message))],
            report.AsOf);
    }
}
