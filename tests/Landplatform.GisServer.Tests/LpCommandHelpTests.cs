using System.Diagnostics;

namespace Landplatform.GisServer.Tests;

/// <summary>Every command of the entry script explains itself with --help and exits 0, doing nothing else.</summary>
public sealed class LpCommandHelpTests
{
    public static TheoryData<string> Commands()
    {
        var data = new TheoryData<string>();
        foreach (var command in UsageCommands())
        {
            data.Add(command);
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(Commands))]
    public async Task Each_lp_command_answers_help_with_exit_0(string command)
    {
        var (exitCode, output) = await RunLpAsync(command, "--help");
        Assert.True(exitCode == 0, $"./lp {command} --help exited {exitCode}: {output}");
        Assert.Contains($"  {command}", output, StringComparison.Ordinal);
    }

    [Fact]
    public void The_usage_lists_every_command_the_script_dispatches()
    {
        var script = File.ReadAllText(Path.Combine(RepositoryRoot(), "lp"));
        var main = script[script.LastIndexOf("\nmain() {", StringComparison.Ordinal)..];
        var dispatched = System.Text.RegularExpressions.Regex.Matches(main, @"^    ([a-z]+)\) cmd_", System.Text.RegularExpressions.RegexOptions.Multiline)
            .Select(m => m.Groups[1].Value).ToHashSet(StringComparer.Ordinal);
        Assert.NotEmpty(dispatched);
        Assert.Empty(dispatched.Except(UsageCommands()));
    }

    private static IEnumerable<string> UsageCommands()
    {
        var script = File.ReadAllText(Path.Combine(RepositoryRoot(), "lp"));
        var usage = script[script.IndexOf("usage() {", StringComparison.Ordinal)..];
        usage = usage[(usage.IndexOf("<<EOF\n", StringComparison.Ordinal) + 6)..];
        usage = usage[..usage.IndexOf("\nEOF", StringComparison.Ordinal)];
        return System.Text.RegularExpressions.Regex.Matches(usage, @"^  ([a-z]+)\b", System.Text.RegularExpressions.RegexOptions.Multiline)
            .Select(m => m.Groups[1].Value).Distinct(StringComparer.Ordinal).ToList();
    }

    private static async Task<(int ExitCode, string Output)> RunLpAsync(params string[] arguments)
    {
        var start = new ProcessStartInfo("bash") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        start.ArgumentList.Add(Path.Combine(RepositoryRoot(), "lp"));
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var errors = process.StandardError.ReadToEndAsync();
        using var limit = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        await process.WaitForExitAsync(limit.Token);
        return (process.ExitCode, await output + await errors);
    }

    private static string RepositoryRoot()
    {
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "Landplatform.slnx")))
        {
            dir = dir.Parent;
        }

        return dir?.FullName ?? throw new InvalidOperationException("Landplatform.slnx not found above the test binaries.");
    }
}
