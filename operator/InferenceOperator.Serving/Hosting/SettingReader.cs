using System.ComponentModel;
using System.Globalization;
using System.Reflection;

namespace InferenceOperator.Serving.Hosting;

/// <summary>
/// Finds settings whose text cannot become their type (<c>--max-batch-size abc</c>) before binding, which would stop at
/// the first with an exception: every one is reported, by key, with where it can be set and what it must look like.
/// </summary>
internal static class SettingReader
{
    public static IEnumerable<string> Unconvertible(IConfiguration configuration, Type options, IReadOnlyDictionary<string, string> shortForms, string prefix = "")
    {
        foreach (var property in options.GetProperties(BindingFlags.Public | BindingFlags.Instance))
        {
            var key = prefix + property.Name;
            var type = Nullable.GetUnderlyingType(property.PropertyType) ?? property.PropertyType;
            if (type == typeof(string) || !property.CanWrite)
            {
                continue;
            }

            if (type.IsClass)
            {
                foreach (var problem in Unconvertible(configuration, type, shortForms, key + ":"))
                {
                    yield return problem;
                }

                continue;
            }

            var text = configuration[key];
            if (text is null || Converts(type, text))
            {
                continue;
            }

            var where = shortForms.TryGetValue(key, out var flag) ? $"{flag}, " : "";
            yield return $"{key} is '{text}', which is not {Expected(type)} (set by {where}--{key}=, INFERENCE_{key.Replace(":", "__", StringComparison.Ordinal).ToUpperInvariant()} or the config file).";
        }
    }

    /// <summary>The type of the setting at <paramref name="key"/> ("Cache:Enabled"), or null when there is none.</summary>
    public static Type? TypeOf(Type options, string key)
    {
        Type? type = options;
        foreach (var part in key.Split(':'))
        {
            type = type?.GetProperty(part, BindingFlags.Public | BindingFlags.Instance | BindingFlags.IgnoreCase)?.PropertyType;
        }

        return type;
    }

    private static bool Converts(Type type, string text)
    {
        try
        {
            _ = TypeDescriptor.GetConverter(type).ConvertFromInvariantString(text);
            return true;
        }
        catch (Exception ex) when (ex is FormatException or ArgumentException or NotSupportedException or OverflowException)
        {
            return false;
        }
    }

    private static string Expected(Type type) => type switch
    {
        _ when type == typeof(bool) => "true or false",
        _ when type == typeof(int) || type == typeof(long) =>
            string.Create(CultureInfo.InvariantCulture, $"a whole number (up to {(type == typeof(int) ? int.MaxValue : long.MaxValue)})"),
        _ when type == typeof(double) => "a number such as 2 or 0.5",
        _ => $"a valid {type.Name}",
    };
}
