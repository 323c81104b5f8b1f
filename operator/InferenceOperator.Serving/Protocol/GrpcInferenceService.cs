using System.Diagnostics;
using Google.Protobuf;
using Grpc.Core;
using InferenceOperator.Serving.Engine;
using InferenceOperator.Serving.Grpc;

namespace InferenceOperator.Serving.Protocol;

/// <summary>The Open Inference Protocol gRPC service (inference.GRPCInferenceService).</summary>
internal sealed class GrpcInferenceService(InferenceEngine engine, ServingMetrics metrics, TimeProvider time) : GRPCInferenceService.GRPCInferenceServiceBase
{
    public override Task<ServerLiveResponse> ServerLive(ServerLiveRequest request, ServerCallContext context) =>
        Task.FromResult(new ServerLiveResponse { Live = true });

    public override Task<ServerReadyResponse> ServerReady(ServerReadyRequest request, ServerCallContext context) =>
        Task.FromResult(new ServerReadyResponse { Ready = engine.IsReady });

    public override Task<ModelReadyResponse> ModelReady(ModelReadyRequest request, ServerCallContext context)
    {
        Guard(() => engine.Resolve(request.Name, request.Version));
        return Task.FromResult(new ModelReadyResponse { Ready = engine.IsReady });
    }

    public override Task<ServerMetadataResponse> ServerMetadata(ServerMetadataRequest request, ServerCallContext context)
    {
        var response = new ServerMetadataResponse { Name = RestEndpoints.ServerName, Version = RestEndpoints.ServerVersion };
        response.Extensions.AddRange(RestEndpoints.Extensions);
        return Task.FromResult(response);
    }

    public override Task<ModelMetadataResponse> ModelMetadata(ModelMetadataRequest request, ServerCallContext context)
    {
        var model = Guard(() =>
        {
            engine.Resolve(request.Name, request.Version);
            return engine.RequireModel();
        });
        var response = new ModelMetadataResponse { Name = engine.ModelName, Platform = "onnx_onnxv1" };
        response.Versions.Add(engine.ModelVersion);
        response.Inputs.AddRange(model.Inputs.Select(Describe));
        response.Outputs.AddRange(model.Outputs.Select(Describe));
        return Task.FromResult(response);
    }

    private static ModelMetadataResponse.Types.TensorMetadata Describe(TensorSpec spec)
    {
        var tensor = new ModelMetadataResponse.Types.TensorMetadata { Name = spec.Name, Datatype = spec.DataType.Name() };
        tensor.Shape.AddRange(spec.Shape);
        return tensor;
    }

    public override async Task<ModelInferResponse> ModelInfer(ModelInferRequest request, ServerCallContext context)
    {
        var started = Stopwatch.GetTimestamp();
        var label = string.Equals(request.ModelName, engine.ModelName, StringComparison.Ordinal) ? engine.ModelName : "_unknown";
        var code = 200;
        using var inflight = metrics.TrackInflight(label);
        try
        {
            engine.Resolve(request.ModelName, request.ModelVersion);
            var inferRequest = GrpcTensors.ToRequest(request, engine.ModelName);
            TimeSpan? timeout = context.Deadline == DateTime.MaxValue ? null : context.Deadline - time.GetUtcNow().UtcDateTime;
            var response = await engine.InferAsync(inferRequest, timeout, context.CancellationToken).ConfigureAwait(false);
            return GrpcTensors.ToResponse(response);
        }
        catch (InferenceException ex)
        {
            code = ex.HttpStatus;
            throw new RpcException(new Status(ToStatusCode(ex.Kind), ex.Message));
        }
        catch (Exception ex) when (ex is not RpcException and not OutOfMemoryException)
        {
            code = 500;
            throw new RpcException(new Status(StatusCode.Internal, $"internal error: {ex.Message}"));
        }
        finally
        {
            metrics.Request(label, code, Stopwatch.GetElapsedTime(started).TotalSeconds);
        }
    }

    private static T Guard<T>(Func<T> action)
    {
        try
        {
            return action();
        }
        catch (InferenceException ex)
        {
            throw new RpcException(new Status(ToStatusCode(ex.Kind), ex.Message));
        }
    }

    private static void Guard(Action action) => Guard(() =>
    {
        action();
        return 0;
    });

