using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Identity;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Landplatform.Integrations.Identity;

/// <summary>
/// Outside demo mode a published demo password never signs anyone in, even on a database the demo was once seeded
/// into: the passwords are in the README for anyone to read.
/// </summary>
public sealed class DemoAwareSignInManager(
    UserManager<PlatformUser> users, IHttpContextAccessor context, IUserClaimsPrincipalFactory<PlatformUser> claims,
    IOptions<IdentityOptions> identity, ILogger<SignInManager<PlatformUser>> log, IAuthenticationSchemeProvider schemes,
    IUserConfirmation<PlatformUser> confirmation, IOptions<PlatformIdentityOptions> platform)
    : SignInManager<PlatformUser>(users, context, claims, identity, log, schemes, confirmation)
{
    public override async Task<SignInResult> CheckPasswordSignInAsync(PlatformUser user, string password, bool lockoutOnFailure)
    {
        if (!platform.Value.DemoMode && DemoAccounts.IsPublished(password))
        {
            Logger.LogWarning("Sign-in of {User} with a published demo password refused outside demo mode", user.UserName);
            return SignInResult.Failed;
        }

        return await base.CheckPasswordSignInAsync(user, password, lockoutOnFailure);
    }
}

/// <summary>Outside demo mode nobody is given a published demo password (an administrator creating an account, a reset).</summary>
public sealed class PublishedPasswordValidator(IOptions<PlatformIdentityOptions> platform) : IPasswordValidator<PlatformUser>
{
    public Task<IdentityResult> ValidateAsync(UserManager<PlatformUser> manager, PlatformUser user, string? password) =>
        Task.FromResult(!platform.Value.DemoMode && password is not null && DemoAccounts.IsPublished(password)
            ? IdentityResult.Failed(new IdentityError { Code = "published-password", Description = "This password is published with the demo; choose another." })
            : IdentityResult.Success);
}
