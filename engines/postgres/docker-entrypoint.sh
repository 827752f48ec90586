#!/usr/bin/env bash
# Entrypoint of the dbaas PostgreSQL engine image (dbaas/postgres:15).
#
# It keeps the contract of the official `postgres` image's entrypoint so that
# image can be dropped in instead of ours:
#   POSTGRES_PASSWORD (required unless POSTGRES_HOST_AUTH_METHOD=trust),
#   POSTGRES_USER (default postgres), POSTGRES_DB (default $POSTGRES_USER),
#   POSTGRES_INITDB_ARGS, POSTGRES_INITDB_WALDIR, POSTGRES_HOST_AUTH_METHOD,
#   the *_FILE variants of those, PGDATA (default /var/lib/postgresql/data),
#   /docker-entrypoint-initdb.d/*.sh|*.sql|*.sql.gz run on first init only,
#   `docker run IMAGE -c foo=bar` (arguments starting with '-' go to postgres),
#   and postgres ends up as PID 1 running as the `postgres` user.
# Deliberate difference: initdb's loopback `host` lines get the same auth
# method as every other host (scram-sha-256 by default), not `trust`, because
# dbaas runs engines with host networking, where 127.0.0.1 is the host's.
#
# No `set -u`: init scripts are sourced into this shell, as with the official
# image, and they may expect unset variables to read as empty.
set -Eeo pipefail

# usage: file_env VAR [DEFAULT]
# Sets VAR from $VAR or from the file named by $VAR_FILE (docker secrets).
file_env() {
	local var="$1" file_var="${1}_FILE" def="${2:-}" val
	if [ -n "${!var:-}" ] && [ -n "${!file_var:-}" ]; then
		printf >&2 'error: both %s and %s are set (but are exclusive)\n' "$var" "$file_var"
		exit 1
	fi
	val="$def"
	if [ -n "${!var:-}" ]; then
		val="${!var}"
	elif [ -n "${!file_var:-}" ]; then
		val="$(< "${!file_var}")"
	fi
	export "$var"="$val"
	unset "$file_var"
}

# Arguments that make postgres print something and exit: no init, no privilege juggling.
want_help() {
	local arg
	for arg; do
		case "$arg" in
			-'?' | --help | --describe-config | -V | --version) return 0 ;;
		esac
	done
	return 1
}

setup_env() {
	file_env POSTGRES_PASSWORD
	file_env POSTGRES_USER postgres
	file_env POSTGRES_DB "$POSTGRES_USER"
	file_env POSTGRES_INITDB_ARGS
	: "${POSTGRES_HOST_AUTH_METHOD:=}"
	export PGDATA="${PGDATA:-/var/lib/postgresql/data}"
	DATABASE_ALREADY_EXISTS=
	if [ -s "$PGDATA/PG_VERSION" ]; then
		DATABASE_ALREADY_EXISTS=true
	fi
}

# As root: create PGDATA and the socket dir and hand them to postgres.
# As another user (e.g. --user): create what we may, ignore the rest.
create_dirs() {
	local user
	user="$(id -u)"
	mkdir -p "$PGDATA"
	# 700 is what postgres insists on for the data directory.
	chmod 00700 "$PGDATA" || :
	mkdir -p /var/run/postgresql || :
	chmod 03777 /var/run/postgresql || :
	if [ -n "${POSTGRES_INITDB_WALDIR:-}" ]; then
		mkdir -p "$POSTGRES_INITDB_WALDIR"
		if [ "$user" = 0 ]; then
			find "$POSTGRES_INITDB_WALDIR" \! -user postgres -exec chown postgres: '{}' +
		fi
		chmod 700 "$POSTGRES_INITDB_WALDIR"
	fi
	if [ "$user" = 0 ]; then
		# Only what is not already ours: a big existing volume is not rewalked needlessly.
		find "$PGDATA" \! -user postgres -exec chown postgres: '{}' +
		find /var/run/postgresql \! -user postgres -exec chown postgres: '{}' +
	fi
}

verify_minimum_env() {
	if [ -z "$POSTGRES_PASSWORD" ] && [ "$POSTGRES_HOST_AUTH_METHOD" != trust ]; then
		cat >&2 <<-'EOM'
			Error: Database is uninitialized and superuser password is not specified.
			       You must specify POSTGRES_PASSWORD to a non-empty value for the
			       superuser. For example, "-e POSTGRES_PASSWORD=password" on "docker run".

			       You may also use "POSTGRES_HOST_AUTH_METHOD=trust" to allow all
			       connections without a password. This is *not* recommended.
		EOM
		exit 1
	fi
	if [ "$POSTGRES_HOST_AUTH_METHOD" = trust ]; then
		printf >&2 'WARNING: POSTGRES_HOST_AUTH_METHOD=trust: every host connection is allowed without a password.\n'
	fi
}

