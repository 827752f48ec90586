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
