using System.Runtime.CompilerServices;
using Xunit;

namespace InferenceOperator.Reports.Tests;

/// <summary>Golden files under Golden/: a mismatch fails with both texts; UPDATE_GOLDEN=1 rewrites them (review the diff).</summary>
internal static class Golden
{
    public static void AssertMatches(string name, string actual, [CallerFilePath] string callerPath = "")
    {
        var path = Path.Combine(Path.GetDirectoryName(callerPath)!, "Golden", name);
        if (Environment.GetEnvironmentVariable("UPDATE_GOLDEN") == "1")
        {
            File.WriteAllText(path, actual);
            return;
        }

        Assert.True(File.Exists(path), "golden file " + path + " is missing: run with UPDATE_GOLDEN=1 to create it, then review it");
        Assert.Equal(File.ReadAllText(path), actual);
    }
}
