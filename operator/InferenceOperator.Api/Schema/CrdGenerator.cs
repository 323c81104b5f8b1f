using System.Collections;
using System.Reflection;
using System.Text.Json.Serialization;
using k8s.Models;

namespace InferenceOperator.Api.Schema;

/// <summary>
/// Builds CustomResourceDefinitions from the C# API types: OpenAPI v3 schema with types, enums, bounds, patterns,
/// defaults, CEL rules and descriptions from XML docs; properties sorted ordinally so the output is deterministic.
/// </summary>
public sealed class CrdGenerator
{
    private readonly XmlDocumentation documentation = new(typeof(CrdGenerator).Assembly);

    /// <summary>The kinds of this API, in the order their CRDs are written.</summary>
    public static IReadOnlyList<Type> Kinds { get; } = [typeof(InferenceService), typeof(InferencePolicy), typeof(AcceleratorProfile)];

    /// <summary>The CRD for one kind.</summary>
    public V1CustomResourceDefinition Generate(Type kind)
    {
        var entity = kind.GetCustomAttribute<KubernetesEntityAttribute>()
            ?? throw new ArgumentException($"{kind.Name} has no [KubernetesEntity]", nameof(kind));
        var resource = kind.GetCustomAttribute<ResourceAttribute>()
            ?? throw new ArgumentException($"{kind.Name} has no [Resource]", nameof(kind));
        var hasStatus = kind.GetProperty("Status") is not null;

        var root = new V1JSONSchemaProps
        {
            Type = "object",
            Description = documentation.For(kind),
            Properties = new SortedDictionary<string, V1JSONSchemaProps>(StringComparer.Ordinal),
            Required = ["spec"],
        };
        root.Properties["apiVersion"] = new V1JSONSchemaProps { Type = "string", Description = "APIVersion of this object." };
        root.Properties["kind"] = new V1JSONSchemaProps { Type = "string", Description = "Kind of this object." };
        root.Properties["metadata"] = new V1JSONSchemaProps { Type = "object" };
        foreach (var property in kind.GetProperties())
        {
            if (property.Name is "Spec" or "Status")
            {
                root.Properties[JsonName(property)] = PropertySchema(property);
            }
        }

        var columns = kind.GetCustomAttributes<PrinterColumnAttribute>()
            .OrderBy(c => c.Order)
            .Select(c => new V1CustomResourceColumnDefinition
            {
                Name = c.Name,
                Type = c.Type,
                JsonPath = c.JsonPath,
                Description = c.Description,
                Format = c.Format,
                Priority = c.Priority == 0 ? null : c.Priority,
            })
            .ToList();

        return new V1CustomResourceDefinition
        {
            ApiVersion = "apiextensions.k8s.io/v1",
            Kind = "CustomResourceDefinition",
            Metadata = new V1ObjectMeta { Name = $"{entity.PluralName}.{entity.Group}" },
            Spec = new V1CustomResourceDefinitionSpec
            {
                Group = entity.Group,
                Scope = resource.Namespaced ? "Namespaced" : "Cluster",
                Names = new V1CustomResourceDefinitionNames
                {
                    Kind = entity.Kind,
                    ListKind = entity.Kind + "List",
                    Plural = entity.PluralName,
                    Singular = resource.Singular,
                    ShortNames = resource.ShortNames.Length == 0 ? null : resource.ShortNames,
                    Categories = resource.Categories.Length == 0 ? null : resource.Categories,
                },
                Versions =
                [
                    new V1CustomResourceDefinitionVersion
                    {
                        Name = entity.ApiVersion,
                        Served = true,
                        Storage = true,
                        Schema = new V1CustomResourceValidation { OpenAPIV3Schema = root },
                        Subresources = hasStatus ? new V1CustomResourceSubresources { Status = new Dictionary<string, object>() } : null,
                        AdditionalPrinterColumns = columns,
                    },
                ],
            },
        };
    }

    private V1JSONSchemaProps PropertySchema(PropertyInfo property)
    {
        var schema = TypeSchema(property.PropertyType);
        schema.Description = documentation.For(property) ?? schema.Description;
        if (property.GetCustomAttribute<MinimumAttribute>() is { } minimum)
        {
            schema.Minimum = minimum.Value;
            schema.ExclusiveMinimum = minimum.Exclusive ? true : null;
        }

        if (property.GetCustomAttribute<MaximumAttribute>() is { } maximum)
        {
            schema.Maximum = maximum.Value;
        }

        if (property.GetCustomAttribute<PatternAttribute>() is { } pattern)
        {
            schema.Pattern = pattern.Expression;
        }

        if (property.GetCustomAttribute<LengthAttribute>() is { } length)
        {
            schema.MinLength = length.Minimum;
            schema.MaxLength = length.Maximum;
        }

        if (property.GetCustomAttribute<ItemsAttribute>() is { } items)
        {
            schema.MinItems = items.Minimum;
            schema.MaxItems = items.Maximum;
        }

        if (property.GetCustomAttribute<DefaultAttribute>() is { } value)
        {
            schema.DefaultProperty = value.Value;
        }

        if (property.GetCustomAttribute<ListMapAttribute>() is { } listMap)
        {
            schema.XKubernetesListType = "map";
            schema.XKubernetesListMapKeys = [listMap.Key];

            // The API server rejects a list-map whose key is neither required nor defaulted.
            if (schema.Items is V1JSONSchemaProps item && !(item.Required?.Contains(listMap.Key) ?? false))
            {
                item.Required = (item.Required ?? []).Append(listMap.Key).Order(StringComparer.Ordinal).ToList();
            }
        }

        return schema;
    }

