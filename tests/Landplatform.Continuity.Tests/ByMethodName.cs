using Xunit.Abstractions;
using Xunit.Sdk;

namespace Landplatform.Continuity.Tests;

/// <summary>Runs a class's tests in the order of their names, for drills whose last step ends the fixture (a dead primary).</summary>
public sealed class ByMethodName : ITestCaseOrderer
{
    public const string TypeName = "Landplatform.Continuity.Tests.ByMethodName";
    public const string AssemblyName = "Landplatform.Continuity.Tests";

    public IEnumerable<TTestCase> OrderTestCases<TTestCase>(IEnumerable<TTestCase> testCases)
        where TTestCase : ITestCase =>
        testCases.OrderBy(t => t.TestMethod.Method.Name, StringComparer.Ordinal);
}
