using System.Diagnostics;
using System.Text.Json;
using Landplatform.Testing;

namespace Landplatform.Cadastre.Tests;

/// <summary>The host on a real loopback port, for <c>./lp survey submit</c> (curl) to reach.</summary>
public sealed class LoopbackSurveyServer : PlatformServer
{
    protected override bool ListensOnLoopback => true;
}

/// <summary><c>./lp survey submit</c> exits non-zero when the file is refused or a check fails, so a script can stop on it (issue #21 item 6).</summary>
public sealed class SurveyCliTests(LoopbackSurveyServer server) : IClassFixture<LoopbackSurveyServer>
{
    [Fact]
    public async Task The_cli_exits_0_only_for_a_lodged_survey_that_passes_every_check()
    {
        var (refused, refusedOutput) = await SubmitAsync("malformed.xml");
        Assert.True(refused != 0, refusedOutput);
        Assert.Contains("refused (HTTP 400)", refusedOutput, StringComparison.Ordinal);

        var (failed, failedOutput) = await SubmitAsync("area-mismatch.csv", "--crs", "EPSG:2007", "--parents", SurveyFiles.Parent);
        Assert.True(failed != 0, failedOutput);
        Assert.Contains("the checks failed", failedOutput, StringComparison.Ordinal);
        await RejectAsync(failedOutput);

        var (passed, passedOutput) = await SubmitAsync("clean-subdivision.xml");
        Assert.True(passed == 0, passedOutput);
        Assert.Contains("\"passed\":true", passedOutput, StringComparison.Ordinal);
    }

    private async Task<(int ExitCode, string Output)> SubmitAsync(string file, params string[] options)
    {
        var start = new ProcessStartInfo("bash") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        start.ArgumentList.Add(Path.Combine(SurveyFiles.Directory, "..", "..", "lp"));
        foreach (var argument in (string[])["survey", "submit", Path.Combine(SurveyFiles.Directory, file), .. options])
        {
            start.ArgumentList.Add(argument);
        }

        start.Environment["LP_URL"] = server.BaseAddress.ToString().TrimEnd('/');
        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var errors = process.StandardError.ReadToEndAsync();
        using var limit = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        await process.WaitForExitAsync(limit.Token);
        return (process.ExitCode, await output + await errors);
    }

    /// <summary>Rejects the survey whose lodgement answer the CLI printed, so it claims the parent no longer.</summary>
    private async Task RejectAsync(string output)
    {
        var line = output.Split('\n').First(l => l.StartsWith('{'));
        var id = JsonDocument.Parse(line).RootElement.GetProperty("survey").GetProperty("id").GetString();
        var examiner = await Tokens.AccessTokenForAsync(server.Client, "examiner");
        var (status, body) = await SurveyFiles.PostAsync(server, examiner, $"/api/surveys/{id}/rejection", new { reason = "test clean-up" });
        Assert.True(status == 200, body.ToString());
    }
}
