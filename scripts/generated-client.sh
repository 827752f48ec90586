#!/usr/bin/env bash
# Generate a Python client from the committed spec (openapi/dbaas.json) with a
# third-party generator (openapi-python-client), start an api and a worker of our
# own, and drive tests/generated-client/scenario.py with the client: create a
# database of each engine, wait until it is ready, read its credential, connect to the engine
# with it, reset the password, and check the old one is refused and the new one
# accepted. Prints `generated-client: N passed, N failed`; exits non-zero on any
# failure.
#
# Needs the backing services (Postgres, Redis, dockerd, the engine image) running,
# as scripts/test.sh leaves them. Reads, like the cargo tests:
#   DBAAS_TEST_ADMIN_URL  a role that may CREATE DATABASE (for the catalog database)
#   DBAAS_REDIS_URL       the job queue
# and DBAAS_GENCLIENT_VENV (where the generator is installed, default below) and
# DBAAS_GENCLIENT_SPEC (another spec to generate from; default: the committed one).
# Everything it makes (catalog database, containers, volumes, Redis keys, the
# generated client) carries a random id and is removed on exit.
set -euo pipefail
SCRIPT_NAME="generated-client"
# shellcheck source=scripts/lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
cd "$ROOT"
started_at=$SECONDS

VENV="${DBAAS_GENCLIENT_VENV:-/var/cache/dbaas/venv-genclient}"
SPEC="${DBAAS_GENCLIENT_SPEC:-$ROOT/openapi/dbaas.json}"
# Pinned: another generator version may generate another client.
REQUIREMENTS=(openapi-python-client==0.29.1 pg8000==1.31.6 pymongo==4.20.1)

# --- the generator, in a venv outside the repo, installed only when missing ---
ensure_venv "$VENV" "${REQUIREMENTS[@]}"

# --- names for this run (scripts/lib.sh: stack_*) ---
stack_init genclient
SCENARIO_PID=""

# shellcheck disable=SC2317  # runs from the EXIT trap
cleanup() {
	local status=$?
	trap - EXIT INT TERM
	stop_child "$SCENARIO_PID" scenario
	stack_cleanup "$status"
	log "done in $((SECONDS - started_at))s"
	exit "$status"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# --- the client, generated from the spec; warnings about the spec fail the run ---
log "generating the client from ${SPEC#"$ROOT/"}"
"$VENV/bin/openapi-python-client" generate --path "$SPEC" --config tests/generated-client/config.yml \
	--meta none --output-path "$STACK_TMP/client/dbaas_client" --fail-on-warning > "$STACK_TMP/generate.log" 2>&1 || {
	cat "$STACK_TMP/generate.log" >&2
	die "openapi-python-client could not generate a client from ${SPEC#"$ROOT/"}"
}

# --- the api and the worker, on a catalog database of their own ---
stack_start

# --- the scenario ---
log "running tests/generated-client/scenario.py"
# In the background, so that a signal reaches the trap (and the cleanup) at once.
DBAAS_URL="$STACK_URL" DBAAS_ADMIN_USER="$STACK_ADMIN_USER" DBAAS_ADMIN_PASSWORD="$STACK_ADMIN_PASSWORD" \
	GENCLIENT_NAME="genclient_$STACK_ID" PYTHONPATH="$STACK_TMP/client" \
	"$VENV/bin/python" tests/generated-client/scenario.py &
SCENARIO_PID=$!
status=0
wait "$SCENARIO_PID" || status=$?
SCENARIO_PID=""
exit "$status"
