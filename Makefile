# Developer entry points; the work is done by scripts/*.sh (see each for details).
# `make` alone lists the targets.

SHELL := /usr/bin/env bash
.DEFAULT_GOAL := help
SHELL_SCRIPTS := scripts/*.sh engines/postgres/*.sh engines/mongodb/*.sh engines/mongodb/mongod .ci/run

.PHONY: help up down test image control-plane-image status fmt lint chart fuzz fuzz-deep openapi bench bench-recovery clean-containers

help: ## List the targets
	@awk 'BEGIN {FS = ":.*## "} /^[a-z-]+:.*## / {printf "  make %-17s %s\n", $$1, $$2}' $(MAKEFILE_LIST)

up: ## Install, start services, build, migrate, run api + worker (prints URL and admin login)
	scripts/up.sh

down: ## Stop api + worker and the services that `up` started
	scripts/down.sh

test: ## Run the workspace tests against real services (ARGS="..." passed to cargo test)
	scripts/test.sh $(ARGS)

image: ## Build the engine images dbaas/postgres:15 and dbaas/mongo:7 (FORCE=1 to rebuild)
	scripts/deps.sh
	scripts/services.sh start docker
	engines/postgres/build.sh
	engines/mongodb/build.sh

control-plane-image: ## Build dbaas/control-plane:VERSION, the image the chart runs (both binaries, release build; FORCE=1 to re-import)
	scripts/deps.sh
	scripts/services.sh start docker
	scripts/control-plane-image.sh

status: ## Show services, api and worker
	scripts/services.sh status

fmt: ## Format the Rust code
	cargo fmt --all

lint: ## cargo fmt --check, clippy -D warnings, and shellcheck when installed
	cargo fmt --all -- --check
	cargo clippy --workspace --all-targets -- -D warnings
	@if command -v shellcheck >/dev/null; then \
		echo "shellcheck $(SHELL_SCRIPTS)"; shellcheck -x $(SHELL_SCRIPTS); \
	else \
		echo "shellcheck not installed (apt-get install shellcheck); shell scripts not checked"; \
	fi

chart: ## Lint the Helm chart and validate its rendered manifests offline
	scripts/chart-check.sh

fuzz: ## Fuzz the whole served spec as a stranger would: all phases, all checks, no dictionaries or request hooks (CI; FUZZ_SEED; reports in var/log/fuzz)
	FUZZ_PROFILE=untuned scripts/fuzz.sh $(ARGS)

fuzz-deep: ## The tuned run beside it: dictionaries of valid values and guards (CI; tests/fuzz/deep.toml)
	FUZZ_PROFILE=deep scripts/fuzz.sh $(ARGS)

openapi: ## Rewrite openapi/dbaas.json from the code
	UPDATE_OPENAPI=1 cargo test -p dbaas-api --test openapi

bench: ## Provisioning per engine (the floor, cold and pooled, with ratios to the floor), push to start of a job on an idle worker, and authenticated reads under load with 10 and 10,000 databases, a shared plan's POST to connection and memory per database at SHARED_DATABASES=100 (RUNS=7, ENGINES="postgres mongodb", LOAD_SECONDS=4 per load run)
	@scripts/deps.sh bench
	@set -o pipefail; out="$$(mktemp)"; trap 'rm -f "$$out"' EXIT; \
	for engine in $${ENGINES:-postgres mongodb}; do \
		cargo bench -p dbaas-tests --bench provision_latency -- $${RUNS:-7} "$$engine" | tee -a "$$out" || exit 1; \
	done; \
	cargo bench -p dbaas-tests --bench push_start -- $${RUNS:-7} | tee -a "$$out" || exit 1; \
	cargo bench -p dbaas-tests --bench api_reads -- $${LOAD_SECONDS:-4} | tee -a "$$out" || exit 1; \
	cargo bench -p dbaas-tests --bench shared_plans -- $${RUNS:-7} $${SHARED_DATABASES:-100} | tee -a "$$out" || exit 1; \
	echo; echo "medians (min, max):"; grep -E ': first connection over|^push to start|^shared: POST|^shared engine memory' "$$out"

bench-recovery: ## SIGKILL the worker while it provisions COUNT=5 databases, restart it at once, print the time until all are ready (ENGINE=postgres)
	cargo build --release --bins
	DBAAS_BIN_DIR="$(CURDIR)/target/release" cargo bench -p dbaas-tests --bench worker_recovery -- $${COUNT:-5} $${ENGINE:-postgres}

clean-containers: ## Remove every container and volume labelled dbaas.managed=true (no questions asked)
	@ids="$$(docker ps -aq --filter label=dbaas.managed=true)"; \
	if [[ -n "$$ids" ]]; then echo "removing containers: $$(echo $$ids)"; docker rm -f $$ids >/dev/null; fi
	@vols="$$(docker volume ls -q --filter label=dbaas.managed=true)"; \
	if [[ -n "$$vols" ]]; then echo "removing volumes: $$(echo $$vols)"; docker volume rm $$vols >/dev/null; fi
