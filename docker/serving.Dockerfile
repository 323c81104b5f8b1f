# Serving engine image: the OIP v2 server (inference-server) plus inferctl, which the profiling Job and the model
# init container run. Build from the repository root:
#   docker build -f docker/serving.Dockerfile -t inferenceoperator/inference-server:0.1.0 .
# CPU build; for CUDA nodes build with --build-arg ORT_PACKAGE=Microsoft.ML.OnnxRuntime.Gpu.Linux on an nvidia/cuda runtime base.
FROM mcr.microsoft.com/dotnet/sdk:10.0 AS build
WORKDIR /src
COPY global.json Directory.Build.props Directory.Packages.props .editorconfig ./
COPY operator/ operator/
RUN dotnet publish operator/InferenceOperator.Serving/InferenceOperator.Serving.csproj -c Release -o /out/server \
 && dotnet publish operator/InferenceOperator.Cli/InferenceOperator.Cli.csproj -c Release -o /out/inferctl

FROM mcr.microsoft.com/dotnet/aspnet:10.0
WORKDIR /app
COPY --from=build /out/server /app/server
COPY --from=build /out/inferctl /app/inferctl
ENV PATH="/app/inferctl:/app/server:${PATH}" \
    DOTNET_gcServer=0 \
    ASPNETCORE_URLS=""
# The base image's non-root "app" user (UID 1654); pods also set runAsNonRoot and a read-only root filesystem.
USER $APP_UID
EXPOSE 8080 8081
ENTRYPOINT ["/app/server/inference-server"]
