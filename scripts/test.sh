#!/usr/bin/env bash
# Run the workspace's tests against real services: packages, backing services
# and the engine image first, then `cargo test --workspace "$@"`.
# The end-to-end tests read:
#   DBAAS_TEST_ADMIN_URL  a role that may CREATE DATABASE (each test makes its own metadata db)
#   DBAAS_REDIS_URL       the job queue
#   DBAAS_POSTGRES_IMAGE  the engine image
#   DBAAS_MONGODB_IMAGE   the MongoDB engine image
set -euo pipefail
SCRIPT_NAME="test"
# shellcheck source=scripts/lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
cd "$ROOT"

"$ROOT/scripts/deps.sh"
"$ROOT/scripts/services.sh" start
"$ROOT/engines/postgres/build.sh"
"$ROOT/engines/mongodb/build.sh"

# Each test stack labels its containers dbaas.deployment=dbaas-test-<id> and removes
# them when done. A run that was killed leaves them behind, and with their
# restart policy they come back with dockerd and sit on ports: reap those that
# are over an hour old (so a concurrent test run is left alone).
reap_stale_test_containers() {
	local id dep created now
	now="$(date +%s)"
	docker ps -aq --filter label=dbaas.deployment | while read -r id; do
		dep="$(docker inspect -f '{{index .Config.Labels "dbaas.deployment"}}' "$id" 2> /dev/null)" || continue
		[[ "$dep" == dbaas-test-* ]] || continue
		created="$(date -d "$(docker inspect -f '{{.Created}}' "$id")" +%s)" || continue
		if ((now - created > 3600)); then
			log "removing stale test container $id ($dep)"
			docker rm -f -v "$id" > /dev/null || :
		fi
	done
	# Their named volumes too; a volume still in use is refused by docker and kept.
	docker volume ls -q --filter label=dbaas.deployment | while read -r id; do
		dep="$(docker volume inspect -f '{{index .Labels "dbaas.deployment"}}' "$id" 2> /dev/null)" || continue
		[[ "$dep" == dbaas-test-* ]] || continue
		created="$(date -d "$(docker volume inspect -f '{{.CreatedAt}}' "$id")" +%s)" || continue
		if ((now - created > 3600)); then
			if docker volume rm "$id" > /dev/null 2>&1; then log "removed stale test volume $id ($dep)"; fi
		fi
	done
}
reap_stale_test_containers

export DBAAS_TEST_ADMIN_URL="${DBAAS_TEST_ADMIN_URL:-postgres://dbaas:dbaas@127.0.0.1:5432/postgres}"
export DBAAS_REDIS_URL="${DBAAS_REDIS_URL:-redis://127.0.0.1:6379/}"
export DBAAS_POSTGRES_IMAGE="${DBAAS_POSTGRES_IMAGE:-dbaas/postgres:15}"
export DBAAS_MONGODB_IMAGE="${DBAAS_MONGODB_IMAGE:-dbaas/mongo:7}"

log "cargo test --workspace $*"
# The fault tests run the api and worker as processes, to kill them.
cargo build --bins
cargo test --workspace "$@"
# Restarting dockerd disturbs everything else on the engine: alone, after the suite, and only
# where allowed (CI, or DBAAS_TEST_RESTART_DOCKER=1).
if [[ "${CI:-}" == true || "${DBAAS_TEST_RESTART_DOCKER:-}" == 1 ]]; then
	# --workspace, as above: with -p the features of the workspace's crates resolve otherwise, and
	# cargo compiled them all again (about 110 s in CI).
	DBAAS_TEST_RESTART_DOCKER=1 cargo test --workspace --test docker_restart -- --ignored
fi
"$ROOT/scripts/generated-client.sh"
