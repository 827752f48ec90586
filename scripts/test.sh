#!/usr/bin/env bash
# Run the workspace's tests against real services: packages, backing services
# and the engine image first, then `cargo test --workspace "$@"`.
# The end-to-end tests read:
#   DBAAS_TEST_ADMIN_URL  a role that may CREATE DATABASE (each test makes its own metadata db)
#   DBAAS_REDIS_URL       the job queue
#   DBAAS_POSTGRES_IMAGE  the engine image
set -euo pipefail
SCRIPT_NAME="test"
# shellcheck source=scripts/lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
cd "$ROOT"

"$ROOT/scripts/deps.sh"
"$ROOT/scripts/services.sh" start
"$ROOT/engines/postgres/build.sh"

export DBAAS_TEST_ADMIN_URL="${DBAAS_TEST_ADMIN_URL:-postgres://dbaas:dbaas@127.0.0.1:5432/postgres}"
export DBAAS_REDIS_URL="${DBAAS_REDIS_URL:-redis://127.0.0.1:6379/}"
export DBAAS_POSTGRES_IMAGE="${DBAAS_POSTGRES_IMAGE:-dbaas/postgres:15}"

log "cargo test --workspace $*"
exec cargo test --workspace "$@"
