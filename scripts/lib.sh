#!/usr/bin/env bash
# Shared bits for scripts/*.sh: sourced, never run. Everything local lives
# under the repo's var/ (git-ignored): var/run for pid and marker files,
# var/log for logs (dockerd's too), var/lib for redis data.
# shellcheck disable=SC2034  # variables used by the scripts that source this

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
VAR="$ROOT/var"
RUN_DIR="$VAR/run"
LOG_DIR="$VAR/log"
mkdir -p "$RUN_DIR" "$LOG_DIR"

log() { printf '[%s] %s\n' "${SCRIPT_NAME:-dbaas}" "$*" >&2; }
die() {
	log "error: $*"
	exit 1
}

# Run a command as root: directly when we are root (CI), else through sudo.
as_root() {
	if [[ "$(id -u)" == 0 ]]; then
		"$@"
	else
		sudo "$@"
	fi
}

# Run a command as the postgres OS user (peer auth on the local socket).
as_postgres() {
	if [[ "$(id -u)" == 0 ]]; then
		runuser -u postgres -- "$@"
	else
		sudo -u postgres "$@"
	fi
}

# usage: wait_for SECONDS CMD...  -- poll CMD every half second until it succeeds.
wait_for() {
	local deadline=$((SECONDS + $1))
	shift
	until "$@" > /dev/null 2>&1; do
		((SECONDS < deadline)) || return 1
		sleep 0.5
	done
}

# usage: pid_alive PIDFILE NAME  -- true when PIDFILE names a live process whose
# command line mentions NAME (a recycled pid is not mistaken for ours).
pid_alive() {
	local pid
	[[ -s "$1" ]] || return 1
	pid="$(< "$1")"
	[[ "$pid" =~ ^[0-9]+$ ]] || return 1
	kill -0 "$pid" 2> /dev/null || return 1
	tr '\0' ' ' < "/proc/$pid/cmdline" 2> /dev/null | grep -q -- "$2"
}

# usage: stop_pid PIDFILE NAME [TIMEOUT]  -- SIGTERM, wait, SIGKILL; removes PIDFILE.
stop_pid() {
	local pidfile="$1" name="$2" timeout="${3:-10}" pid deadline
	if ! pid_alive "$pidfile" "$name"; then
		rm -f "$pidfile"
		return 0
	fi
	pid="$(< "$pidfile")"
	log "stopping $name (pid $pid)"
	kill -TERM "$pid" 2> /dev/null || :
	deadline=$((SECONDS + timeout))
	while kill -0 "$pid" 2> /dev/null && ((SECONDS < deadline)); do
		sleep 0.2
	done
	if kill -0 "$pid" 2> /dev/null; then
		log "$name did not stop within ${timeout}s; sending SIGKILL"
		kill -KILL "$pid" 2> /dev/null || :
		wait_for 5 bash -c "! kill -0 $pid" || :
	fi
	rm -f "$pidfile"
}

has_systemd() { [[ -d /run/systemd/system ]]; }

# --- Images made without a registry (engines/*/build.sh, scripts/control-plane-image.sh) ---
# Each is a root filesystem assembled in a folder, then `docker import`ed with a label
# dbaas.inputs: a hash of what it was made from, so that a script rebuilds it only when that
# changed. A script that uses the functions below counts their text among its inputs
# (`declare -f NAME...`), and no other part of this file.

# usage: image_inputs IMAGE  -- the dbaas.inputs label IMAGE was built with ("" when there
# is no such image or label).
image_inputs() {
	docker image inspect -f '{{index .Config.Labels "dbaas.inputs"}}' "$1" 2> /dev/null || :
}

# usage: copy_libs ROOT FILE  -- the shared libraries and loader FILE loads (what ldd lists),
# each at its own path under ROOT (whose lib dirs are merged-/usr links), with the Debian
# copyright files of their packages.
copy_libs() {
	local root="$1" lib
	for lib in $(ldd "$2" | grep -oE '/[^ ]+\.so[^ ]*'); do
		[[ -e "$root$lib" ]] && continue
		mkdir -p "$root$(dirname "$lib")"
		cp -L "$lib" "$root$lib"
		copy_copyright "$root" "$lib"
	done
}