    public static StatusCode ToStatusCode(ErrorKind kind) => kind switch
    {
        ErrorKind.BadRequest => StatusCode.InvalidArgument,
        ErrorKind.NotFound => StatusCode.NotFound,
        ErrorKind.PayloadTooLarge => StatusCode.ResourceExhausted,
        ErrorKind.TooManyRequests => StatusCode.ResourceExhausted,
        ErrorKind.Unavailable => StatusCode.Unavailable,
        ErrorKind.DeadlineExceeded => StatusCode.DeadlineExceeded,
        ErrorKind.Cancelled => StatusCode.Cancelled,
        _ => StatusCode.Internal,
    };
}

/// <summary>Conversions between the gRPC messages and the engine's tensors.</summary>
internal static class GrpcTensors
{
    public static InferenceRequest ToRequest(ModelInferRequest request, string model)
    {
        if (request.Inputs.Count == 0)
        {
            throw InferenceException.BadRequest("field 'inputs' is empty");
        }

        var raw = request.RawInputContents;
        if (raw.Count > 0 && raw.Count != request.Inputs.Count)
        {
            throw InferenceException.BadRequest($"raw_input_contents has {raw.Count} entries but there are {request.Inputs.Count} inputs; send one per input, in order");
        }

        var inputs = new InferTensor[request.Inputs.Count];
        for (var i = 0; i < inputs.Length; i++)
        {
            var input = request.Inputs[i];
            if (string.IsNullOrEmpty(input.Name))
            {
                throw InferenceException.BadRequest($"inputs[{i}]: field 'name' is missing");
            }

            if (!TensorDataTypes.TryParse(input.Datatype, out var type))
            {
                throw InferenceException.BadRequest($"input '{input.Name}': field 'datatype' '{input.Datatype}' is not one of {TensorDataTypes.KnownNames}");
            }

            var shape = TensorCodec.CheckShape(input.Name, input.Shape);
            if (raw.Count > 0)
            {
                if (input.Contents is not null && HasContents(input.Contents))
                {
                    throw InferenceException.BadRequest($"input '{input.Name}': field 'contents' must be empty when raw_input_contents is used");
                }

                // The message owns its bytes and is never changed: the tensor references them rather than copying.
                inputs[i] = TensorCodec.FromOwnedRaw(input.Name, type, shape, raw[i].Memory, "raw_input_contents");
            }
            else
            {
                inputs[i] = FromContents(input.Name, type, shape, input.Contents);
            }
        }

        return new InferenceRequest
        {
            Id = string.IsNullOrEmpty(request.Id) ? null : request.Id,
            Inputs = inputs,
            Outputs = request.Outputs.Count == 0 ? null : request.Outputs.Select(o => new RequestedOutput(o.Name, true)).ToArray(),
        };
    }

    private static bool HasContents(InferTensorContents c) =>
        c.BoolContents.Count + c.IntContents.Count + c.Int64Contents.Count + c.UintContents.Count + c.Uint64Contents.Count
        + c.Fp32Contents.Count + c.Fp64Contents.Count + c.BytesContents.Count > 0;

