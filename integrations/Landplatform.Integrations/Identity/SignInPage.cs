using System.Text.Encodings.Web;
using Microsoft.AspNetCore.Antiforgery;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Identity;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Routing;

namespace Landplatform.Integrations.Identity;

/// <summary>The sign-in page the host serves for the authorization code flow (and for people who sign in directly).</summary>
public static class SignInPage
{
    public static void MapSignInPage(this IEndpointRouteBuilder app)
    {
        var account = app.MapGroup("/account").WithTags("Account").ExcludeFromDescription();
        account.MapGet("/signin", (HttpContext http, IAntiforgery antiforgery, [FromQuery(Name = "ReturnUrl")] string? returnUrl) =>
                Page(http, antiforgery, SafeReturn(returnUrl), message: null, StatusCodes.Status200OK))
            .AllowAnonymous();
        account.MapPost("/signin", SignInAsync).AllowAnonymous().RequireRateLimiting(RateLimits.SignIn);
        account.MapPost("/signout", async (HttpContext http) =>
            {
                await http.SignOutAsync(IdentityConstants.ApplicationScheme);
                return Results.Redirect("/");
            })
            .AllowAnonymous();
    }

    private static async Task<IResult> SignInAsync(
        HttpContext http, IAntiforgery antiforgery, UserManager<PlatformUser> users, SignInManager<PlatformUser> signIn, AuditTrail audit,
        [FromForm(Name = "username")] string? userName, [FromForm(Name = "password")] string? password, [FromForm(Name = "returnUrl")] string? returnUrl)
    {
        var back = SafeReturn(returnUrl);
        if (string.IsNullOrWhiteSpace(userName) || string.IsNullOrEmpty(password))
        {
            return Page(http, antiforgery, back, "Enter your user name and your password.", StatusCodes.Status400BadRequest);
        }

        var user = await users.FindByNameAsync(userName.Trim());
        var result = user is null ? Microsoft.AspNetCore.Identity.SignInResult.Failed : await signIn.PasswordSignInAsync(user, password, isPersistent: false, lockoutOnFailure: true);
        if (result.Succeeded)
        {
            await audit.RecordAsync("sign-in", user!.UserName, null, http, "sign-in page", http.RequestAborted);
            return Results.Redirect(back);
        }

        await audit.RecordAsync(result.IsLockedOut ? "lockout" : "sign-in-failed", userName.Trim(), null, http,
            result.IsLockedOut ? "sign-in page: account locked" : "sign-in page: wrong user name or password", http.RequestAborted);
        return Page(http, antiforgery, back, result.IsLockedOut
            ? "This account is locked after too many failed attempts. Try again in a few minutes, or ask the registry to unlock it."
            : "The user name or the password is wrong.", StatusCodes.Status401Unauthorized);
    }

    /// <summary>
    /// Where a sign-in may send the person back to: only a path on this site. Browsers drop tabs and newlines, read a
    /// backslash as a slash and undo percent-encoding, so the path is judged as a browser would read it: any control
    /// character, whitespace or backslash (raw or percent-encoded, however often), a second leading slash, a scheme or
    /// anything that resolves to another origin sends the person to the site's root instead.
    /// </summary>
    public static string SafeReturn(string? returnUrl)
    {
        const string Home = "/";
        if (string.IsNullOrEmpty(returnUrl) || returnUrl.Length > 4096 || returnUrl[0] != '/' || returnUrl.Any(Unsafe))
        {
            return Home;
        }

        // The path part (before the query) decoded until it no longer changes: what the browser navigates to.
        var end = returnUrl.IndexOfAny(['?', '#']);
        var path = end < 0 ? returnUrl : returnUrl[..end];
        for (var i = 0; i < 8; i++)
        {
            var decoded = Uri.UnescapeDataString(path);
            if (decoded == path)
            {
                break;
            }

            path = decoded;
        }

        if (path.Any(Unsafe) || path.StartsWith("//", StringComparison.Ordinal) || path.Contains(':', StringComparison.Ordinal))
        {
            return Home;
        }

        var origin = new Uri("https://this-site.invalid/");
        return Uri.TryCreate(origin, returnUrl, out var resolved) && resolved.Scheme == origin.Scheme && resolved.Authority == origin.Authority
            ? returnUrl
            : Home;
    }

    private static bool Unsafe(char c) => char.IsControl(c) || char.IsWhiteSpace(c) || c == '\\' || char.IsSurrogate(c) || c == '\uFFFD';

    // The page's only inline code, allowed by its hash so the page's policy needs no 'unsafe-inline'.
    private const string Style = """
          body { font-family: system-ui, sans-serif; margin: 0; background: #f4f6f4; color: #1d2a1d; }
          main { max-width: 24rem; margin: 4rem auto; background: #fff; padding: 2rem; border-radius: .5rem; box-shadow: 0 1px 4px #0002; }
          label { display: block; margin-top: 1rem; font-weight: 600; }
          input { width: 100%; box-sizing: border-box; padding: .6rem; font-size: 1rem; margin-top: .25rem; }
          button { margin-top: 1.5rem; width: 100%; padding: .7rem; font-size: 1rem; background: #1f6f43; color: #fff; border: 0; border-radius: .3rem; }
          button:focus, input:focus { outline: 3px solid #f0b400; }
          .error { color: #a4000f; background: #fdecee; padding: .6rem; border-radius: .3rem; }
        """;

    private static readonly string Policy =
        "default-src 'none'; style-src 'sha256-" + Convert.ToBase64String(System.Security.Cryptography.SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(Style)))
        + "'; img-src 'self'; base-uri 'none'; frame-ancestors 'none'";

    private static IResult Page(HttpContext http, IAntiforgery antiforgery, string returnUrl, string? message, int status)
    {
        var tokens = antiforgery.GetAndStoreTokens(http);
        http.Response.Headers.ContentSecurityPolicy = Policy;
        var html = HtmlEncoder.Default;
        var error = message is null ? string.Empty : $"""<p class="error" role="alert" id="signin-error">{html.Encode(message)}</p>""";
        var body = $"""
            <!doctype html>
            <html lang="en">
            <head>
            <meta charset="utf-8">
            <meta name="viewport" content="width=device-width, initial-scale=1">
            <title>Sign in · Landplatform</title>
            <style>{Style}</style>
            </head>
            <body>
            <main>
            <h1>Sign in to Landplatform</h1>
            {error}
            <form method="post" action="/account/signin">
              <input type="hidden" name="{html.Encode(tokens.FormFieldName)}" value="{html.Encode(tokens.RequestToken ?? string.Empty)}">
              <input type="hidden" name="returnUrl" value="{html.Encode(returnUrl)}">
              <label for="username">User name</label>
              <input id="username" name="username" autocomplete="username" required autofocus>
              <label for="password">Password</label>
              <input id="password" name="password" type="password" autocomplete="current-password" required>
              <button type="submit">Sign in</button>
            </form>
            </main>
            </body>
            </html>
            """;
        return Results.Content(body, "text/html; charset=utf-8", statusCode: status);
    }
}
