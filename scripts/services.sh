#!/usr/bin/env bash
# Backing services of the control plane, on loopback only:
#   docker   the engine, for the database containers
#   postgres the Debian cluster 15/main on 127.0.0.1:5432 holding dbaas' metadata
#            (role dbaas / password dbaas, LOGIN CREATEDB; database dbaas)
#   redis    127.0.0.1:6379, the job queue
#
#   scripts/services.sh start [docker|postgres|redis ...]   (default: all)
#   scripts/services.sh stop  [...]    stops only what `start` started
#   scripts/services.sh status
#
# `start` leaves a marker in var/run/<service>.started for each service it had
# to start itself, so `stop` never takes down a service someone else runs.
# dockerd, when started here, logs to var/log/dockerd.log; redis to var/log/redis.log.
set -euo pipefail
SCRIPT_NAME=services
# shellcheck source=scripts/lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

PG_VERSION=15
PG_CLUSTER=main
PG_PORT=5432
REDIS_PORT=6379
ALL=(docker postgres redis)

marker() { printf '%s/%s.started' "$RUN_DIR" "$1"; }

docker_up() { docker info > /dev/null 2>&1; }

start_docker() {
	command -v dockerd > /dev/null || die "dockerd is missing; run scripts/deps.sh"
	if docker_up; then
		return 0
	fi
	# Docker's socket is root's; for a non-root user in the docker group the
	# daemon may simply be down, which is what we handle here.
	if has_systemd; then
		log "starting docker (systemctl)"
		as_root systemctl start docker
		echo systemd > "$(marker docker)"
	else
		log "starting dockerd (log: $LOG_DIR/dockerd.log)"
		# setsid: its own session, so it outlives this script and the terminal.
		as_root setsid dockerd > "$LOG_DIR/dockerd.log" 2>&1 < /dev/null &
		echo "pid $!" > "$(marker docker)"
	fi
	if ! wait_for 60 docker info; then
		tail -n 30 "$LOG_DIR/dockerd.log" >&2 || :
		die "docker did not come up within 60 s"
	fi
}

stop_docker() {
	local how
	[[ -e "$(marker docker)" ]] || return 0
	how="$(< "$(marker docker)")"
	log "stopping docker"
	if [[ "$how" == systemd ]]; then
		as_root systemctl stop docker docker.socket || :
	else
		# dockerd writes its own pid file; the one we recorded may be sudo's.
		local pid
		pid="$(cat /var/run/docker.pid 2> /dev/null || :)"
		if [[ -n "$pid" ]]; then
			as_root kill -TERM "$pid" 2> /dev/null || :
			# dockerd stops its containers first (10 s each at most).
			wait_for 60 bash -c "! kill -0 $pid 2>/dev/null" || log "dockerd (pid $pid) still running"
		fi
	fi
	rm -f "$(marker docker)"
}

pg_running() { pg_ctlcluster "$PG_VERSION" "$PG_CLUSTER" status > /dev/null 2>&1; }

start_postgres() {
	command -v pg_ctlcluster > /dev/null || die "postgresql is missing; run scripts/deps.sh"
	if ! pg_lsclusters -h 2> /dev/null | awk '{print $1, $2}' | grep -qx "$PG_VERSION $PG_CLUSTER"; then
		log "creating cluster $PG_VERSION/$PG_CLUSTER"
		as_root pg_createcluster "$PG_VERSION" "$PG_CLUSTER" --port "$PG_PORT" > /dev/null
	fi
	local port
	port="$(pg_lsclusters -h | awk -v v="$PG_VERSION" -v c="$PG_CLUSTER" '$1 == v && $2 == c {print $3}')"
	[[ "$port" == "$PG_PORT" ]] || die "cluster $PG_VERSION/$PG_CLUSTER is on port $port, not $PG_PORT"
	if ! pg_running; then
		log "starting postgres $PG_VERSION/$PG_CLUSTER on 127.0.0.1:$PG_PORT"
		as_root pg_ctlcluster "$PG_VERSION" "$PG_CLUSTER" start
		echo pg_ctlcluster > "$(marker postgres)"
	fi
	wait_for 30 pg_isready -q -h 127.0.0.1 -p "$PG_PORT" || die "postgres does not answer on 127.0.0.1:$PG_PORT"

	# The metadata role and database; created once, left alone afterwards.
	local psql_pg=(as_postgres psql -X -q -v ON_ERROR_STOP=1 -p "$PG_PORT" -d postgres -tA)
	if [[ -z "$("${psql_pg[@]}" -c "SELECT 1 FROM pg_roles WHERE rolname = 'dbaas'")" ]]; then
		log "creating role dbaas"
		"${psql_pg[@]}" -c "CREATE ROLE dbaas LOGIN CREATEDB PASSWORD 'dbaas'"
	fi
	# DROP DATABASE ... WITH (FORCE) of a test catalog must end its sessions, autovacuum's too.
	if [[ -z "$("${psql_pg[@]}" -c "SELECT 1 FROM pg_auth_members m JOIN pg_roles r ON r.oid = m.member JOIN pg_roles g ON g.oid = m.roleid WHERE r.rolname = 'dbaas' AND g.rolname = 'pg_signal_backend'")" ]]; then
		"${psql_pg[@]}" -c "GRANT pg_signal_backend TO dbaas"
	fi
	if [[ -z "$("${psql_pg[@]}" -c "SELECT 1 FROM pg_database WHERE datname = 'dbaas'")" ]]; then
		log "creating database dbaas"
		"${psql_pg[@]}" -c "CREATE DATABASE dbaas OWNER dbaas"
	fi
	# What the binaries and tests do: TCP to 127.0.0.1 with a password.
	PGPASSWORD=dbaas psql -X -q -w -h 127.0.0.1 -p "$PG_PORT" -U dbaas -d dbaas -c 'SELECT 1' > /dev/null ||
		die "cannot log in as dbaas over 127.0.0.1:$PG_PORT (check pg_hba.conf)"
}

