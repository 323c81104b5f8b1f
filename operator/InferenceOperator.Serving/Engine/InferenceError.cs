namespace InferenceOperator.Serving.Engine;

/// <summary>What went wrong, in the terms both REST status codes and gRPC status codes can express.</summary>
internal enum ErrorKind
{
    BadRequest,
    NotFound,
    PayloadTooLarge,
    TooManyRequests,
    Unavailable,
    DeadlineExceeded,
    Cancelled,
    Internal,
}

/// <summary>An error that becomes an OIP error response: <c>{"error": Message}</c> with the matching status.</summary>
internal sealed class InferenceException(ErrorKind kind, string message, Exception? inner = null) : Exception(message, inner)
{
    public ErrorKind Kind { get; } = kind;

    public int HttpStatus => Kind switch
    {
        ErrorKind.BadRequest => 400,
        ErrorKind.NotFound => 404,
        ErrorKind.PayloadTooLarge => 413,
        ErrorKind.TooManyRequests => 429,
        ErrorKind.Unavailable => 503,
        ErrorKind.DeadlineExceeded => 504,
        ErrorKind.Cancelled => 499,
        _ => 500,
    };

    public static InferenceException BadRequest(string message) => new(ErrorKind.BadRequest, message);
}