# usage: copy_copyright ROOT FILE  -- the Debian copyright file of the package owning FILE.
copy_copyright() {
	local root="$1" real pkg="" path
	real="$(readlink -f "$2")"
	# dpkg knows a file by the path its package installed, /lib or /usr/lib (merged /usr).
	for path in "$2" "$real" "${real#/usr}"; do
		pkg="$(dpkg -S "$path" 2> /dev/null | head -n 1 | cut -d: -f1)" && [[ -n "$pkg" ]] && break
		pkg=""
	done
	[[ -n "$pkg" && -f "/usr/share/doc/$pkg/copyright" && ! -e "$root/usr/share/doc/$pkg/copyright" ]] || return 0
	mkdir -p "$root/usr/share/doc/$pkg"
	cp "/usr/share/doc/$pkg/copyright" "$root/usr/share/doc/$pkg/copyright"
}

# usage: import_image ROOT IMAGE INPUTS MESSAGE [CHANGE...]  -- `docker import` of the tree
# ROOT as IMAGE with the commit MESSAGE, the Dockerfile CHANGEs (ENV, CMD, USER...) and the
# label dbaas.inputs=INPUTS. docker import refuses STOPSIGNAL: a STOPSIGNAL change is made by
# a metadata-only build from the imported image (no registry). The image IMAGE named before
# is removed, unless a container still uses it.
import_image() {
	local root="$1" image="$2" inputs="$3" message="$4" change old_id new_id output stopsignal=""
	shift 4
	local -a changes=()
	for change in "$@"; do
		if [[ "$change" == STOPSIGNAL\ * ]]; then
			stopsignal="$change"
		else
			changes+=(-c "$change")
		fi
	done
	old_id="$(docker image inspect -f '{{.Id}}' "$image" 2> /dev/null || :)"
	log "importing $image"
	tar -C "$root" --numeric-owner -c . |
		docker import "${changes[@]}" -c "LABEL dbaas.inputs=$inputs" -m "$message" - "$image" > /dev/null
	if [[ -n "$stopsignal" ]] &&
		! output="$(printf 'FROM %s\n%s\n' "$image" "$stopsignal" | DOCKER_BUILDKIT=0 docker build -q -t "$image" - 2>&1)"; then
		printf '%s\n' "$output" >&2
		log "warning: could not set $stopsignal; set it per container (docker run --stop-signal)"
	fi
	new_id="$(docker image inspect -f '{{.Id}}' "$image")"
	if [[ -n "$old_id" && "$old_id" != "$new_id" ]]; then
		# The replaced image is dangling now.
		docker image rm "$old_id" > /dev/null 2>&1 || :
	fi
	log "built $image ($(docker image inspect -f '{{.Size}}' "$image" | awk '{printf "%.0f MB", $1/1e6}'), $SECONDS s)"
}

# --- A throwaway api + worker stack, for the scripts that drive the API from outside ---
# (generated-client.sh, fuzz.sh). Needs the backing services running (Postgres, Redis,
# dockerd), as scripts/test.sh leaves them. Every name it makes carries a random id, so
# several runs may share the services; stack_cleanup removes all of it.
#
# usage: stack_init NAME  -- names for one stack, exported as STACK_*:
#   STACK_ID                random hex
#   STACK_DEPLOYMENT        NAME-ID: label of its containers and volumes, its queue prefix
#   STACK_CATALOG           dbaas_NAME_ID: its catalog database (dashes in NAME become _)
#   STACK_API_PORT, STACK_URL   a free port on 127.0.0.1 and http://127.0.0.1:PORT
#   STACK_PORT_RANGE        a random block of 20 engine ports in 21000-29999
#   STACK_ADMIN_USER, STACK_ADMIN_PASSWORD   the api's first admin
#   STACK_TMP               a temporary directory (the api's and worker's logs go there)
# Reads DBAAS_TEST_ADMIN_URL (a role that may CREATE DATABASE) and DBAAS_REDIS_URL.
stack_init() {
	local name="$1"
	STACK_ADMIN_URL="${DBAAS_TEST_ADMIN_URL:-postgres://dbaas:dbaas@127.0.0.1:5432/postgres}"
	STACK_REDIS_URL="${DBAAS_REDIS_URL:-redis://127.0.0.1:6379/}"
	STACK_ID="$(od -An -N5 -tx1 /dev/urandom | tr -d ' \n')"
	STACK_DEPLOYMENT="$name-$STACK_ID"
	STACK_CATALOG="dbaas_${name//-/_}_$STACK_ID"
	STACK_API_PORT="$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')"
	STACK_URL="http://127.0.0.1:$STACK_API_PORT"
	local port_min=$((21000 + 20 * (RANDOM % 450)))
	STACK_PORT_RANGE="$port_min-$((port_min + 19))"
	STACK_ADMIN_USER="admin"
	STACK_ADMIN_PASSWORD="$(head -c 18 /dev/urandom | base64 | tr '+/' '-_')"
	STACK_TMP="$(mktemp -d -t "dbaas-$name.XXXXXX")"
	STACK_API_PID="" STACK_WORKER_PID=""
}