stop_postgres() {
	[[ -e "$(marker postgres)" ]] || return 0
	log "stopping postgres $PG_VERSION/$PG_CLUSTER"
	as_root pg_ctlcluster "$PG_VERSION" "$PG_CLUSTER" stop -m fast || :
	rm -f "$(marker postgres)"
}

redis_up() { [[ "$(redis-cli -h 127.0.0.1 -p "$REDIS_PORT" ping 2> /dev/null)" == PONG ]]; }

start_redis() {
	command -v redis-server > /dev/null || die "redis-server is missing; run scripts/deps.sh"
	if redis_up; then
		return 0
	fi
	log "starting redis on 127.0.0.1:$REDIS_PORT (log: $LOG_DIR/redis.log)"
	mkdir -p "$VAR/lib/redis"
	# Our own instance, not Debian's service: loopback only, data under var/lib/redis.
	redis-server --bind 127.0.0.1 --port "$REDIS_PORT" --daemonize yes \
		--pidfile "$RUN_DIR/redis.pid" --logfile "$LOG_DIR/redis.log" --dir "$VAR/lib/redis"
	echo redis-server > "$(marker redis)"
	wait_for 20 redis_up || die "redis does not answer on 127.0.0.1:$REDIS_PORT"
}

stop_redis() {
	[[ -e "$(marker redis)" ]] || return 0
	log "stopping redis"
	redis-cli -h 127.0.0.1 -p "$REDIS_PORT" shutdown > /dev/null 2>&1 || stop_pid "$RUN_DIR/redis.pid" redis-server
	wait_for 10 bash -c "! redis-cli -h 127.0.0.1 -p $REDIS_PORT ping" || :
	rm -f "$(marker redis)" "$RUN_DIR/redis.pid"
}

status() {
	local svc state app
	for svc in "${ALL[@]}"; do
		case "$svc" in
			docker) if docker_up; then state=up; else state=down; fi ;;
			postgres) if pg_isready -q -h 127.0.0.1 -p "$PG_PORT" 2> /dev/null; then state="up (127.0.0.1:$PG_PORT)"; else state=down; fi ;;
			redis) if redis_up; then state="up (127.0.0.1:$REDIS_PORT)"; else state=down; fi ;;
		esac
		if [[ -e "$(marker "$svc")" ]]; then state+=", started by scripts/services.sh"; fi
		printf '%-9s %s\n' "$svc" "$state"
	done
	for app in api worker; do
		if pid_alive "$RUN_DIR/$app.pid" "dbaas-$app"; then
			state="running (pid $(< "$RUN_DIR/$app.pid"), log var/log/$app.log)"
		else
			state="stopped"
		fi
		printf '%-9s %s\n' "$app" "$state"
	done
}

cmd="${1:-}"
[[ $# -gt 0 ]] && shift
svcs=("$@")
if ((${#svcs[@]} == 0)); then svcs=("${ALL[@]}"); fi
for svc in "${svcs[@]}"; do
	case "$svc" in docker | postgres | redis) ;; *) die "unknown service: $svc (docker, postgres, redis)" ;; esac
done

case "$cmd" in
	start)
		for svc in "${svcs[@]}"; do "start_$svc"; done
		;;
	stop)
		# Reverse order: the queue and metadata first, the engine last.
		for ((i = ${#svcs[@]} - 1; i >= 0; i--)); do "stop_${svcs[i]}"; done
		;;
	status) status ;;
	*)
		echo "usage: $0 start|stop|status [docker|postgres|redis ...]" >&2
		exit 2
		;;
esac
