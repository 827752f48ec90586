"""Schemathesis hooks for `make fuzz` (the untuned run): loaded through tests/fuzz/schemathesis.toml.

Nothing here touches a request, a response or a failure: schemathesis generates, sends and
judges on its own. The one thing done is a workaround for a bug of the Python that runs it.

CPython 3.11 keeps the AST converter's recursion depth per interpreter, not per thread: two
workers turning source into an AST at once (hypothesis does, to describe a lambda) fail with
"SystemError: AST constructor recursion depth mismatch". Fixed in later Pythons; harmless there.
"""

from __future__ import annotations

import ast
import threading
from typing import Any

_ast_lock = threading.RLock()
_ast_parse = ast.parse


def _serial_ast_parse(*args: Any, **kwargs: Any) -> Any:
    with _ast_lock:
        return _ast_parse(*args, **kwargs)


ast.parse = _serial_ast_parse