init_database_dir() {
	local auth="${POSTGRES_HOST_AUTH_METHOD:-scram-sha-256}"
	local args=(--username="$POSTGRES_USER" --auth-local=trust --auth-host="$auth")
	if [ -n "${POSTGRES_INITDB_WALDIR:-}" ]; then
		args+=(--waldir="$POSTGRES_INITDB_WALDIR")
	fi
	# POSTGRES_INITDB_ARGS is a word list on purpose (as in the official image),
	# and comes last so that its own --auth-* options win. The password goes
	# through a pipe, never the command line; the <(...) must sit on the initdb
	# line itself, its fd is gone once that command is over.
	if [ -n "$POSTGRES_PASSWORD" ]; then
		eval 'initdb "${args[@]}" --pwfile=<(printf "%s\n" "$POSTGRES_PASSWORD") '"$POSTGRES_INITDB_ARGS"
	else
		eval 'initdb "${args[@]}" '"$POSTGRES_INITDB_ARGS"
	fi
	{
		printf '\n# added by docker-entrypoint.sh: every other host uses the same method\n'
		printf 'host all all all %s\n' "$auth"
	} >> "$PGDATA/pg_hba.conf"
}

# usage: process_sql DBNAME [psql-args...]  -- over the temporary server's unix socket
process_sql() {
	local db="$1"
	shift
	PGHOST='' PGHOSTADDR='' psql -v ON_ERROR_STOP=1 --username "$POSTGRES_USER" \
		--no-password --no-psqlrc --dbname "$db" "$@"
}

setup_db() {
	local exists
	if [ "$POSTGRES_DB" != postgres ]; then
		exists="$(process_sql postgres --set db="$POSTGRES_DB" --tuples-only <<-'EOSQL'
			SELECT 1 FROM pg_database WHERE datname = :'db' ;
		EOSQL
		)"
		if [ -z "$exists" ]; then
			process_sql postgres --set db="$POSTGRES_DB" <<-'EOSQL'
				CREATE DATABASE :"db" ;
			EOSQL
		fi
	fi
}

process_init_files() {
	local f
	printf '\n'
	for f in /docker-entrypoint-initdb.d/*; do
		[ -e "$f" ] || continue
		case "$f" in
			*.sh)
				if [ -x "$f" ]; then
					printf '%s: running %s\n' "$0" "$f"
					"$f"
				else
					printf '%s: sourcing %s\n' "$0" "$f"
					# shellcheck disable=SC1090
					. "$f"
				fi
				;;
			*.sql) printf '%s: running %s\n' "$0" "$f"; process_sql "$POSTGRES_DB" -f "$f"; printf '\n' ;;
			*.sql.gz) printf '%s: running %s\n' "$0" "$f"; gunzip -c "$f" | process_sql "$POSTGRES_DB"; printf '\n' ;;
			*.sql.xz) printf '%s: running %s\n' "$0" "$f"; xzcat "$f" | process_sql "$POSTGRES_DB"; printf '\n' ;;
			*.sql.zst) printf '%s: running %s\n' "$0" "$f"; zstd -dc "$f" | process_sql "$POSTGRES_DB"; printf '\n' ;;
			*) printf '%s: ignoring %s\n' "$0" "$f" ;;
		esac
	done
}

# The temporary server listens on the unix socket only, so first init never
# exposes a half-configured server, whatever the final arguments say.
temp_server_start() {
	if [ "${1:-}" = postgres ]; then
		shift
	fi
	set -- "$@" -c listen_addresses='' -p "${PGPORT:-5432}"
	PGUSER="${PGUSER:-$POSTGRES_USER}" pg_ctl -D "$PGDATA" -o "$(printf '%q ' "$@")" -w start
}

temp_server_stop() {
	PGUSER="${PGUSER:-postgres}" pg_ctl -D "$PGDATA" -m fast -w stop
}

main() {
	# `docker run IMAGE -p 25432 -c x=y`: the arguments are for postgres.
	if [ "${1:0:1}" = '-' ]; then
		set -- postgres "$@"
	fi

	if [ "${1:-}" = postgres ] && ! want_help "$@"; then
		setup_env
		create_dirs
		if [ "$(id -u)" = 0 ]; then
			# Re-run this script as postgres; setpriv (util-linux) execs, so PID 1 stays ours.
			HOME="$(getent passwd postgres | cut -d: -f6)"
			export HOME
			exec setpriv --reuid=postgres --regid=postgres --init-groups "${BASH_SOURCE[0]}" "$@"
		fi

		if [ -z "$DATABASE_ALREADY_EXISTS" ]; then
			verify_minimum_env
			# Fail early if the init directory exists but is unreadable.
			ls /docker-entrypoint-initdb.d/ > /dev/null 2>&1 || [ ! -e /docker-entrypoint-initdb.d ]
			init_database_dir
			export PGPASSWORD="${PGPASSWORD:-$POSTGRES_PASSWORD}"
			temp_server_start "$@"
			setup_db
			process_init_files
			temp_server_stop
			unset PGPASSWORD
			printf '\nPostgreSQL init process complete; ready for start up.\n\n'
		else
			printf '\nPostgreSQL Database directory appears to contain a database; Skipping initialization\n\n'
		fi
	fi

	exec "$@"
}

main "$@"
