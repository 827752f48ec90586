"""Schemathesis hooks for scripts/fuzz.sh (`make fuzz`): loaded through tests/fuzz/deep.toml.

They keep the fuzzer honest about things the spec cannot say, keep it from harming the run
or leaving the machine, and work around a Python bug (0.):

1. Every request body of the API refuses unknown fields (400, poem-openapi's
   `deny_unknown_fields`), but the spec's body schemas do not say `additionalProperties: false`,
   so schemathesis's "valid" bodies would carry random extra fields and never get past parsing.
   `before_load_schema` adds `additionalProperties: false` to each request body schema that
   lacks it; the negative cases then also check that extras are refused.

2. Each failed login slows the next attempts of that username from that address (up to 2 s
   each, never a lockout: api/src/http/throttle.rs). The `ignored_auth` check probes every
   operation with the same wrong login (`SCHEMATHESIS-INVALID-VALUE`), which would make most
   probes wait 2 s. Each probe here uses a username of its own (`fuzz-invalid-N`), so the run
   stays quick and every probe still meets the real password check.

3. `before_call` guards, for every phase (stateful steps included):
   - the login the run uses is never changed or deleted, nor are the default plan,
     environment and team (the admin's) deleted (FUZZ_PROTECTED: `user=ID plan=ID
     environment=ID team=ID`): such a PATCH or DELETE goes to an id that does not exist (404)
     instead, and `filter_failure` drops what the checks say about that answer. Else a fuzzed
     password or a deletion would turn the rest of the run into 401s, and without a plan, an
     environment and a team of the caller's no database could be created for the operations
     on databases and credentials to act on;
   - an environment's or a host's `docker_endpoint` that names a network host goes to 127.0.0.1:9
     instead, so neither the api nor the worker (its reconciler visits every environment)
     ever connects anywhere but this machine;
   - a plan's `image` that names an image present on this Docker host (FUZZ_LOCAL_IMAGES)
     becomes FUZZ_IMAGE, an image that does not exist, so no engine container ever starts.

`filter_failure` also drops the use_after_free failures of databases: their DELETE is a
quarantine, not a removal (see below).

`after_call` writes each answer 401 or 429 to a request made with the run's own login
(FUZZ_AUTH_HEADER) to FUZZ_AUTH_REFUSALS_FILE: scripts/fuzz.sh fails the run when there is
any, since schemathesis itself passes a run whose every request was refused.

The values that get past the API's own rules (names, passwords, references...) are in
tests/fuzz/deep.toml, as fuzz dictionaries.
"""

from __future__ import annotations

import ast
import base64
import itertools
import os
import re
import threading
from typing import Any

import schemathesis
from schemathesis.specs.openapi import _auth_retry

# --- 0. one AST conversion at a time ---
# CPython 3.11 keeps the AST converter's recursion depth per interpreter, not per thread: two
# workers turning source into an AST at once (hypothesis does, to describe a lambda) fail with
# "SystemError: AST constructor recursion depth mismatch". Fixed in later Pythons; harmless there.
_ast_lock = threading.RLock()
_ast_parse = ast.parse


def _serial_ast_parse(*args: Any, **kwargs: Any) -> Any:
    with _ast_lock:
        return _ast_parse(*args, **kwargs)


ast.parse = _serial_ast_parse

# --- 1. additionalProperties: false on the request bodies ---


@schemathesis.hook
def before_load_schema(context: Any, raw_schema: dict[str, Any]) -> None:
    schemas = raw_schema.get("components", {}).get("schemas", {})
    for methods in raw_schema.get("paths", {}).values():
        for operation in methods.values():
            if not isinstance(operation, dict):
                continue
            for media in operation.get("requestBody", {}).get("content", {}).values():
                schema = media.get("schema", {})
                ref = schema.get("$ref", "")
                if ref.startswith("#/components/schemas/"):
                    schema = schemas.get(ref.rsplit("/", 1)[1], {})
                if schema.get("type") == "object" and "additionalProperties" not in schema:
                    schema["additionalProperties"] = False


# --- 2. a username of its own for each wrong-login probe ---

if not isinstance(getattr(_auth_retry, "INVALID_AUTH_HEADERS", None), dict):
    raise RuntimeError(
        "schemathesis changed: _auth_retry.INVALID_AUTH_HEADERS is gone; revisit tests/fuzz/deep_hooks.py"
    )


class _FreshInvalidLogin(dict):
    """`INVALID_AUTH_HEADERS` whose basic-auth entry is a new wrong login each time it is read."""

    _serial = itertools.count(1)

    def get(self, key: Any, default: Any = None) -> Any:
        if key == "_basic_auth":
            login = f"fuzz-invalid-{next(self._serial)}:SCHEMATHESIS-INVALID-VALUE"
            return "Basic " + base64.b64encode(login.encode()).decode()
        return super().get(key, default)