    private V1JSONSchemaProps TypeSchema(Type type)
    {
        type = Nullable.GetUnderlyingType(type) ?? type;
        if (type == typeof(string))
        {
            return new V1JSONSchemaProps { Type = "string" };
        }

        if (type == typeof(bool))
        {
            return new V1JSONSchemaProps { Type = "boolean" };
        }

        if (type == typeof(int))
        {
            return new V1JSONSchemaProps { Type = "integer", Format = "int32" };
        }

        if (type == typeof(long))
        {
            return new V1JSONSchemaProps { Type = "integer", Format = "int64" };
        }

        if (type == typeof(double))
        {
            return new V1JSONSchemaProps { Type = "number" };
        }

        if (type == typeof(DateTime) || type == typeof(DateTimeOffset))
        {
            return new V1JSONSchemaProps { Type = "string", Format = "date-time" };
        }

        if (type.IsEnum)
        {
            return new V1JSONSchemaProps
            {
                Type = "string",
                EnumProperty = EnumValues(type).Cast<object>().ToList(),
                Description = documentation.For(type),
            };
        }

        if (DictionaryValueType(type) is { } valueType)
        {
            return new V1JSONSchemaProps { Type = "object", AdditionalProperties = TypeSchema(valueType) };
        }

        if (ListItemType(type) is { } itemType)
        {
            return new V1JSONSchemaProps { Type = "array", Items = TypeSchema(itemType) };
        }

        return ObjectSchema(type);
    }

    private V1JSONSchemaProps ObjectSchema(Type type)
    {
        var properties = new SortedDictionary<string, V1JSONSchemaProps>(StringComparer.Ordinal);
        var required = new SortedSet<string>(StringComparer.Ordinal);
        foreach (var property in type.GetProperties(BindingFlags.Public | BindingFlags.Instance))
        {
            if (property.GetCustomAttribute<JsonIgnoreAttribute>() is not null || !property.CanWrite)
            {
                continue;
            }

            var name = JsonName(property);
            properties[name] = PropertySchema(property);
            if (property.GetCustomAttribute<RequiredFieldAttribute>() is not null)
            {
                required.Add(name);
            }
        }

        var rules = type.GetCustomAttributes<ValidationRuleAttribute>()
            .Select(r => new V1ValidationRule { Rule = r.Rule, Message = r.Message })
            .ToList();
        return new V1JSONSchemaProps
        {
            Type = "object",
            Description = documentation.For(type),
            Properties = properties,
            Required = required.Count == 0 ? null : required.ToList(),
            XKubernetesValidations = rules.Count == 0 ? null : rules,
        };
    }

    /// <summary>The wire names of an enum's members, from [JsonStringEnumMemberName].</summary>
    public static IReadOnlyList<string> EnumValues(Type enumType) =>
        enumType.GetFields(BindingFlags.Public | BindingFlags.Static)
            .Select(f => f.GetCustomAttribute<JsonStringEnumMemberNameAttribute>()?.Name ?? f.Name)
            .ToList();

    private static string JsonName(PropertyInfo property) =>
        property.GetCustomAttribute<JsonPropertyNameAttribute>()?.Name
        ?? char.ToLowerInvariant(property.Name[0]) + property.Name[1..];

    private static Type? DictionaryValueType(Type type)
    {
        var dictionary = type.IsGenericType && type.GetGenericTypeDefinition() == typeof(IDictionary<,>)
            ? type
            : type.GetInterfaces().FirstOrDefault(i => i.IsGenericType && i.GetGenericTypeDefinition() == typeof(IDictionary<,>));
        return dictionary?.GetGenericArguments()[1];
    }

    private static Type? ListItemType(Type type)
    {
        if (type == typeof(string) || !typeof(IEnumerable).IsAssignableFrom(type))
        {
            return null;
        }

        var enumerable = type.IsGenericType && type.GetGenericTypeDefinition() == typeof(IEnumerable<>)
            ? type
            : type.GetInterfaces().FirstOrDefault(i => i.IsGenericType && i.GetGenericTypeDefinition() == typeof(IEnumerable<>));
        return enumerable?.GetGenericArguments()[0];
    }
}
