#!/usr/bin/env bash
# Fuzz the whole OpenAPI spec with schemathesis: start an api and a worker of our own (from
# the debug binaries), point schemathesis at its GET /openapi.json, logged in as the first
# admin, with every check (no 5xx, status codes, content types, headers and bodies as the spec
# says them, schema-valid input accepted and invalid input refused, auth enforced, ...), in
# all phases (coverage, fuzzing, stateful sequences of calls), with a bounded number of
# examples per operation. Prints each distinct failure with a curl command that reproduces
# it, then `fuzz: N passed, M failed` (API operations) and the number of requests; exits
# non-zero on any failure.
#
# Two profiles (FUZZ_PROFILE):
#   untuned  (`make fuzz`, CI, the default here) what a stranger's fuzzer does: the whole
#            served spec, every phase, --checks all, no dictionaries, no hooks that change a
#            request or drop a failure. tests/fuzz/schemathesis.toml holds the only settings,
#            each with its reason.
#   deep     (`make fuzz-deep`, CI too) a tuned run: tests/fuzz/deep.toml's dictionaries of values that
#            get past the API's rules, and tests/fuzz/deep_hooks.py's guards (the run's own
#            login, plan, environment and team are never changed or deleted; plan images
#            present on the Docker host and network Docker endpoints are swapped for ones that
#            go nowhere; each wrong-login probe has a username of its own).
#
# No engine container is ever started: the default plans' images are ones that do not exist
# (DBAAS_POSTGRES_IMAGE, DBAAS_MONGODB_IMAGE below: configuration of the product under test,
# not of the fuzzer), so a POST /api/database fails its provisioning at once; and the
# deployment's allow-list (loopback and local sockets) keeps every Docker endpoint an
# environment is given on this machine. The run fails if a container was started anyway.
#
# Installs and starts the backing services (Postgres, Redis, dockerd) when needed, as
# scripts/test.sh does; the engine image is not needed. Reads, like the cargo tests,
# DBAAS_TEST_ADMIN_URL and DBAAS_REDIS_URL, and:
#   FUZZ_PROFILE       untuned (default) or deep, as above
#   FUZZ_MAX_EXAMPLES  test cases per operation in each phase (default 300: about 3 minutes
#                      on 2 cores; the deep profile's stateful phase has its own, in its .toml)
#   FUZZ_SEED          the seed, to replay a run (default: a random one, printed)
#   FUZZ_WORKERS       concurrent schemathesis workers (default 2)
#   FUZZ_TIMEOUT       seconds after which schemathesis is stopped and the run fails (600)
#   DBAAS_FUZZ_VENV    where schemathesis is installed (default below)
#   DBAAS_FUZZ_OUT     where the reports go (default var/log/fuzz: schemathesis.txt, its
#                      full output; summary.txt; failures.json; the NDJSON and JUnit reports;
#                      the api's and worker's logs)
#   DBAAS_SKIP_BUILD=1 use the binaries already in target/debug
# Extra arguments go to `schemathesis run` (make fuzz ARGS="--include-path-regex ^/api/team").
# Everything it makes (catalog database, Redis keys, containers and volumes if any) carries
# a random id and is removed on exit.
set -euo pipefail
SCRIPT_NAME="fuzz"
# shellcheck source=scripts/lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
cd "$ROOT"
started_at=$SECONDS

VENV="${DBAAS_FUZZ_VENV:-/var/cache/dbaas/venv-fuzz}"
OUT="${DBAAS_FUZZ_OUT:-$VAR/log/fuzz}"
MAX_EXAMPLES="${FUZZ_MAX_EXAMPLES:-300}"
SEED="${FUZZ_SEED:-$(od -An -N6 -tu8 /dev/urandom | tr -d ' ')}"
WORKERS="${FUZZ_WORKERS:-2}"
TIMEOUT="${FUZZ_TIMEOUT:-600}"
NO_SUCH_IMAGE="dbaas/fuzz-no-such-image:0"
PROFILE="${FUZZ_PROFILE:-untuned}"
case "$PROFILE" in
untuned) CONFIG="$ROOT/tests/fuzz/schemathesis.toml" ;;
deep) CONFIG="$ROOT/tests/fuzz/deep.toml" ;;
*) die "FUZZ_PROFILE must be untuned or deep, not '$PROFILE'" ;;
esac
# Pinned: another version has other checks, and finds other things.
REQUIREMENTS=(schemathesis==4.32.5)