_auth_retry.INVALID_AUTH_HEADERS = _FreshInvalidLogin(_auth_retry.INVALID_AUTH_HEADERS)

# --- 3. guards on what is sent ---

# What may not be done to which ids: path template -> (methods, ids).
PROTECTED_METHODS = {
    "user": ("PATCH", "PUT", "DELETE"),
    "plan": ("DELETE",),
    "environment": ("DELETE",),
    "team": ("DELETE",),
}
PROTECTED: dict[str, tuple[tuple[str, ...], set[int]]] = {}
for _entry in os.environ.get("FUZZ_PROTECTED", "").split():
    _kind, _, _ids = _entry.partition("=")
    PROTECTED[f"/api/{_kind}/{{id}}"] = (PROTECTED_METHODS[_kind], {int(i) for i in _ids.split(",") if i})
LOCAL_IMAGES = {i for i in os.environ.get("FUZZ_LOCAL_IMAGES", "").split() if i}
FUZZ_IMAGE = os.environ.get("FUZZ_IMAGE", "dbaas/fuzz-no-such-image:0")
# An id no row has: the catalog's ids are bigserials counting up from 1.
ABSENT_ID = 2**62
NETWORK_SCHEMES = ("tcp://", "http://", "https://")
ENVIRONMENT_PATH = re.compile(r"^/api/environment(/\{id\}(/host(/\{host_id\})?)?)?/?$")
PLAN_PATH = re.compile(r"^/api/plan(/\{id\})?/?$")


# Cases sent to ABSENT_ID instead: their answer says nothing about the request schemathesis
# made (a stateful check would take the 404 for a resource it created that went missing).
_REDIRECTED: set[str] = set()


def _as_id(value: Any) -> int | None:
    # Python's int() takes all that Rust's i64 parser takes ("+1", "01") and more ("1_0", " 1").
    if isinstance(value, bool):
        return None
    try:
        return int(str(value).strip())
    except ValueError:
        return None


@schemathesis.hook
def before_call(context: Any, case: Any, kwargs: dict[str, Any]) -> None:
    method = case.method.upper()
    path = case.operation.path
    methods, ids = PROTECTED.get(path.rstrip("/"), ((), set()))
    if method in methods and isinstance(case.path_parameters, dict):
        if _as_id(case.path_parameters.get("id")) in ids:
            case.path_parameters = {**case.path_parameters, "id": ABSENT_ID}
            _REDIRECTED.add(case.id)
    body = case.body
    if not isinstance(body, dict) or method not in ("POST", "PATCH", "PUT"):
        return
    if ENVIRONMENT_PATH.match(path):
        endpoint = body.get("docker_endpoint")
        if isinstance(endpoint, str) and endpoint.lower().startswith(NETWORK_SCHEMES):
            scheme = endpoint[: endpoint.index("://") + 3]
            case.body = {**body, "docker_endpoint": f"{scheme}127.0.0.1:9"}
    elif PLAN_PATH.match(path):
        image = body.get("image")
        if isinstance(image, str) and image.strip() in LOCAL_IMAGES:
            case.body = {**body, "image": FUZZ_IMAGE}


# DELETE /api/database/{id} quarantines (202): the database, its credentials, tasks and final
# dumps stay readable, and restorable, for its quarantine days; they answer 404 only once it is
# destroyed. schemathesis's use_after_free check expects a 404 at once.
_SOFT_DELETED = re.compile(r"`DELETE /api/database/[^/`]+`")


@schemathesis.hook
def filter_failure(context: Any, failure: Any, case: Any, response: Any) -> bool:
    if case.id in _REDIRECTED:
        return False
    if getattr(failure, "code", "") == "ST301" and _SOFT_DELETED.search(str(getattr(failure, "message", ""))):
        return False
    return True


# --- the run's own login must keep working ---

_OWN_LOGIN = os.environ.get("FUZZ_AUTH_HEADER", "")
_REFUSALS_FILE = os.environ.get("FUZZ_AUTH_REFUSALS_FILE", "")


@schemathesis.hook
def after_call(context: Any, case: Any, response: Any) -> None:
    if not _OWN_LOGIN or not _REFUSALS_FILE or response.status_code not in (401, 429):
        return
    request = getattr(response, "request", None)
    sent = request.headers.get("Authorization") if request is not None else None
    if sent == _OWN_LOGIN:
        with open(_REFUSALS_FILE, "a", encoding="utf-8") as out:
            out.write(f"{response.status_code} {case.method.upper()} {case.formatted_path}\n")
