#!/usr/bin/env bash
# Entrypoint of the dbaas MongoDB engine image (dbaas/mongo:7).
#
# It keeps the contract of the official `mongo` image's entrypoint so that
# image can be dropped in instead of ours:
#   MONGO_INITDB_ROOT_USERNAME and MONGO_INITDB_ROOT_PASSWORD (both or neither;
#   and their *_FILE variants: the value is read from that file), the root user
#   is created in `admin` with role `root` on first init, and --auth is then
#   added to mongod's arguments on every start; MONGO_INITDB_DATABASE (exported
#   to the init scripts, default test); /docker-entrypoint-initdb.d/*.sh run
#   (or sourced when not executable) on first init only; data in /data/db
#   (--dbpath), /data/configdb; `docker run IMAGE --port N` (arguments starting
#   with '-' go to mongod); mongod gets --bind_ip_all unless it has a --bind_ip;
#   the server runs as the mongodb user (uid 999) and ends up as PID 1.
# Differences: the server is SecantusDB (see /usr/local/bin/mongod for the
# options it maps); there is no JavaScript and no mongosh, so *.js init files are
# skipped with a warning and the root user is created over the wire protocol by
# this script (createUser through the localhost exception).
#
# First init runs when the data directory holds no database (no WiredTiger
# file), or when an earlier first init was cut short (its marker file is still
# there; what it left is removed). The temporary server listens with --auth on
# the engine's own address and port when they are given and the address is a
# loopback one (with host networking every port is the host's, so never on a
# well-known port such as 27017), else on 127.0.0.1 and an ephemeral port, and
# only until the root user exists. If any other local process took the
# localhost exception first, the createUser fails and so does the init.
#
# No `set -u`: init scripts are sourced into this shell, as with the official
# image, and they may expect unset variables to read as empty.
set -Eeo pipefail

MONGO_UID=999
INIT_MARKER=.dbaas-init-incomplete

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

# usage: has_arg NAME ARGS...  -- true when mongod's ARGS hold option NAME (or NAME=...).
has_arg() {
	local name="$1" arg
	shift
	for arg; do
		case "$arg" in "$name" | "$name"=*) return 0 ;; esac
	done
	return 1
}

# usage: arg_value NAME DEFAULT ARGS...  -- the value of option NAME in ARGS (last wins).
arg_value() {
	local name="$1" val="$2" prev=""
	shift 2
	for arg; do
		if [ "$prev" = "$name" ]; then val="$arg"; fi
		case "$arg" in "$name"=*) val="${arg#*=}" ;; esac
		prev="$arg"
	done
	printf '%s' "$val"
}

want_help() {
	local arg
	for arg; do
		case "$arg" in -h | --help | --version) return 0 ;; esac
	done
	return 1
}

# --- a minimal MongoDB client: one OP_MSG over bash's /dev/tcp, built as hex ---

hex_of() { printf '%s' "$1" | od -An -v -tx1 | tr -d ' \n'; }
le32() { printf '%02x%02x%02x%02x' $(($1 & 255)) $(($1 >> 8 & 255)) $(($1 >> 16 & 255)) $(($1 >> 24 & 255)); }
# usage: bson_doc ELEMENTS_HEX -- a BSON document around its elements
bson_doc() { printf '%s%s00' "$(le32 $((${#1} / 2 + 5)))" "$1"; }
# usage: bson_str NAME VALUE / bson_sub TYPE NAME DOC_HEX (03 document, 04 array)
bson_str() {
	local v
	v="$(hex_of "$2")"
	printf '02%s00%s%s00' "$(hex_of "$1")" "$(le32 $((${#v} / 2 + 1)))" "$v"
}
bson_sub() { printf '%s%s00%s' "$1" "$(hex_of "$2")" "$3"; }

