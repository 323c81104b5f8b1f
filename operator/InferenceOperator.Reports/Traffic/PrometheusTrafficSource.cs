using System.Globalization;
using System.Net.Http.Headers;
using System.Text.Json;

namespace InferenceOperator.Reports.Traffic;

/// <summary>
/// Observed traffic from the Prometheus HTTP API (<c>GET /api/v1/query</c>, instant queries evaluated at the window's end).
/// Two queries for all services together (see <see cref="PrometheusQueries"/>). An unreachable Prometheus or an error
/// answer yields <see cref="TrafficSnapshot.Unavailable"/>: the report then renders from plans alone.
/// </summary>
/// <param name="http">Client used for the queries (its timeout applies).</param>
/// <param name="prometheus">Base URL, e.g. http://prometheus.monitoring:9090/ (a path prefix such as /prometheus/ is kept).</param>
/// <param name="namespaceLabel">Label carrying the pod's namespace on scraped series; null when the scrape adds none (services are then matched by name alone, where the name is unique).</param>
public sealed class PrometheusTrafficSource(HttpClient http, Uri prometheus, string? namespaceLabel = "namespace") : ITrafficSource
{
    private readonly Uri baseAddress = prometheus.AbsoluteUri.EndsWith('/') ? prometheus : new Uri(prometheus.AbsoluteUri + "/");

    public async Task<TrafficSnapshot> ObserveAsync(IReadOnlyCollection<ServiceKey> services, DateTimeOffset end, TimeSpan window, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(services);
        if (services.Count == 0)
        {
            return new TrafficSnapshot { Available = true };
        }

        var models = services.Select(s => s.Name).ToList();
        try
        {
            var inferences = await QueryAsync(PrometheusQueries.Inferences(models, window, namespaceLabel), end, cancellationToken).ConfigureAwait(false);
            var busy = await QueryAsync(PrometheusQueries.BusyRatio(models, window, namespaceLabel), end, cancellationToken).ConfigureAwait(false);
            var result = new Dictionary<ServiceKey, ServiceTraffic>();
            foreach (var service in services)
            {
                var served = Find(inferences, service, services);
                var ratio = Find(busy, service, services);
                result[service] = new ServiceTraffic(
                    served is { } count ? (long)Math.Round(Math.Max(0, count), MidpointRounding.AwayFromZero) : null,
                    ratio is { } r ? Math.Clamp(r, 0, 1) : null);
            }

            return new TrafficSnapshot { Available = true, Services = result };
        }
        catch (HttpRequestException ex)
        {
            return TrafficSnapshot.Unavailable("no Prometheus at " + baseAddress + ": " + ex.Message);
        }
        catch (TaskCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            return TrafficSnapshot.Unavailable("no Prometheus at " + baseAddress + ": timed out after " + http.Timeout.TotalSeconds.ToString(CultureInfo.InvariantCulture) + " s");
        }
        catch (PrometheusException ex)
        {
            return TrafficSnapshot.Unavailable("Prometheus at " + baseAddress + " answered an error: " + ex.Message);
        }
    }

    private async Task<IReadOnlyList<Sample>> QueryAsync(string query, DateTimeOffset end, CancellationToken cancellationToken)
    {
        var time = (end.ToUnixTimeMilliseconds() / 1000.0).ToString("0.###", CultureInfo.InvariantCulture);
        var uri = new Uri(baseAddress, "api/v1/query?query=" + Uri.EscapeDataString(query) + "&time=" + time);
        using var request = new HttpRequestMessage(HttpMethod.Get, uri);
        request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("application/json"));
        using var response = await http.SendAsync(request, cancellationToken).ConfigureAwait(false);
        var body = await response.Content.ReadAsStringAsync(cancellationToken).ConfigureAwait(false);
        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(body);
        }
        catch (JsonException)
        {
            throw new PrometheusException("HTTP " + ((int)response.StatusCode).ToString(CultureInfo.InvariantCulture) + ", not a Prometheus API answer");
        }

        using (document)
        {
            return Parse(document.RootElement, (int)response.StatusCode);
        }
    }

    private static List<Sample> Parse(JsonElement root, int statusCode)
    {
        if (root.ValueKind != JsonValueKind.Object || !root.TryGetProperty("status", out var status) || status.GetString() != "success")
        {
            var error = root.ValueKind == JsonValueKind.Object && root.TryGetProperty("error", out var e) ? e.GetString() : null;
            throw new PrometheusException("HTTP " + statusCode.ToString(CultureInfo.InvariantCulture) + ": " + (error ?? "status is not success"));
        }

        if (!root.TryGetProperty("data", out var data) || !data.TryGetProperty("result", out var result) || result.ValueKind != JsonValueKind.Array)
        {
            throw new PrometheusException("answer has no data.result");
        }

        var samples = new List<Sample>();
        foreach (var series in result.EnumerateArray())
        {
            var labels = new Dictionary<string, string>(StringComparer.Ordinal);
            if (series.TryGetProperty("metric", out var metric) && metric.ValueKind == JsonValueKind.Object)
            {
                foreach (var label in metric.EnumerateObject())
                {
                    labels[label.Name] = label.Value.GetString() ?? "";
                }
            }

            // "value": [ <unix time>, "<number as string>" ]; NaN and infinities (empty ranges) count as no data.
            if (series.TryGetProperty("value", out var value) && value.ValueKind == JsonValueKind.Array && value.GetArrayLength() == 2
                && double.TryParse(value[1].GetString(), NumberStyles.Float, CultureInfo.InvariantCulture, out var number) && double.IsFinite(number))
            {
                samples.Add(new Sample(labels, number));
            }
        }

        return samples;
    }

    private double? Find(IReadOnlyList<Sample> samples, ServiceKey service, IReadOnlyCollection<ServiceKey> all)
    {
        var byNameOnly = string.IsNullOrEmpty(namespaceLabel);
        foreach (var sample in samples)
        {
            if (!sample.Labels.TryGetValue("model", out var model) || model != service.Name)
            {
                continue;
            }

            if (!byNameOnly && sample.Labels.TryGetValue(namespaceLabel!, out var ns))
            {
                if (ns == service.Namespace)
                {
                    return sample.Value;
                }

                continue;
            }

            // No namespace on the series: attribute it only when the name is unambiguous.
            if (all.Count(s => s.Name == service.Name) == 1)
            {
                return sample.Value;
            }
        }

        return null;
    }

    private sealed record Sample(Dictionary<string, string> Labels, double Value);

    private sealed class PrometheusException(string message) : Exception(message);
}
