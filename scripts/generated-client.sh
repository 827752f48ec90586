#!/usr/bin/env bash
# Generate a Python client from the committed spec (openapi/dbaas.json) with a
# third-party generator (openapi-python-client), start an api and a worker of our
# own, and drive tests/generated-client/scenario.py with the client: create a
# database, wait until it is ready, read its credential, connect to the engine
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
ADMIN_URL="${DBAAS_TEST_ADMIN_URL:-postgres://dbaas:dbaas@127.0.0.1:5432/postgres}"
REDIS_URL="${DBAAS_REDIS_URL:-redis://127.0.0.1:6379/}"
# Pinned: another generator version may generate another client.
REQUIREMENTS=(openapi-python-client==0.29.1 pg8000==1.31.6)

# --- the generator, in a venv outside the repo, installed only when missing ---
install_venv() {
	local marker="$VENV/.dbaas-requirements" want="${REQUIREMENTS[*]}"
	if [[ -x "$VENV/bin/python" && "$(cat "$marker" 2> /dev/null)" == "$want" ]]; then
		return 0
	fi
	log "installing ${REQUIREMENTS[*]} into $VENV"
	if ! python3 -c 'import venv, ensurepip' 2> /dev/null; then
		as_root apt-get update -q > "$LOG_DIR/apt.log" 2>&1 || :
		DEBIAN_FRONTEND=noninteractive as_root apt-get install -y -q --no-install-recommends python3-venv \
			>> "$LOG_DIR/apt.log" 2>&1 || die "cannot install python3-venv (see $LOG_DIR/apt.log)"
	fi
	mkdir -p "$(dirname "$VENV")"
	rm -rf "$VENV"
	python3 -m venv "$VENV"
	"$VENV/bin/pip" install -q --disable-pip-version-check "${REQUIREMENTS[@]}"
	printf '%s' "$want" > "$marker"
}
mkdir -p "$(dirname "$VENV")"
# One install at a time when several runs start together.
exec 9> "$VENV.lock"
flock 9
install_venv
flock -u 9
exec 9>&-

