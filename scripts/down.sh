#!/usr/bin/env bash
# Stop what scripts/up.sh started: dbaas-worker and dbaas-api (SIGTERM, then
# SIGKILL after 10 s), then the backing services that scripts/services.sh
# started itself. Engine containers are not touched (their data lives in
# volumes); see `make clean-containers`. Safe to run any number of times.
set -euo pipefail
SCRIPT_NAME=down
# shellcheck source=scripts/lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

# The worker first, so no job is picked up while the API goes away.
stop_pid "$RUN_DIR/worker.pid" dbaas-worker 10
stop_pid "$RUN_DIR/api.pid" dbaas-api 10
"$ROOT/scripts/services.sh" stop
log "down"
