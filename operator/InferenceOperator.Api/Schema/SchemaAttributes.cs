namespace InferenceOperator.Api.Schema;

/// <summary>The property must be present (OpenAPI `required`).</summary>
[AttributeUsage(AttributeTargets.Property)]
public sealed class RequiredFieldAttribute : Attribute;

/// <summary>Inclusive lower bound of a number (OpenAPI `minimum`); exclusive when <see cref="Exclusive"/>.</summary>
[AttributeUsage(AttributeTargets.Property)]
public sealed class MinimumAttribute(double value) : Attribute
{
    public double Value { get; } = value;

    public bool Exclusive { get; init; }
}

/// <summary>Inclusive upper bound of a number (OpenAPI `maximum`).</summary>
[AttributeUsage(AttributeTargets.Property)]
public sealed class MaximumAttribute(double value) : Attribute
{
    public double Value { get; } = value;
}

/// <summary>Regular expression a string must match (OpenAPI `pattern`).</summary>
[AttributeUsage(AttributeTargets.Property)]
public sealed class PatternAttribute(string expression) : Attribute
{
    public string Expression { get; } = expression;
}

/// <summary>Bounds on the length of a string (OpenAPI `minLength`/`maxLength`).</summary>
[AttributeUsage(AttributeTargets.Property)]
public sealed class LengthAttribute(int minimum, int maximum) : Attribute
{
    public int Minimum { get; } = minimum;

    public int Maximum { get; } = maximum;
}

/// <summary>Bounds on the number of list items (OpenAPI `minItems`/`maxItems`).</summary>
[AttributeUsage(AttributeTargets.Property)]
public sealed class ItemsAttribute(int minimum, int maximum) : Attribute
{
    public int Minimum { get; } = minimum;

    public int Maximum { get; } = maximum;
}

/// <summary>Value the API server fills in when the field is absent (OpenAPI `default`).</summary>
[AttributeUsage(AttributeTargets.Property)]
public sealed class DefaultAttribute(object value) : Attribute
{
    public object Value { get; } = value;
}

/// <summary>A list treated as a map keyed by <see cref="Key"/> (x-kubernetes-list-type: map), so apply merges entries.</summary>
[AttributeUsage(AttributeTargets.Property)]
public sealed class ListMapAttribute(string key) : Attribute
{
    public string Key { get; } = key;
}

/// <summary>
/// A CEL rule the API server enforces (x-kubernetes-validations). Only `rule` and `message` are emitted: messageExpression,
/// reason and fieldPath are 1.27+ and older servers drop them. The operator re-checks the same rule in code.
/// </summary>
[AttributeUsage(AttributeTargets.Class, AllowMultiple = true)]
public sealed class ValidationRuleAttribute(string rule, string message) : Attribute
{
    public string Rule { get; } = rule;

    public string Message { get; } = message;
}

/// <summary>A column `kubectl get` prints for the resource.</summary>
[AttributeUsage(AttributeTargets.Class, AllowMultiple = true)]
public sealed class PrinterColumnAttribute(string name, string type, string jsonPath) : Attribute
{
    public string Name { get; } = name;

    public string Type { get; } = type;

    public string JsonPath { get; } = jsonPath;

    public string? Description { get; init; }

    public string? Format { get; init; }

    /// <summary>Columns with priority above 0 show only with `-o wide`.</summary>
    public int Priority { get; init; }

    /// <summary>Position among the resource's columns; columns are emitted in this order.</summary>
    public int Order { get; init; }
}

/// <summary>Names, scope and short names of a custom resource, beside the group/version/kind of [KubernetesEntity].</summary>
[AttributeUsage(AttributeTargets.Class)]
public sealed class ResourceAttribute(string singular, bool namespaced) : Attribute
{
    public string Singular { get; } = singular;

    public bool Namespaced { get; } = namespaced;

    public string[] ShortNames { get; init; } = [];

    public string[] Categories { get; init; } = [];
}