# --- names for this run ---
ID="$(od -An -N5 -tx1 /dev/urandom | tr -d ' \n')"
DEPLOYMENT="genclient-$ID"
CATALOG="dbaas_genclient_$ID"
CATALOG_URL="${ADMIN_URL%/*}/$CATALOG"
API_PORT="$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')"
PORT_MIN=$((21000 + 20 * (RANDOM % 450)))
PORT_RANGE="$PORT_MIN-$((PORT_MIN + 19))"
ADMIN_PASSWORD="$(head -c 18 /dev/urandom | base64 | tr '+/' '-_')"
TMP="$(mktemp -d -t dbaas-genclient.XXXXXX)"
# Removes from the sorted set KEYS[1] the members that start with ARGV[1].
ZREM_MATCHING="local n = 0
for _, m in ipairs(redis.call('ZRANGE', KEYS[1], 0, -1)) do
	if string.sub(m, 1, #ARGV[1]) == ARGV[1] then n = n + redis.call('ZREM', KEYS[1], m) end
end
return n"
API_PID="" WORKER_PID="" SCENARIO_PID=""

# shellcheck disable=SC2317  # stop and cleanup run from the EXIT trap
stop() { # PID NAME
	local pid="$1" i
	[[ -n "$pid" ]] && kill -0 "$pid" 2> /dev/null || return 0
	kill -TERM "$pid" 2> /dev/null || :
	for ((i = 0; i < 50; i++)); do
		kill -0 "$pid" 2> /dev/null || break
		sleep 0.2
	done
	if kill -0 "$pid" 2> /dev/null; then
		log "$2 did not stop within 10s; sending SIGKILL"
		kill -KILL "$pid" 2> /dev/null || :
	fi
	wait "$pid" 2> /dev/null || :
}

# shellcheck disable=SC2317
cleanup() {
	local status=$? ids
	trap - EXIT INT TERM
	if ((status != 0)); then
		for f in api worker; do
			if [[ -s "$TMP/$f.log" ]]; then
				log "last lines of the $f's log:"
				tail -n 30 "$TMP/$f.log" >&2
			fi
		done
	fi
	stop "$SCENARIO_PID" scenario
	stop "$WORKER_PID" worker
	stop "$API_PID" api
	ids="$(docker ps -aq --filter "label=dbaas.deployment=$DEPLOYMENT" 2> /dev/null)" || ids=""
	if [[ -n "$ids" ]]; then
		# shellcheck disable=SC2086  # one id a word
		docker rm -f -v $ids > /dev/null 2>&1 || log "could not remove containers: $ids"
	fi
	ids="$(docker volume ls -q --filter "label=dbaas.deployment=$DEPLOYMENT" 2> /dev/null)" || ids=""
	if [[ -n "$ids" ]]; then
		# shellcheck disable=SC2086
		docker volume rm $ids > /dev/null 2>&1 || log "could not remove volumes: $ids"
	fi
	psql -q "$ADMIN_URL" -v ON_ERROR_STOP=1 -c "DROP DATABASE IF EXISTS \"$CATALOG\" WITH (FORCE)" > /dev/null 2>&1 ||
		log "could not drop the database $CATALOG"
	redis-cli -u "$REDIS_URL" --scan --pattern "*$DEPLOYMENT*" 2> /dev/null |
		xargs -r redis-cli -u "$REDIS_URL" del > /dev/null 2>&1 || log "could not delete the Redis keys *$DEPLOYMENT*"
	# apalis also lists every queue in one shared sorted set: take ours out of it.
	redis-cli -u "$REDIS_URL" eval "$ZREM_MATCHING" 1 core:apalis:queues:list "$DEPLOYMENT:" > /dev/null 2>&1 ||
		log "could not remove $DEPLOYMENT from core:apalis:queues:list"
	rm -rf "$TMP"
	log "done in $((SECONDS - started_at))s"
	exit "$status"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# --- the client, generated from the spec; warnings about the spec fail the run ---
log "generating the client from ${SPEC#"$ROOT/"}"
"$VENV/bin/openapi-python-client" generate --path "$SPEC" --config tests/generated-client/config.yml \
	--meta none --output-path "$TMP/client/dbaas_client" --fail-on-warning > "$TMP/generate.log" 2>&1 || {
	cat "$TMP/generate.log" >&2
	die "openapi-python-client could not generate a client from ${SPEC#"$ROOT/"}"
}

# --- the api and the worker, on a catalog database of their own ---
log "cargo build --bins"
cargo build --bins
psql -q "$ADMIN_URL" -v ON_ERROR_STOP=1 -c "CREATE DATABASE \"$CATALOG\"" > /dev/null

export DBAAS_DATABASE_URL="$CATALOG_URL"
export DBAAS_REDIS_URL="$REDIS_URL"
export DBAAS_QUEUE_PREFIX="$DEPLOYMENT"
export DBAAS_DEPLOYMENT="$DEPLOYMENT"
export DBAAS_LISTEN="127.0.0.1:$API_PORT"
export DBAAS_SECRET_KEY
DBAAS_SECRET_KEY="$(head -c32 /dev/urandom | base64)"
export DBAAS_ADMIN_USER=admin
export DBAAS_ADMIN_PASSWORD="$ADMIN_PASSWORD"
export DBAAS_PORT_RANGE="$PORT_RANGE"
export DBAAS_POLL_INTERVAL_MS=50
unset DBAAS_PUBLIC_URL

log "starting the api on 127.0.0.1:$API_PORT (deployment $DEPLOYMENT, engine ports $PORT_RANGE)"
target/debug/dbaas-api serve > "$TMP/api.log" 2>&1 &
API_PID=$!
deadline=$((SECONDS + 60))
until curl -fsS -o /dev/null "http://127.0.0.1:$API_PORT/health" 2> /dev/null; do
	kill -0 "$API_PID" 2> /dev/null || die "the api exited before answering GET /health"
	((SECONDS < deadline)) || die "the api did not answer GET /health within 60s"
	sleep 0.2
done
target/debug/dbaas-worker > "$TMP/worker.log" 2>&1 &
WORKER_PID=$!

# --- the scenario ---
log "running tests/generated-client/scenario.py"
# In the background, so that a signal reaches the trap (and the cleanup) at once.
DBAAS_URL="http://127.0.0.1:$API_PORT" GENCLIENT_NAME="genclient_$ID" PYTHONPATH="$TMP/client" \
	"$VENV/bin/python" tests/generated-client/scenario.py &
SCENARIO_PID=$!
status=0
wait "$SCENARIO_PID" || status=$?
SCENARIO_PID=""
exit "$status"
