"""Reading a JSON object from untrusted bytes, shared by the PACC and OAuth metadata parsers.

A size cap first, then strict UTF-8 and RFC 8259 JSON; nesting or numbers beyond Python's
limits, a non-object top level, anything malformed: a :class:`ParseError`, never a crash.
"""

from __future__ import annotations

import json
from typing import Any

from ..errors import ParseError

__all__ = ["load_object"]


def load_object(body: bytes, origin: str | None, *, limit: int) -> dict[str, Any]:
    """The JSON object in ``body`` (at most ``limit`` bytes), or a ParseError."""
    if len(body) > limit:
        raise ParseError(f"document over {limit} bytes", source=origin)
    try:
        value = json.loads(body.decode("utf-8"))
    except UnicodeDecodeError as exc:
        raise ParseError(f"not UTF-8 at byte {exc.start}", source=origin) from exc
    except json.JSONDecodeError as exc:
        where = f"line {exc.lineno} column {exc.colno}"
        raise ParseError(f"not JSON: {exc.msg}", where=where, source=origin) from exc
    except (RecursionError, ValueError) as exc:  # nesting or integers beyond Python's limits
        raise ParseError("not usable JSON (nested or sized beyond limits)", source=origin) from exc
    if not isinstance(value, dict):
        raise ParseError("the top level is not a JSON object", source=origin)
    return value
