"""What a stream can show: a terminal or a pipe, colour or not, how wide."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from typing import IO, Any

__all__ = ["Terminal", "escape_json", "is_terminal", "safe_text"]

# Characters a terminal acts on instead of showing: C0 controls, DEL and C1 controls (U+009B
# alone starts an escape sequence on many terminals), and the bidirectional controls that can
# make text read differently from what it is (Trojan Source, CVE-2021-42574).
_BIDI = (0x061C, 0x200E, 0x200F, *range(0x202A, 0x202F), *range(0x2066, 0x206A))


def _visible(code: int) -> str:
    return f"\\x{code:02x}" if code < 0x100 else f"U+{code:04X}"


_SAFE = str.maketrans(
    {code: _visible(code) for code in (*range(0x20), *range(0x7F, 0xA0), *_BIDI)}
    | {code: _visible(code) for code in range(0xD800, 0xE000)}  # lone surrogates
)


# json.dumps(ensure_ascii=False) escapes C0 controls only; these it would write raw.
_JSON_ESCAPES = str.maketrans(
    {code: f"\\u{code:04x}" for code in (*range(0x7F, 0xA0), *_BIDI, *range(0xD800, 0xE000))}
)


def escape_json(text: str) -> str:
    """JSON text with DEL, C1 controls, bidi controls and lone surrogates as ``\\u`` escapes.

    The same JSON for every parser (these characters only occur inside strings, and an escape
    decodes to the very character), but safe to show on a terminal and always encodable.
    """
    return text.translate(_JSON_ESCAPES)


def safe_text(text: str) -> str:
    """``text`` with every control, bidi control and lone surrogate shown as ``\\x9b`` or
    ``U+202E`` instead of acting on the terminal. Apply to anything that came from the network,
    a file or the user before it is printed; idempotent."""
    return text.translate(_SAFE)


def is_terminal(stream: IO[Any]) -> bool:
    """True when ``stream`` is an interactive terminal (never for files, pipes or StringIO)."""
    try:
        return stream.isatty()
    except (AttributeError, ValueError, OSError):
        return False


@dataclass(frozen=True, slots=True)
class Terminal:
    """How to write to one stream. Decided once, from the stream and the environment."""

    tty: bool
    colour: bool
    width: int
    unicode: bool

    @classmethod
    def of(cls, stream: IO[Any], environ: Mapping[str, str] | None = None) -> Terminal:
        env = os.environ if environ is None else environ
        tty = is_terminal(stream)
        dumb = env.get("TERM", "") == "dumb"
        # https://no-color.org: present and not empty means no colour.
        colour = tty and not dumb and not env.get("NO_COLOR")
        width = 80
        if tty:
            try:
                width = os.get_terminal_size(stream.fileno()).columns or 80
            except (AttributeError, ValueError, OSError):
                width = 80
        encoding = (getattr(stream, "encoding", None) or "utf-8").lower().replace("_", "-")
        return cls(tty=tty, colour=colour, width=max(width, 20), unicode=encoding.startswith("utf"))