# usage: stack_start  -- builds the binaries (cargo build --bins; DBAAS_SKIP_BUILD=1 takes
# those already in target/debug), creates the catalog
# database, starts the api (waits for GET /health) and the worker, logging to
# $STACK_TMP/api.log and worker.log. DBAAS_* variables the caller exported and the stack
# does not set itself (DBAAS_POSTGRES_IMAGE, DBAAS_REQUEST_WAIT_MS...) reach both.
stack_start() {
	local deadline secret
	if [[ "${DBAAS_SKIP_BUILD:-}" == 1 ]]; then
		[[ -x target/debug/dbaas-api && -x target/debug/dbaas-worker ]] || die "DBAAS_SKIP_BUILD=1 but target/debug holds no binaries"
		log "DBAAS_SKIP_BUILD=1: using the binaries already in target/debug"
	else
		log "cargo build --bins"
		cargo build --bins
	fi
	psql -q "$STACK_ADMIN_URL" -v ON_ERROR_STOP=1 -c "CREATE DATABASE \"$STACK_CATALOG\"" > /dev/null
	secret="$(head -c32 /dev/urandom | base64)"
	# Passed to the two processes only, not exported to the caller's other children.
	local -a stack_env=(
		-u DBAAS_PUBLIC_URL
		DBAAS_DATABASE_URL="${STACK_ADMIN_URL%/*}/$STACK_CATALOG"
		DBAAS_REDIS_URL="$STACK_REDIS_URL"
		DBAAS_QUEUE_PREFIX="$STACK_DEPLOYMENT"
		DBAAS_DEPLOYMENT="$STACK_DEPLOYMENT"
		DBAAS_LISTEN="127.0.0.1:$STACK_API_PORT"
		DBAAS_SECRET_KEY="$secret"
		DBAAS_ADMIN_USER="$STACK_ADMIN_USER"
		DBAAS_ADMIN_PASSWORD="$STACK_ADMIN_PASSWORD"
		DBAAS_PORT_RANGE="$STACK_PORT_RANGE"
		DBAAS_POLL_INTERVAL_MS="${DBAAS_POLL_INTERVAL_MS:-50}"
	)
	log "starting the api on 127.0.0.1:$STACK_API_PORT (deployment $STACK_DEPLOYMENT, engine ports $STACK_PORT_RANGE)"
	env "${stack_env[@]}" target/debug/dbaas-api serve > "$STACK_TMP/api.log" 2>&1 &
	STACK_API_PID=$!
	deadline=$((SECONDS + 60))
	until curl -fsS -o /dev/null "$STACK_URL/health" 2> /dev/null; do
		kill -0 "$STACK_API_PID" 2> /dev/null || die "the api exited before answering GET /health"
		((SECONDS < deadline)) || die "the api did not answer GET /health within 60s"
		sleep 0.2
	done
	env "${stack_env[@]}" target/debug/dbaas-worker > "$STACK_TMP/worker.log" 2>&1 &
	STACK_WORKER_PID=$!
}

