"""Summarise a schemathesis NDJSON report for scripts/fuzz.sh.

usage: summary.py REPORT.ndjson BASE_URL [FAILURES_OUT]

Prints each distinct failure (check, operation, title) once, with the response and a curl
command that sends the request again ("$DBAAS_URL" in place of BASE_URL, the address the
fuzzed api had; credentials as "$DBAAS_USER:$DBAAS_PASSWORD"), then the figures and the
closing line

    fuzz: N passed, M failed

counting API operations: an operation fails when any check failed on it or schemathesis hit
an error while testing it, in any phase (stateful steps are counted against the operation
they called). Writes the failures, as JSON, to FAILURES_OUT when given. Exits 1 when any
operation failed, 2 when the report is unusable, else 0.
"""

from __future__ import annotations

import base64
import json
import shlex
import sys
from collections import Counter, defaultdict
from typing import Any

MAX_BODY = 400
MAX_STEPS = 6


def curl(request: dict[str, Any], base_url: str) -> str:
    """The request as sent (after the hooks), as a curl command against "$DBAAS_URL"."""
    uri = request.get("uri", "")
    if uri.startswith(base_url.rstrip("/")):
        uri = uri[len(base_url.rstrip("/")) :]
    parts = ["curl", "-sS", "-i", "-X", request.get("method", "GET"), '-u "$DBAAS_USER:$DBAAS_PASSWORD"']
    for name, values in (request.get("headers") or {}).items():
        if name.lower() in ("authorization", "content-length", "user-agent", "accept", "accept-encoding", "connection"):
            continue
        if name.lower().startswith("x-schemathesis"):
            continue
        for value in values if isinstance(values, list) else [values]:
            parts += ["-H", shlex.quote(f"{name}: {value}")]
    body = request.get("body")
    if isinstance(body, dict) and "$base64" in body:
        raw = base64.b64decode(body["$base64"])
        try:
            text = raw.decode("utf-8")
            if "\0" in text:
                raise UnicodeDecodeError("utf-8", raw, 0, 1, "NUL")
            parts += ["--data-raw", shlex.quote(text)]
        except UnicodeDecodeError:
            parts += ["--data-binary", f"@<(echo {body['$base64']} | base64 -d)"]
    elif isinstance(body, dict) and "string" in body:
        parts += ["--data-raw", shlex.quote(body["string"])]
    parts.append('"$DBAAS_URL"' + shlex.quote(uri))
    return " ".join(parts)


def response_text(response: dict[str, Any] | None) -> str:
    if not response:
        return "(no response)"
    content = response.get("content") or {}
    if "$base64" in content:
        raw = base64.b64decode(content["$base64"]).decode("utf-8", "replace")
    else:
        raw = content.get("string", "") if isinstance(content, dict) else str(content)
    if len(raw) > MAX_BODY:
        raw = raw[:MAX_BODY] + "..."
    return f"{response.get('status_code')} {raw}"


def main() -> int:
    if len(sys.argv) < 3:
        print(__doc__, file=sys.stderr)
        return 2
    report, base_url = sys.argv[1], sys.argv[2]
    out = sys.argv[3] if len(sys.argv) > 3 else None
    operations: set[str] = set()
    total_operations = None
    requests = 0
    statuses: Counter[int] = Counter()
    answered_2xx: set[str] = set()
    failures: dict[tuple[str, str, str], dict[str, Any]] = {}
    errors: list[dict[str, Any]] = []
    failed_ops: dict[str, set[str]] = defaultdict(set)
    finished = False
    with open(report, encoding="utf-8") as lines:
        for line in lines:
            event = json.loads(line)
            kind, data = next(iter(event.items()))
            if kind == "LoadingFinished":
                total_operations = data["statistic"]["operations"]["selected"]
            elif kind == "EngineFinished":
                finished = True
            elif kind == "NonFatalError":
                label = data.get("label") or "(run)"
                errors.append({"operation": label, "phase": data.get("phase"), **data.get("value", {})})
                failed_ops[label].add("error")
            elif kind == "ScenarioFinished":
                recorder = data["recorder"]
                if data.get("phase") != "stateful":
                    operations.add(recorder["label"])
                interactions = recorder.get("interactions") or {}
                requests += len(interactions)
                cases = recorder.get("cases") or {}
                for case_id, interaction in interactions.items():
                    status = (interaction.get("response") or {}).get("status_code")
                    if status is not None:
                        statuses[status] += 1
                    value = (cases.get(case_id) or {}).get("value") or {}
                    if status is not None and 200 <= status < 300 and "method" in value:
                        answered_2xx.add(f"{value['method'].upper()} {value.get('path')}")
                for case_id, checks in (recorder.get("checks") or {}).items():
                    for check in checks:
                        if check.get("status") != "failure":
                            continue
                        failure = check["failure_info"]["failure"]
                        operation = failure.get("operation") or recorder["label"]
                        key = (failure.get("code", check["name"]), operation, failure.get("title", ""))
                        failed_ops[operation].add(key[0])
                        if key in failures:
                            failures[key]["count"] += 1
                            continue
                        interaction = interactions.get(case_id) or {}
                        # A stateful step may need the steps before it: keep them, oldest first.
                        before = []
                        if data.get("phase") == "stateful" and interaction:
                            before = [
                                f"{(i.get('response') or {}).get('status_code')} <- {curl(i['request'], base_url)}"
                                for i in sorted(interactions.values(), key=lambda i: i.get("timestamp", 0))
                                if i.get("timestamp", 0) < interaction.get("timestamp", 0)
                            ]
                        failures[key] = {
                            "code": key[0],
                            "check": check["name"],
                            "operation": operation,
                            "title": key[2],
                            "message": failure.get("message", ""),
                            "phase": data.get("phase"),
                            "response": response_text(interaction.get("response")),
                            "curl": curl(interaction["request"], base_url) if interaction else "(request not recorded)",
                            "count": 1,
                            "steps_before": before,
                        }
    if not finished or total_operations is None:
        print("fuzz: the schemathesis report is incomplete (the run did not finish)", file=sys.stderr)
        return 2
    for key in sorted(failures):
        f = failures[key]
        print(f"--- {f['code']} {f['title']}: {f['operation']} ({f['phase']} phase, seen {f['count']}x)")
        for line in f["message"].strip().splitlines():
            print(f"    {line}")
        print(f"    got:  {f['response']}")
        if f["steps_before"]:
            print(f"    after {len(f['steps_before'])} earlier steps of its scenario, the last ones:")
            for step in f["steps_before"][-MAX_STEPS:]:
                print(f"      {step}")
        print(f"    send: {f['curl']}")
    for e in errors:
        print(f"--- error in {e['operation']} ({e.get('phase')} phase): {e.get('type')}: {e.get('message')}")
    tested = operations | set(failed_ops)
    failed = len([op for op in tested if op in failed_ops])
    # Operations schemathesis skipped entirely still count as passed only if it said it tested them.
    passed = total_operations - failed
    by_status = ", ".join(f"{s}: {n}" for s, n in sorted(statuses.items()))
    print(f"operations: {total_operations}, requests: {requests} ({by_status})")
    never = sorted(operations - answered_2xx)
    if never:
        print(f"operations that never answered 2xx ({len(never)}): {', '.join(never)}")
    print(f"failures: {sum(f['count'] for f in failures.values())} ({len(failures)} distinct), errors: {len(errors)}")
    print(f"fuzz: {passed} passed, {failed} failed")
    if out:
        with open(out, "w", encoding="utf-8") as fh:
            json.dump({"failures": list(failures.values()), "errors": errors}, fh, indent=1, ensure_ascii=False)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
