# Operator image. Build from the repository root:
#   docker build -f docker/operator.Dockerfile -t inferenceoperator/operator:0.1.0 .
FROM mcr.microsoft.com/dotnet/sdk:10.0 AS build
WORKDIR /src
COPY global.json Directory.Build.props Directory.Packages.props .editorconfig ./
COPY operator/ operator/
RUN dotnet publish operator/InferenceOperator/InferenceOperator.csproj -c Release -o /out/operator

FROM mcr.microsoft.com/dotnet/aspnet:10.0
WORKDIR /app
COPY --from=build /out/operator /app
ENV DOTNET_gcServer=0
# The base image's non-root "app" user (UID 1654), matching runAsNonRoot in config/manager.
USER $APP_UID
EXPOSE 8080 8081
ENTRYPOINT ["/app/InferenceOperator"]