# usage: run_command PORT DOC_HEX  -- sends the command document to $TEMP_HOST:PORT,
# prints the reply document as hex. The secret bytes stay in this shell (builtins only).
run_command() {
	local port="$1" body msg esc="" i b len reply
	body="0000000000$2"
	msg="$(le32 $((16 + ${#body} / 2)))$(le32 1)$(le32 0)$(le32 2013)$body"
	for ((i = 0; i < ${#msg}; i += 2)); do esc+="\\x${msg:i:2}"; done
	exec 3<> "/dev/tcp/$TEMP_HOST/$port"
	# shellcheck disable=SC2059  # the format is the message, as \xHH escapes only
	printf "$esc" >&3
	# Reply: int32 length, then the rest of the message.
	read -r -a b < <(timeout 10 dd bs=1 count=4 <&3 2> /dev/null | od -An -v -tu1)
	if [ "${#b[@]}" != 4 ]; then
		exec 3>&-
		return 1
	fi
	len=$((b[0] | b[1] << 8 | b[2] << 16 | b[3] << 24))
	reply="$(timeout 10 dd bs=1 count=$((len - 4)) <&3 2> /dev/null | od -An -v -tx1 | tr -d ' \n')"
	exec 3>&-
	# header rest (12 bytes), flags (4), section kind (1): 34 hex digits, then the document
	printf '%s' "${reply:34}"
}

# usage: reply_ok DOC_HEX  -- true when the reply has ok: 1 (double, int32 or int64)
reply_ok() {
	case "$1" in
		*016f6b00000000000000f03f* | *106f6b0001000000* | *126f6b000100000000000000*) return 0 ;;
	esac
	return 1
}

# usage: create_root_user PORT
create_root_user() {
	local role doc reply
	role="$(bson_doc "$(bson_str role root)$(bson_str db admin)")"
	doc="$(bson_str createUser "$MONGO_INITDB_ROOT_USERNAME")$(bson_str pwd "$MONGO_INITDB_ROOT_PASSWORD")"
	doc+="$(bson_sub 04 roles "$(bson_doc "$(bson_sub 03 0 "$role")")")$(bson_str "\$db" admin)"
	doc="$(bson_doc "$doc")"
	reply="$(run_command "$1" "$doc")" || {
		printf >&2 'error: no reply from the temporary server to createUser\n'
		return 1
	}
	if ! reply_ok "$reply"; then
		printf >&2 'error: createUser %s failed: %s\n' "$MONGO_INITDB_ROOT_USERNAME" \
			"$(printf '%s' "$reply" | xxd -r -p | tr -c '[:print:]' ' ' | tr -s ' ')"
		return 1
	fi
	printf 'Successfully added user: { user: "%s", roles: [ { role: "root", db: "admin" } ] }\n' "$MONGO_INITDB_ROOT_USERNAME"
}

# --- first init ---

TEMP_PID=""
TEMP_HOST=127.0.0.1

# usage: temp_server_start DBPATH HOST PORT  (PORT 0: an ephemeral one)
temp_server_start() {
	local dbpath="$1" log=/tmp/docker-entrypoint-temp-server.log i
	TEMP_HOST="$2"
	: > "$log"
	# Every commit is fsynced to the log (--sync-on-commit), so that the server can be stopped
	# at once when the init is done (see temp_server_stop).
	mongod --dbpath "$dbpath" --bind_ip "$TEMP_HOST" --port "$3" --auth -- --sync-on-commit > "$log" 2>&1 &
	TEMP_PID=$!
	for ((i = 0; i < 300; i++)); do
		TEMP_PORT="$(sed -n 's/^secantusd-rs listening on .*:\([0-9][0-9]*\)$/\1/p' "$log")"
		if [ -n "$TEMP_PORT" ]; then
			printf 'temporary server listening on %s:%s\n' "$TEMP_HOST" "$TEMP_PORT"
			return 0
		fi
		if ! kill -0 "$TEMP_PID" 2> /dev/null; then break; fi
		sleep 0.1
	done
	cat "$log" >&2
	printf >&2 'error: the temporary server did not start\n'
	exit 1
}

# The temporary server fsynced every commit (the root user, what init scripts wrote) to
# WiredTiger's log, which the real server replays when it opens the store: a clean shutdown
# would only add a checkpoint, and takes a quarter of a second, a fifth of a first start.
temp_server_stop() {
	kill -KILL "$TEMP_PID"
	wait "$TEMP_PID" 2> /dev/null || :
	TEMP_PID=""
}

process_init_files() {
	local f
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
			*.js) printf >&2 '%s: WARNING: skipping %s: this engine has no JavaScript\n' "$0" "$f" ;;
			*) printf '%s: ignoring %s\n' "$0" "$f" ;;
		esac
	done
}