# usage: stop_child PID NAME  -- SIGTERM a child of this shell, SIGKILL after 10 s, reap it.
# shellcheck disable=SC2317  # called from EXIT traps
stop_child() {
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

# Removes from the sorted set KEYS[1] the members that start with ARGV[1].
STACK_ZREM_MATCHING="local n = 0
for _, m in ipairs(redis.call('ZRANGE', KEYS[1], 0, -1)) do
	if string.sub(m, 1, #ARGV[1]) == ARGV[1] then n = n + redis.call('ZREM', KEYS[1], m) end
end
return n"

# usage: stack_cleanup STATUS  -- for an EXIT trap, after the caller stopped its own
# children: shows the last lines of the api's and worker's logs when STATUS is not 0, stops
# them, and removes the containers and volumes labelled with the deployment, the catalog
# database, the Redis keys of the queue prefix, the prefix's members of apalis's shared
# `core:apalis:queues:list`, and STACK_TMP. Safe to call when stack_start never ran, or twice.
# shellcheck disable=SC2317
stack_cleanup() {
	local status="$1" f ids
	[[ -n "${STACK_DEPLOYMENT:-}" ]] || return 0
	if ((status != 0)); then
		for f in api worker; do
			if [[ -s "$STACK_TMP/$f.log" ]]; then
				log "last lines of the $f's log:"
				tail -n 30 "$STACK_TMP/$f.log" >&2
			fi
		done
	fi
	stop_child "$STACK_WORKER_PID" worker
	stop_child "$STACK_API_PID" api
	STACK_WORKER_PID="" STACK_API_PID=""
	ids="$(docker ps -aq --filter "label=dbaas.deployment=$STACK_DEPLOYMENT" 2> /dev/null)" || ids=""
	if [[ -n "$ids" ]]; then
		log "removing containers of $STACK_DEPLOYMENT: ${ids//$'\n'/ }"
		# shellcheck disable=SC2086  # one id a word
		docker rm -f -v $ids > /dev/null 2>&1 || log "could not remove containers: $ids"
	fi
	ids="$(docker volume ls -q --filter "label=dbaas.deployment=$STACK_DEPLOYMENT" 2> /dev/null)" || ids=""
	if [[ -n "$ids" ]]; then
		log "removing volumes of $STACK_DEPLOYMENT: ${ids//$'\n'/ }"
		# shellcheck disable=SC2086
		docker volume rm $ids > /dev/null 2>&1 || log "could not remove volumes: $ids"
	fi
	psql -q "$STACK_ADMIN_URL" -v ON_ERROR_STOP=1 -c "DROP DATABASE IF EXISTS \"$STACK_CATALOG\" WITH (FORCE)" > /dev/null 2>&1 ||
		log "could not drop the database $STACK_CATALOG"
	redis-cli -u "$STACK_REDIS_URL" --scan --pattern "*$STACK_DEPLOYMENT*" 2> /dev/null |
		xargs -r redis-cli -u "$STACK_REDIS_URL" del > /dev/null 2>&1 ||
		log "could not delete the Redis keys *$STACK_DEPLOYMENT*"
	# apalis also lists every queue in one shared sorted set: take ours out of it.
	redis-cli -u "$STACK_REDIS_URL" eval "$STACK_ZREM_MATCHING" 1 core:apalis:queues:list "$STACK_DEPLOYMENT:" > /dev/null 2>&1 ||
		log "could not remove $STACK_DEPLOYMENT from core:apalis:queues:list"
	rm -rf "$STACK_TMP"
	STACK_DEPLOYMENT=""
}

# usage: ensure_venv VENV REQUIREMENT...  -- a Python venv at VENV holding exactly these pinned
# requirements, (re)made only when missing or when the list changed; one install at a time
# when several runs start together (flock on VENV.lock).
ensure_venv() {
	local venv="$1" want
	shift
	want="$*"
	mkdir -p "$(dirname "$venv")"
	exec 9> "$venv.lock"
	flock 9
	if [[ ! -x "$venv/bin/python" || "$(cat "$venv/.dbaas-requirements" 2> /dev/null)" != "$want" ]]; then
		log "installing $want into $venv"
		if ! python3 -c 'import venv, ensurepip' 2> /dev/null; then
			as_root apt-get update -q > "$LOG_DIR/apt.log" 2>&1 || :
			DEBIAN_FRONTEND=noninteractive as_root apt-get install -y -q --no-install-recommends python3-venv \
				>> "$LOG_DIR/apt.log" 2>&1 || die "cannot install python3-venv (see $LOG_DIR/apt.log)"
		fi
		rm -rf "$venv"
		python3 -m venv "$venv"
		"$venv/bin/pip" install -q --disable-pip-version-check "$@" || die "pip could not install $want"
		printf '%s' "$want" > "$venv/.dbaas-requirements"
	fi
	flock -u 9
	exec 9>&-
}
