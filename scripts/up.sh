#!/usr/bin/env bash
# Bring up a local dbaas: packages, backing services, the engine image, a
# release build, the database schema, then dbaas-api and dbaas-worker in the
# background. Safe to re-run: what is already there is left as it is.
#
# Local settings and secrets live in var/dbaas.env (created once, mode 600,
# KEY=VALUE lines, no quoting). Variables already set in the environment win
# over the file.
set -euo pipefail
SCRIPT_NAME=up
# shellcheck source=scripts/lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
cd "$ROOT"

ENV_FILE="$VAR/dbaas.env"

"$ROOT/scripts/deps.sh"
"$ROOT/scripts/services.sh" start
"$ROOT/engines/postgres/build.sh"
"$ROOT/engines/mongodb/build.sh"

log "cargo build --release --bins"
cargo build --release --bins

random_alnum() {
	# 24 characters from [A-Za-z0-9]; LC_ALL=C so tr works on bytes.
	LC_ALL=C tr -dc 'A-Za-z0-9' < /dev/urandom | head -c "${1:-24}" || :
}

if [[ ! -e "$ENV_FILE" ]]; then
	log "creating $ENV_FILE (secret key and admin password for this machine)"
	(
		umask 077
		{
			echo "# dbaas local settings, made by scripts/up.sh. KEY=VALUE, no quotes."
			echo "# The environment of \`make up\` overrides anything here."
			echo "DBAAS_SECRET_KEY=${DBAAS_SECRET_KEY:-$(head -c32 /dev/urandom | base64)}"
			echo "DBAAS_ADMIN_USER=${DBAAS_ADMIN_USER:-admin}"
			echo "DBAAS_ADMIN_PASSWORD=${DBAAS_ADMIN_PASSWORD:-$(random_alnum 24)}"
			echo "# Defaults of the binaries, for reference:"
			echo "# DBAAS_DATABASE_URL=postgres://dbaas:dbaas@127.0.0.1:5432/dbaas"
			echo "# DBAAS_REDIS_URL=redis://127.0.0.1:6379/"
			echo "# DBAAS_LISTEN=127.0.0.1:8000"
			echo "# DBAAS_POSTGRES_IMAGE=dbaas/postgres:15"
			echo "# RUST_LOG=info"
		} > "$ENV_FILE.tmp"
		mv "$ENV_FILE.tmp" "$ENV_FILE"
	)
fi
chmod 600 "$ENV_FILE"

# Load the file without letting it override the caller's environment.
while IFS= read -r line || [[ -n "$line" ]]; do
	[[ "$line" =~ ^[[:space:]]*(#|$) ]] && continue
	key="${line%%=*}"
	[[ "$key" =~ ^[A-Za-z_][A-Za-z0-9_]*$ && "$line" == *=* ]] || die "$ENV_FILE: bad line: $line"
	if [[ -z "${!key+set}" ]]; then
		export "$key=${line#*=}"
	fi
done < "$ENV_FILE"
[[ -n "${DBAAS_SECRET_KEY:-}" ]] || die "DBAAS_SECRET_KEY is empty (see $ENV_FILE)"
export DBAAS_POSTGRES_IMAGE="${DBAAS_POSTGRES_IMAGE:-dbaas/postgres:15}"
export DBAAS_MONGODB_IMAGE="${DBAAS_MONGODB_IMAGE:-dbaas/mongo:7}"
export DBAAS_DEFAULT_POOL_SIZE="${DBAAS_DEFAULT_POOL_SIZE:-2}"

API_BIN="$ROOT/target/release/dbaas-api"
WORKER_BIN="$ROOT/target/release/dbaas-worker"
[[ -x "$API_BIN" && -x "$WORKER_BIN" ]] || die "cargo did not produce $API_BIN and $WORKER_BIN"

log "dbaas-api migrate"
"$API_BIN" migrate || die "migrations failed"

# usage: launch NAME BINARY [ARGS...] -- start in the background unless already running.
launch() {
	local name="$1" pidfile="$RUN_DIR/$1.pid" logfile="$LOG_DIR/$1.log"
	shift
	if pid_alive "$pidfile" "dbaas-$name"; then
		log "dbaas-$name is already running (pid $(< "$pidfile")); left as it is (make down && make up restarts it)"
		return 0
	fi
	printf '\n=== %s dbaas-%s starting\n' "$(date -u +%FT%TZ)" "$name" >> "$logfile"
	# setsid: own session, so it survives this shell; stdin from /dev/null.
	# NO_COLOR: plain text in the log files.
	NO_COLOR="${NO_COLOR:-1}" setsid "$@" >> "$logfile" 2>&1 < /dev/null &
	echo "$!" > "$pidfile"
	log "started dbaas-$name (pid $!, log var/log/$name.log)"
}
launch api "$API_BIN" serve
launch worker "$WORKER_BIN"

listen="${DBAAS_LISTEN:-127.0.0.1:8000}"
host="${listen%:*}"
port="${listen##*:}"
case "$host" in "" | 0.0.0.0 | "[::]" | "::") host=127.0.0.1 ;; esac
url="http://$host:$port"

log "waiting for $url/health"
deadline=$((SECONDS + 60))
until curl -fsS -o /dev/null --max-time 2 "$url/health" 2> /dev/null; do
	if ! pid_alive "$RUN_DIR/api.pid" dbaas-api; then
		tail -n 40 "$LOG_DIR/api.log" >&2 || :
		die "dbaas-api exited; the end of var/log/api.log is above"
	fi
	if ((SECONDS >= deadline)); then
		tail -n 40 "$LOG_DIR/api.log" >&2 || :
		die "dbaas-api did not answer $url/health within 60 s; the end of var/log/api.log is above"
	fi
	sleep 1
done
if ! pid_alive "$RUN_DIR/worker.pid" dbaas-worker; then
	tail -n 40 "$LOG_DIR/worker.log" >&2 || :
	die "dbaas-worker exited; the end of var/log/worker.log is above"
fi

cat <<EOF

dbaas is up.
  API:    $url
  Docs:   $url/docs
  Admin:  user ${DBAAS_ADMIN_USER:-admin}, password ${DBAAS_ADMIN_PASSWORD:-(not set)}
          (var/dbaas.env or the environment; the api creates the admin on its first start only)
  Logs:   var/log/api.log, var/log/worker.log (services: var/log/)
  Status: make status
  Stop:   make down
EOF
