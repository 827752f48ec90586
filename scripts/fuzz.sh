#!/usr/bin/env bash
# draft
set -euo pipefail
SCRIPT_NAME="fuzz"
# shellcheck source=scripts/lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
cd "$ROOT"
started_at=$SECONDS

VENV="${DBAAS_FUZZ_VENV:-/var/cache/dbaas/venv-fuzz}"
REQUIREMENTS=(schemathesis==4.32.5)
OUT="${DBAAS_FUZZ_OUT:-$VAR/log/fuzz}"

ensure_venv "$VENV" "${REQUIREMENTS[@]}"

stack_init fuzz
FUZZ_PID=""
cleanup() {
	local status=$?
	trap - EXIT INT TERM
	stop_child "$FUZZ_PID" schemathesis
	[[ -d "$STACK_TMP" ]] && cp "$STACK_TMP"/*.log "$OUT/" 2> /dev/null || :
	stack_cleanup "$status"
	log "done in $((SECONDS - started_at))s"
	exit "$status"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

rm -rf "$OUT"; mkdir -p "$OUT"
export DBAAS_POSTGRES_IMAGE="dbaas/fuzz-no-such-image:0"
stack_start
cd "$OUT"
"$VENV/bin/schemathesis" --config-file "$ROOT/tests/fuzz/schemathesis.toml" run "$STACK_URL/openapi.json" \
	-a "$STACK_ADMIN_USER:$STACK_ADMIN_PASSWORD" --checks all --workers 2 --max-examples "${FUZZ_MAX_EXAMPLES:-10}" \
	--report junit,ndjson --report-dir "$OUT" "$@" > "$OUT/schemathesis.txt" 2>&1 &
FUZZ_PID=$!
status=0
wait "$FUZZ_PID" || status=$?
FUZZ_PID=""
tail -80 "$OUT/schemathesis.txt"
exit "$status"
