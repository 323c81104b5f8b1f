using System.Text;
using InferenceOperator.Bench;

// Runs the suites named in args (all of them when none is named), in name order.
Console.OutputEncoding = Encoding.UTF8;
using var cts = new CancellationTokenSource();
Console.CancelKeyPress += (_, e) =>
{
    e.Cancel = true;
    cts.Cancel();
};

var suites = typeof(IBenchmarkSuite).Assembly.GetTypes()
    .Where(t => t is { IsAbstract: false, IsInterface: false } && typeof(IBenchmarkSuite).IsAssignableFrom(t) && t.GetConstructor(Type.EmptyTypes) is not null)
    .Select(t => (IBenchmarkSuite)Activator.CreateInstance(t)!)
    .OrderBy(s => s.Name, StringComparer.Ordinal)
    .ToList();

var unknown = args.Where(a => !suites.Any(s => string.Equals(s.Name, a, StringComparison.OrdinalIgnoreCase))).ToList();
if (unknown.Count > 0)
{
    Console.Error.WriteLine($"Unknown suite(s): {string.Join(", ", unknown)}. Available: {string.Join(", ", suites.Select(s => s.Name))}.");
    return 2;
}

var selected = args.Length == 0 ? suites : suites.Where(s => args.Contains(s.Name, StringComparer.OrdinalIgnoreCase)).ToList();
foreach (var suite in selected)
{
    Console.Out.WriteLine($"== {suite.Name} ==");
    await suite.RunAsync(Console.Out, cts.Token);
    Console.Out.WriteLine();
}

return 0;