# --- the backing services (no engine image: no engine is ever started) ---
"$ROOT/scripts/deps.sh"
"$ROOT/scripts/services.sh" start

# --- schemathesis, in a venv outside the repo, installed only when missing ---
ensure_venv "$VENV" "${REQUIREMENTS[@]}"

# --- names for this run (scripts/lib.sh: stack_*) ---
stack_init fuzz
FUZZ_PID=""

# shellcheck disable=SC2317  # runs from the EXIT trap
cleanup() {
	local status=$?
	trap - EXIT INT TERM
	stop_child "$FUZZ_PID" schemathesis
	if [[ -d "$STACK_TMP" && -d "$OUT" ]]; then
		cp "$STACK_TMP/api.log" "$STACK_TMP/worker.log" "$OUT/" 2> /dev/null || :
	fi
	stack_cleanup "$status"
	log "done in $((SECONDS - started_at))s"
	exit "$status"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

rm -rf "$OUT"
mkdir -p "$OUT"

# --- the api and the worker, on a catalog database of their own ---
export DBAAS_POSTGRES_IMAGE="$NO_SUCH_IMAGE" DBAAS_MONGODB_IMAGE="$NO_SUCH_IMAGE"
# A followed engine log (`follow=true`) is held open until this cap: keep it under the
# fuzzer's request time-out.
export DBAAS_LOG_FOLLOW_MAX_S=2
stack_start

# --- what the deep profile's hooks need (tests/fuzz/deep_hooks.py) ---
AUTH_HEADER="Basic $(printf '%s:%s' "$STACK_ADMIN_USER" "$STACK_ADMIN_PASSWORD" | base64 -w0)"
# usage: ids KIND [USERNAME]  -- the ids of the KIND (user, plan, team...) there are, or of
# the user of that name; comma-separated.
ids() {
	curl -fsS -H "Authorization: $AUTH_HEADER" "$STACK_URL/api/$1?page_size=1000" | python3 -c '
import json, sys
kind, only = sys.argv[1], sys.argv[2:]
print(",".join(str(x["id"]) for x in json.load(sys.stdin)[kind] if not only or x.get("username") == only[0]))' "$@"
}
own_id="$(ids user "$STACK_ADMIN_USER")"
[[ -n "$own_id" ]] || die "cannot find the user id of $STACK_ADMIN_USER"
export DBAAS_ROOT="$ROOT"
if [[ "$PROFILE" == deep ]]; then
	protected="user=$own_id plan=$(ids plan) environment=$(ids environment) team=$(ids team)"
	export FUZZ_PROTECTED="$protected"
	log "protected from the fuzzer: $protected"
fi
export FUZZ_IMAGE="$NO_SUCH_IMAGE"
export FUZZ_LOCAL_IMAGES
FUZZ_LOCAL_IMAGES="$(docker images --format '{{.Repository}}:{{.Tag}}' | grep -v '<none>' | tr '\n' ' ')"
export FUZZ_AUTH_HEADER="$AUTH_HEADER"
# Written by the deep profile's hooks only; the untuned run relies on the check after it.
export FUZZ_AUTH_REFUSALS_FILE="$OUT/own-login-refused.txt"
: > "$FUZZ_AUTH_REFUSALS_FILE"

# --- the run ---
# Every check. The deep profile leaves negative_data_rejection to the untuned run (its
# dictionaries feed negative cases too), on the command line too, where `--checks all` would
# turn it back on.
checks=(--checks all)
# The login: the untuned run's hooks supply it (an auth provider: schemathesis leaves it off
# the cases whose point is a missing or wrong Authorization, where --auth puts it back); the
# deep profile passes it on the command line.
login=()
if [[ "$PROFILE" != untuned ]]; then
	checks+=(--exclude-checks negative_data_rejection)
	login=(--auth "$STACK_ADMIN_USER:$STACK_ADMIN_PASSWORD")
fi
log "schemathesis ($PROFILE): $MAX_EXAMPLES examples per operation, $WORKERS workers, seed $SEED (FUZZ_SEED=$SEED to replay)"
# From $OUT, so that nothing schemathesis writes lands in the repository; in the background,
# so that a signal reaches the trap (and the cleanup) at once.
(
	cd "$OUT"
	exec timeout --signal=TERM --kill-after=10 "$TIMEOUT" \
		"$VENV/bin/schemathesis" --no-color --config-file "$CONFIG" run \
		"$STACK_URL/openapi.json" "${login[@]}" \
		"${checks[@]}" --max-examples "$MAX_EXAMPLES" --seed "$SEED" --workers "$WORKERS" \
		--report junit,ndjson --report-dir "$OUT" \
		--report-ndjson-path "$OUT/report.ndjson" --report-junit-path "$OUT/junit.xml" "$@"
) > "$OUT/schemathesis.txt" 2>&1 &
FUZZ_PID=$!
fuzz_status=0
wait "$FUZZ_PID" || fuzz_status=$?
FUZZ_PID=""
log "schemathesis exited with $fuzz_status after $((SECONDS - started_at))s; its output: ${OUT#"$ROOT/"}/schemathesis.txt"
((fuzz_status != 124)) || log "the run took longer than FUZZ_TIMEOUT=${TIMEOUT}s and was stopped"

# --- the run's own checks: were the results taken as they should be? ---
status=0
if [[ -s "$FUZZ_AUTH_REFUSALS_FILE" ]]; then
	log "the run's own login was refused $(wc -l < "$FUZZ_AUTH_REFUSALS_FILE") times: the results are not trustworthy"
	head -n 5 "$FUZZ_AUTH_REFUSALS_FILE" >&2
	status=1
fi
if [[ -z "$(ids user "$STACK_ADMIN_USER" 2> /dev/null)" ]]; then
	log "the run's own login no longer works after the run: the results are not trustworthy"
	status=1
fi
# No host reaches off this machine (the allow-list; in the deep profile, its hooks too)...
off_host="$(psql -Atq "${STACK_ADMIN_URL%/*}/$STACK_CATALOG" -c "SELECT docker_endpoint FROM hosts
	WHERE docker_endpoint NOT LIKE 'unix://%'
	AND docker_endpoint !~ '^[a-z]+://(127\.0\.0\.1|localhost|\[::1\])(:[0-9]+)?(/.*)?$'")" ||
	off_host="(could not read the hosts)"
if [[ -n "$off_host" ]]; then
	log "hosts with a Docker endpoint off this machine were created: ${off_host//$'\n'/ }"
	status=1
fi
# ... and no engine container was started.
if containers="$(docker ps -aq --filter "label=dbaas.deployment=$STACK_DEPLOYMENT")" && [[ -n "$containers" ]]; then
	log "the run started engine containers, which it never should: ${containers//$'\n'/ }"
	status=1
fi
log "requests the api logged: $(grep 'tracing_mw' "$STACK_TMP/api.log" | grep -vc 'uri=/health' || :); reports in ${OUT#"$ROOT/"}"

# --- the results, closing on `fuzz: N passed, M failed` ---
if [[ -s "$OUT/report.ndjson" ]]; then
	summary_status=0
	python3 tests/fuzz/summary.py "$OUT/report.ndjson" "$STACK_URL" "$OUT/failures.json" | tee "$OUT/summary.txt" ||
		summary_status=$?
	((status != 0)) || status=$summary_status
	# schemathesis's own verdict counts too (an error, an interrupted run...).
	((status != 0)) || status=$fuzz_status
else
	log "schemathesis wrote no report; the end of its output:"
	tail -n 40 "$OUT/schemathesis.txt" >&2
	status=2
fi
exit "$status"
