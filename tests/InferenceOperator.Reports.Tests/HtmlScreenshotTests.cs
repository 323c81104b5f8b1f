using System.Diagnostics;
using InferenceOperator.Reports.Rendering;
using Xunit;

namespace InferenceOperator.Reports.Tests;

/// <summary>Renders the HTML report in headless Chromium when it is installed (apt package chromium); skipped otherwise, with the reason.</summary>
public sealed class HtmlScreenshotTests
{
    private static readonly string[] ChromiumPaths = ["/usr/bin/chromium", "/usr/bin/chromium-browser"];

    [SkippableFact]
    public async Task Should_RenderTheHtmlReport_ToANonBlankScreenshot()
    {
        var chromium = ChromiumPaths.FirstOrDefault(File.Exists);
        Skip.If(chromium is null, "Chromium is not installed (looked for " + string.Join(", ", ChromiumPaths) + "): install the apt package chromium to run this test");

        var dir = Directory.CreateTempSubdirectory("finops-report-");
        try
        {
            var html = Path.Combine(dir.FullName, "report.html");
            var png = Path.Combine(dir.FullName, "report.png");
            await File.WriteAllTextAsync(html, HtmlReportWriter.Write(Fixtures.Report()));
            var start = new ProcessStartInfo(chromium!)
            {
                RedirectStandardOutput = true,
                RedirectStandardError = true,
                ArgumentList =
                {
                    "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                    "--disable-sync", "--no-first-run", "--user-data-dir=" + Path.Combine(dir.FullName, "profile"),
                    "--screenshot=" + png, "--window-size=1200,900", new Uri(html).AbsoluteUri,
                },
            };
            using var process = Process.Start(start)!;
            var stderr = process.StandardError.ReadToEndAsync();
            _ = process.StandardOutput.ReadToEndAsync();
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(90));
            try
            {
                await process.WaitForExitAsync(timeout.Token);
            }
            catch (OperationCanceledException)
            {
                process.Kill(entireProcessTree: true);
                throw new TimeoutException("chromium did not finish in 90 s: " + await stderr);
            }

            Assert.True(File.Exists(png), "chromium wrote no screenshot (exit " + process.ExitCode + "): " + await stderr);
            var (width, height, rgba) = Png.Decode(await File.ReadAllBytesAsync(png));
            Assert.Equal((1200, 900), (width, height));
            Assert.True(Png.LuminanceStdDev(rgba) > 5, "the screenshot is blank");
        }
        finally
        {
            dir.Delete(recursive: true);
        }
    }

    [Fact]
    public void Should_DecodeEveryRowFilter_And_TellBlankFromDrawn()
    {
        const int w = 7, h = 10;
        var drawn = new byte[w * h * 4];
        for (var i = 0; i < drawn.Length; i++)
        {
            drawn[i] = (byte)((i * 37) + (i / 28 * 11));
        }

        var blank = Enumerable.Repeat((byte)255, w * h * 4).ToArray();

        var (width, height, decoded) = Png.Decode(Png.Encode(w, h, drawn));
        Assert.Equal((w, h), (width, height));
        Assert.Equal(drawn, decoded);
        Assert.True(Png.LuminanceStdDev(decoded) > 5);
        Assert.True(Png.LuminanceStdDev(Png.Decode(Png.Encode(w, h, blank)).Rgba) < 0.01);
        Assert.Throws<InvalidDataException>(() => Png.Decode([1, 2, 3]));
    }
}
