namespace Landplatform.Cadastre.Contracts;

/// <summary>The outcome of checking a national unique identification number.</summary>
/// <param name="Rule">Empty when valid; otherwise <c>uin-format</c>, <c>uin-prefix</c>, <c>uin-length</c> or <c>uin-check-digit</c>.</param>
public sealed record UinCheck(bool IsValid, string Rule, string Message)
{
    public static UinCheck Valid { get; } = new(true, string.Empty, "The UIN is well formed and its check digit is right.");

    public static UinCheck Invalid(string rule, string message) => new(false, rule, message);
}

/// <summary>
/// How a country writes its UIN. Deployments choose one; the scheme is the only place that knows
/// the prefix, the length and the check-digit algorithm.
/// </summary>
public interface IUinScheme
{
    /// <summary>Checks the UIN as written, without normalising it.</summary>
    UinCheck Check(string uin);
}