    private static InferTensor FromContents(string name, TensorDataType type, long[] shape, InferTensorContents? contents)
    {
        var count = Shapes.Product(shape);
        contents ??= new InferTensorContents();
        if (type == TensorDataType.Bytes)
        {
            Check(name, contents.BytesContents.Count, count, "bytes_contents");
            return new InferTensor { Name = name, DataType = type, Shape = shape, Strings = contents.BytesContents.Select(b => b.ToByteArray()).ToArray() };
        }

        var data = new byte[count * type.ElementSize()];
        var span = data.AsSpan();
        switch (type)
        {
            case TensorDataType.Bool:
                Check(name, contents.BoolContents.Count, count, "bool_contents");
                for (var i = 0; i < count; i++)
                {
                    span[i] = contents.BoolContents[i] ? (byte)1 : (byte)0;
                }

                break;
            case TensorDataType.Int8 or TensorDataType.Int16 or TensorDataType.Int32:
                Check(name, contents.IntContents.Count, count, "int_contents");
                var (min, max) = type switch
                {
                    TensorDataType.Int8 => (sbyte.MinValue, sbyte.MaxValue),
                    TensorDataType.Int16 => (short.MinValue, short.MaxValue),
                    _ => (int.MinValue, int.MaxValue),
                };
                for (var i = 0; i < count; i++)
                {
                    var value = contents.IntContents[i];
                    if (value < min || value > max)
                    {
                        throw InferenceException.BadRequest($"input '{name}': int_contents element {i} = {value} is outside the range of {type.Name()}");
                    }

                    WriteInteger(span, i, type.ElementSize(), value);
                }

                break;
            case TensorDataType.UInt8 or TensorDataType.UInt16 or TensorDataType.UInt32:
                Check(name, contents.UintContents.Count, count, "uint_contents");
                var umax = type switch
                {
                    TensorDataType.UInt8 => byte.MaxValue,
                    TensorDataType.UInt16 => ushort.MaxValue,
                    _ => uint.MaxValue,
                };
                for (var i = 0; i < count; i++)
                {
                    var value = contents.UintContents[i];
                    if (value > umax)
                    {
                        throw InferenceException.BadRequest($"input '{name}': uint_contents element {i} = {value} is outside the range of {type.Name()}");
                    }

                    WriteInteger(span, i, type.ElementSize(), value);
                }

                break;
            case TensorDataType.Int64:
                Check(name, contents.Int64Contents.Count, count, "int64_contents");
                for (var i = 0; i < count; i++)
                {
                    System.Buffers.Binary.BinaryPrimitives.WriteInt64LittleEndian(span[(i * 8)..], contents.Int64Contents[i]);
                }

                break;
            case TensorDataType.UInt64:
                Check(name, contents.Uint64Contents.Count, count, "uint64_contents");
                for (var i = 0; i < count; i++)
                {
                    System.Buffers.Binary.BinaryPrimitives.WriteUInt64LittleEndian(span[(i * 8)..], contents.Uint64Contents[i]);
                }

                break;
            case TensorDataType.Fp32:
                Check(name, contents.Fp32Contents.Count, count, "fp32_contents");
                for (var i = 0; i < count; i++)
                {
                    System.Buffers.Binary.BinaryPrimitives.WriteSingleLittleEndian(span[(i * 4)..], contents.Fp32Contents[i]);
                }

                break;
            case TensorDataType.Fp64:
                Check(name, contents.Fp64Contents.Count, count, "fp64_contents");
                for (var i = 0; i < count; i++)
                {
                    System.Buffers.Binary.BinaryPrimitives.WriteDoubleLittleEndian(span[(i * 8)..], contents.Fp64Contents[i]);
                }

                break;
            default:
                throw InferenceException.BadRequest($"input '{name}': datatype {type.Name()} has no typed contents field; send it in raw_input_contents");
        }

        return new InferTensor { Name = name, DataType = type, Shape = shape, Data = data };
    }

    private static void WriteInteger(Span<byte> span, int index, int size, long value)
    {
        switch (size)
        {
            case 1:
                span[index] = unchecked((byte)value);
                break;
            case 2:
                System.Buffers.Binary.BinaryPrimitives.WriteInt16LittleEndian(span[(index * 2)..], unchecked((short)value));
                break;
            default:
                System.Buffers.Binary.BinaryPrimitives.WriteInt32LittleEndian(span[(index * 4)..], unchecked((int)value));
                break;
        }
    }

    private static void Check(string name, int actual, long expected, string field)
    {
        if (actual != expected)
        {
            throw InferenceException.BadRequest($"input '{name}': {field} has {actual} elements but field 'shape' requires {expected}");
        }
    }

    public static ModelInferResponse ToResponse(InferenceResponse response)
    {
        var message = new ModelInferResponse { ModelName = response.ModelName, ModelVersion = response.ModelVersion, Id = response.Id ?? string.Empty };
        foreach (var output in response.Outputs)
        {
            var tensor = new ModelInferResponse.Types.InferOutputTensor { Name = output.Name, Datatype = output.DataType.Name() };
            tensor.Shape.AddRange(output.Shape);
            message.Outputs.Add(tensor);
            message.RawOutputContents.Add(UnsafeByteOperations.UnsafeWrap(TensorCodec.ToRaw(output)));
        }

        return message;
    }
}
