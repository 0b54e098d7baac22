using Landplatform.Cadastre.Contracts;
using Landplatform.Integrations.Identity;

namespace Landplatform.Integrations.Tests;

public sealed class UinSchemeTests
{
    private readonly VerhoeffUinScheme scheme = new();

    [Fact]
    public void A_UIN_with_the_right_check_digit_is_valid()
    {
        Assert.True(scheme.Check("VC123456789" + VerhoeffUinScheme.CheckDigit("123456789")).IsValid);
        Assert.True(scheme.Check(DemoAccounts.DemoUin(1)).IsValid);
        // A published Verhoeff example: 236 takes check digit 3.
        Assert.Equal(3, VerhoeffUinScheme.CheckDigit("236"));
    }

    [Theory]
    [InlineData("", "uin-format")]
    [InlineData("XX9000000017", "uin-prefix")]
    [InlineData("vc9000000017", "uin-prefix")]
    [InlineData("VC900000001", "uin-length")]
    [InlineData("VC90000000170", "uin-length")]
    [InlineData("VC90000O0017", "uin-format")]
    [InlineData("VC 900000001", "uin-format")]
    public void A_malformed_UIN_is_refused_with_the_rule_it_breaks(string uin, string rule)
    {
        var check = scheme.Check(uin);
        Assert.False(check.IsValid);
        Assert.Equal(rule, check.Rule);
        Assert.False(string.IsNullOrWhiteSpace(check.Message));
    }

    [Fact]
    public void Every_single_mistyped_digit_fails_the_check_digit()
    {
        var uin = DemoAccounts.DemoUin(7);
        for (var position = 2; position < uin.Length; position++)
        {
            for (var digit = '0'; digit <= '9'; digit++)
            {
                if (digit == uin[position])
                {
                    continue;
                }

                var typo = uin[..position] + digit + uin[(position + 1)..];
                Assert.Equal("uin-check-digit", scheme.Check(typo).Rule);
            }
        }
    }

    [Fact]
    public void Every_swap_of_two_adjacent_different_digits_fails_the_check_digit()
    {
        var uin = "VC" + "271828182" + VerhoeffUinScheme.CheckDigit("271828182");
        Assert.True(scheme.Check(uin).IsValid);
        for (var position = 2; position < uin.Length - 1; position++)
        {
            if (uin[position] == uin[position + 1])
            {
                continue;
            }

            var swapped = uin[..position] + uin[position + 1] + uin[position] + uin[(position + 2)..];
            Assert.Equal("uin-check-digit", scheme.Check(swapped).Rule);
        }
    }

    [Fact]
    public void Every_demo_person_has_a_valid_UIN() =>
        Assert.All(DemoAccounts.Users, u => Assert.True(scheme.Check(u.Uin).IsValid, u.Uin));
}
