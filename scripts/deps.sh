#!/usr/bin/env bash
# Install the Debian packages the control plane and its tests need, and only
# those that are missing: quiet and quick when everything is there already.
set -euo pipefail
SCRIPT_NAME=deps
# shellcheck source=scripts/lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

# cmake: engines/mongodb/build.sh compiles the server (its WiredTiger) with it.
packages=(docker.io postgresql postgresql-client redis-server debootstrap cmake curl ca-certificates unzip python3-venv)
# `scripts/deps.sh bench`: also the load generator of `make bench`.
if [[ "${1:-}" == bench ]]; then
	packages+=(wrk)
fi

missing=()
for pkg in "${packages[@]}"; do
	# "install ok installed" only: a removed-but-configured package does not count.
	if [[ "$(dpkg-query -W -f '${Status}' "$pkg" 2> /dev/null)" != "install ok installed" ]]; then
		missing+=("$pkg")
	fi
done

if ((${#missing[@]} == 0)); then
	exit 0
fi

log "installing: ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
# Keep the packages' maintainer scripts from starting their daemons during the
# install (only when no policy is in place already): scripts/services.sh starts
# them, and remembers that it did, so `make down` stops exactly those.
policy=/usr/sbin/policy-rc.d
added_policy=0
if [[ ! -e "$policy" ]]; then
	printf '#!/bin/sh\n# temporary, from dbaas scripts/deps.sh\nexit 101\n' | as_root tee "$policy" > /dev/null
	as_root chmod 755 "$policy"
	added_policy=1
fi
cleanup() { if ((added_policy)); then as_root rm -f "$policy"; fi; }
trap cleanup EXIT

as_root apt-get update -q > "$LOG_DIR/apt.log" 2>&1 || {
	tail -n 20 "$LOG_DIR/apt.log" >&2
	die "apt-get update failed (full log: $LOG_DIR/apt.log)"
}
as_root apt-get install -y -q --no-install-recommends "${missing[@]}" >> "$LOG_DIR/apt.log" 2>&1 || {
	tail -n 30 "$LOG_DIR/apt.log" >&2
	die "apt-get install failed (full log: $LOG_DIR/apt.log)"
}
log "installed: ${missing[*]}"