main() {
	# `docker run IMAGE --port 27018`: the arguments are for mongod.
	if [ "${1:0:1}" = '-' ]; then
		set -- mongod "$@"
	fi

	if [ "$1" = mongod ] && ! want_help "$@"; then
		local dbpath
		dbpath="$(arg_value --dbpath /data/db "$@")"
		file_env MONGO_INITDB_ROOT_USERNAME
		file_env MONGO_INITDB_ROOT_PASSWORD

		if [ "$(id -u)" = 0 ]; then
			# Only what is not already ours: a big existing volume is not rewalked needlessly.
			mkdir -p "$dbpath" /data/configdb
			find "$dbpath" /data/configdb \! -user "$MONGO_UID" -exec chown "$MONGO_UID:$MONGO_UID" '{}' +
			# Re-run this script as mongodb; setpriv execs, so PID 1 stays ours. The
			# secrets read above (maybe from root-only files) go along in the environment.
			export HOME=/data/db
			exec setpriv --reuid="$MONGO_UID" --regid="$MONGO_UID" --clear-groups "${BASH_SOURCE[0]}" "$@"
		fi

		if [ -n "$MONGO_INITDB_ROOT_USERNAME" ] || [ -n "$MONGO_INITDB_ROOT_PASSWORD" ]; then
			if [ -z "$MONGO_INITDB_ROOT_USERNAME" ] || [ -z "$MONGO_INITDB_ROOT_PASSWORD" ]; then
				printf >&2 'error: missing MONGO_INITDB_ROOT_USERNAME or MONGO_INITDB_ROOT_PASSWORD\n'
				printf >&2 '       both must be specified for a user to be created\n'
				exit 1
			fi
			# With a root user, the server requires authentication, as the official image does.
			if ! has_arg --auth "$@"; then set -- "$@" --auth; fi
		fi
		# As the official image: listen on every address unless told otherwise.
		if ! has_arg --bind_ip "$@" && ! has_arg --bind_ip_all "$@"; then
			set -- "$@" --bind_ip_all
		fi

		local want_init=""
		if [ -n "$MONGO_INITDB_ROOT_USERNAME" ]; then want_init=1; fi
		for f in /docker-entrypoint-initdb.d/*; do
			if [ -e "$f" ]; then want_init=1; fi
		done
		if [ -e "$dbpath/WiredTiger" ] && [ ! -e "$dbpath/$INIT_MARKER" ]; then
			want_init=""
			printf 'Database directory %s holds a database; skipping initialization\n' "$dbpath"
		elif [ -n "$want_init" ]; then
			if [ -e "$dbpath/$INIT_MARKER" ]; then
				printf 'An earlier initialization of %s did not complete: starting it over\n' "$dbpath"
				find "$dbpath" -mindepth 1 -maxdepth 1 \! -name "$INIT_MARKER" -exec rm -rf '{}' +
			fi
			: > "$dbpath/$INIT_MARKER"
			export MONGO_INITDB_DATABASE="${MONGO_INITDB_DATABASE:-test}"
			local temp_host temp_port
			temp_host="$(arg_value --bind_ip 127.0.0.1 "$@")"
			temp_host="${temp_host%%,*}"
			temp_port="$(arg_value --port 0 "$@")"
			case "$temp_host" in
				127.*) ;;
				*) temp_host=127.0.0.1 temp_port=0 ;;
			esac
			temp_server_start "$dbpath" "$temp_host" "$temp_port"
			if [ -n "$MONGO_INITDB_ROOT_USERNAME" ]; then
				create_root_user "$TEMP_PORT" || {
					temp_server_stop
					exit 1
				}
			fi
			process_init_files
			temp_server_stop
			rm -f "$dbpath/$INIT_MARKER"
			printf '\nMongoDB init process complete; ready for start up.\n\n'
		fi
		unset "${!MONGO_INITDB_@}"
	fi

	exec "$@"
}

main "$@"
