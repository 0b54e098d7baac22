using Microsoft.AspNetCore.Identity;
using Microsoft.Extensions.Caching.Memory;
using OpenIddict.Abstractions;
using OpenIddict.Validation;
using static OpenIddict.Abstractions.OpenIddictConstants;
using static OpenIddict.Validation.OpenIddictValidationEvents;

namespace Landplatform.Integrations.Identity;

/// <summary>
/// The account state behind every person's access token, checked after the token itself: a disabled account's tokens are
/// refused even if one was issued while it was being disabled (revocation covers the rest). The answer is cached for at
/// most <see cref="CacheFor"/>, so a disabled account stops within that time on every server instance.
/// </summary>
public sealed class AccountStateHandler(UserManager<PlatformUser> users, IMemoryCache cache) : IOpenIddictValidationHandler<ValidateTokenContext>
{
    public static readonly TimeSpan CacheFor = TimeSpan.FromSeconds(30);

    public static OpenIddictValidationHandlerDescriptor Descriptor { get; } = OpenIddictValidationHandlerDescriptor.CreateBuilder<ValidateTokenContext>()
        .UseScopedHandler<AccountStateHandler>()
        .SetOrder(OpenIddictValidationHandlers.Protection.ValidateAuthorizationEntry.Descriptor.Order + 1_000)
        .SetType(OpenIddictValidationHandlerType.Custom)
        .Build();

    public static string CacheKey(string subject) => "lp:account-disabled:" + subject;

    public async ValueTask HandleAsync(ValidateTokenContext context)
    {
        // Machine clients' subjects are client ids, not user ids: only people have an account state.
        if (context.IsRejected || context.Principal?.GetClaim(Claims.Subject) is not { } subject || !Guid.TryParse(subject, out _))
        {
            return;
        }

        var disabled = await cache.GetOrCreateAsync(CacheKey(subject), async entry =>
        {
            entry.AbsoluteExpirationRelativeToNow = CacheFor;
            var user = await users.FindByIdAsync(subject);
            // Disabling locks without end (AccountAdministration); an ordinary lockout ends and leaves sessions alone.
            return user is null || user.LockoutEnd is { Year: >= 9999 };
        });
        if (disabled)
        {
            context.Reject(Errors.InvalidToken, "The account this token was issued to is disabled.");
        }
    }
}
