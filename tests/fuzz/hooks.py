"""Schemathesis hooks for `make fuzz` (the untuned run): loaded through tests/fuzz/schemathesis.toml.

Nothing here touches a request beyond the login, nor a response or a failure: schemathesis
generates, sends and judges on its own. Two things are done: the login is supplied as an auth
provider (see `Login`), and a bug of the Python that runs it is worked around.

CPython 3.11 keeps the AST converter's recursion depth per interpreter, not per thread: two
workers turning source into an AST at once (hypothesis does, to describe a lambda) fail with
"SystemError: AST constructor recursion depth mismatch". Fixed in later Pythons; harmless there.
"""

from __future__ import annotations

import ast
import os
import threading
from typing import Any

import schemathesis

_ast_lock = threading.RLock()
_ast_parse = ast.parse


def _serial_ast_parse(*args: Any, **kwargs: Any) -> Any:
    with _ast_lock:
        return _ast_parse(*args, **kwargs)


ast.parse = _serial_ast_parse



@schemathesis.auth()
class Login:
    """The run's login (the first admin), as schemathesis' own auth provider: it goes on every
    case but those whose point is a missing or wrong Authorization header."""

    def get(self, case: Any, context: Any) -> str:
        return os.environ["FUZZ_AUTH_HEADER"]

    def set(self, case: Any, data: str, context: Any) -> None:
        case.headers = {**(case.headers or {}), "Authorization": data}
