using System.Collections;
using System.Globalization;
using System.Reflection;
using System.Text.Json.Serialization;
using System.Text.RegularExpressions;
using InferenceOperator.Api.Schema;

namespace InferenceOperator.Api.Validation;

/// <summary>
/// The operator's own copy of the CRD's rules: the same attributes the schema is generated from (bounds, patterns,
/// required fields) plus the CEL rules in C#. CEL runs only inside an API server; local mode and objects stored before
/// a CRD upgrade are checked here.
/// </summary>
public static class SpecValidator
{
    /// <summary>Every problem of an InferenceService's spec.</summary>
    public static IReadOnlyList<SpecError> Validate(InferenceService service)
    {
        var errors = new List<SpecError>();
        CheckAttributes(service.Spec, "spec", errors);
        if (errors.Count == 0)
        {
            CrossFieldRules.Check(service.Spec, errors);
        }

        return errors;
    }

    /// <summary>Every problem of an InferencePolicy's spec.</summary>
    public static IReadOnlyList<SpecError> Validate(InferencePolicy policy)
    {
        var errors = new List<SpecError>();
        CheckAttributes(policy.Spec, "spec", errors);
        if (errors.Count == 0)
        {
            CrossFieldRules.Check(policy.Spec, errors);
        }

        return errors;
    }

    /// <summary>Every problem of an AcceleratorProfile's spec.</summary>
    public static IReadOnlyList<SpecError> Validate(AcceleratorProfile profile)
    {
        var errors = new List<SpecError>();
        CheckAttributes(profile.Spec, "spec", errors);
        if (errors.Count == 0)
        {
            CrossFieldRules.Check(profile.Spec, errors);
        }

        return errors;
    }

    private static void CheckAttributes(object? value, string path, List<SpecError> errors)
    {
        if (value is null || value is string || value.GetType().IsPrimitive || value.GetType().IsEnum)
        {
            return;
        }

        if (value is IDictionary)
        {
            return;
        }

        if (value is IEnumerable items)
        {
            var index = 0;
            foreach (var item in items)
            {
                CheckAttributes(item, $"{path}[{index++}]", errors);
            }

            return;
        }

        // Only our own API types carry rules; Kubernetes model types (tolerations…) are validated by the API server.
        if (value.GetType().Assembly != typeof(SpecValidator).Assembly)
        {
            return;
        }

        foreach (var property in value.GetType().GetProperties(BindingFlags.Public | BindingFlags.Instance))
        {
            var field = path + "." + (property.GetCustomAttribute<JsonPropertyNameAttribute>()?.Name ?? property.Name);
            var current = property.GetValue(value);
            CheckProperty(property, field, current, errors);
            CheckAttributes(current, field, errors);
        }
    }

    private static void CheckProperty(PropertyInfo property, string field, object? value, List<SpecError> errors)
    {
        if (property.GetCustomAttribute<RequiredFieldAttribute>() is not null && (value is null || value is ""))
        {
            errors.Add(new SpecError(field, "required: set it"));
            return;
        }

        if (value is null)
        {
            return;
        }

        if (IsNumber(value, out var number))
        {
            if (!double.IsFinite(number))
            {
                errors.Add(new SpecError(field, "must be a finite number"));
                return;
            }

            if (property.GetCustomAttribute<MinimumAttribute>() is { } minimum
                && (number < minimum.Value || (minimum.Exclusive && number <= minimum.Value)))
            {
                errors.Add(new SpecError(field, $"{Show(number)} is too small: use a value {(minimum.Exclusive ? "above" : "of at least")} {Show(minimum.Value)}"));
            }

            if (property.GetCustomAttribute<MaximumAttribute>() is { } maximum && number > maximum.Value)
            {
                errors.Add(new SpecError(field, $"{Show(number)} is too large: use a value of at most {Show(maximum.Value)}"));
            }
        }

        if (value is string text)
        {
            if (property.GetCustomAttribute<PatternAttribute>() is { } pattern
                && !Regex.IsMatch(text, pattern.Expression, RegexOptions.None, TimeSpan.FromSeconds(1)))
            {
                errors.Add(new SpecError(field, $"'{text}' is not in the expected form (must match {pattern.Expression})"));
            }

            if (property.GetCustomAttribute<LengthAttribute>() is { } length && (text.Length < length.Minimum || text.Length > length.Maximum))
            {
                errors.Add(new SpecError(field, $"length {text.Length} is outside {length.Minimum}..{length.Maximum}"));
            }
        }

        if (value is ICollection collection && property.GetCustomAttribute<ItemsAttribute>() is { } count
            && (collection.Count < count.Minimum || collection.Count > count.Maximum))
        {
            errors.Add(new SpecError(field, $"has {collection.Count} items: list between {count.Minimum} and {count.Maximum}"));
        }
    }

    private static bool IsNumber(object value, out double number)
    {
        switch (value)
        {
            case int i: number = i; return true;
            case long l: number = l; return true;
            case double d: number = d; return true;
            default: number = 0; return false;
        }
    }

    internal static string Show(double value) => value.ToString("0.####", CultureInfo.InvariantCulture);
}
