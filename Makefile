# InferenceOperator — one entry point for people and CI. `make help` lists the targets.
SHELL := /bin/bash
DOTNET ?= dotnet
SOLUTION := InferenceOperator.sln
CLI := operator/InferenceOperator.Cli
INFERCTL := $(DOTNET) run --project $(CLI) --no-launch-profile --
KUSTOMIZE ?= kubectl kustomize
RESULTS := TestResults
export DOTNET_CLI_TELEMETRY_OPTOUT := 1
export DOTNET_NOLOGO := 1

.PHONY: help build test crds demo run deploy undeploy bench fmt clean

help: ## List targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  %-10s %s\n", $$1, $$2}'

build: ## Build everything (warnings are errors)
	$(DOTNET) build $(SOLUTION)

test: ## Run every test and print "N passed, N failed, N skipped"
	@rm -rf $(RESULTS)
	@set +e; $(DOTNET) test $(SOLUTION) --logger trx --results-directory $(RESULTS); status=$$?; \
	  scripts/test-summary.sh $(RESULTS); exit $$status

crds: ## Regenerate crds/ and the generated parts of config/ from the C# API types
	$(INFERCTL) crds --output crds --catalog config/catalog

demo: ## The main job on this machine, no cluster: plan, quantize, serve and report MiniLM locally
	$(INFERCTL) demo

run: ## Run the operator out-of-cluster against the current kubeconfig
	$(DOTNET) run --project operator/InferenceOperator --no-launch-profile

deploy: ## Install CRDs, RBAC, the catalog and the operator on the current cluster
	kubectl apply -k config/default

undeploy: ## Remove what deploy installed
	kubectl delete -k config/default --ignore-not-found

bench: ## Benchmarks; each prints ratios against a baseline measured in the same run
	$(DOTNET) run -c Release --project bench/InferenceOperator.Bench
	$(DOTNET) run -c Release --project bench/InferenceOperator.Models.Bench
	$(DOTNET) run -c Release --project bench/InferenceOperator.Serving.Bench
	$(DOTNET) run -c Release --project bench/InferenceOperator.Operator.Bench -- 1000
	@echo "== local mode: the CPU plan's predicted throughput against the engine's measured throughput (goal: ratio within ±20%) =="
	$(DOTNET) run -c Release --project $(CLI) --no-launch-profile -- demo --load-seconds 20

fmt: ## Format the code (file-scoped namespaces, sorted usings, whitespace)
	$(DOTNET) format $(SOLUTION)

clean: ## Remove build outputs
	$(DOTNET) clean $(SOLUTION)
	rm -rf $(RESULTS)
