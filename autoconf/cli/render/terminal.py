"""What a stream can show: a terminal or a pipe, colour or not, how wide."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from typing import IO, Any

__all__ = ["Terminal", "encodable", "escape_json", "for_stream", "is_terminal", "safe_text"]

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


def _encoding(stream: IO[Any]) -> str | None:
    """The stream's character encoding, or None when it takes any text (StringIO)."""
    encoding = getattr(stream, "encoding", None)
    return encoding if isinstance(encoding, str) and encoding else None


def encodable(text: str, encoding: str | None) -> bool:
    """True when ``text`` can be written in ``encoding`` (None: any text can)."""
    if encoding is None:
        return True
    try:
        text.encode(encoding)
    except UnicodeEncodeError:
        return False
    except LookupError:  # an encoding Python does not know: write and let the stream decide
        return True
    return True


def for_stream(text: str, stream: IO[Any], *, json_text: bool = False) -> str:
    """``text`` as ``stream``'s encoding can take it: each character it cannot show becomes an
    escape (``\\xf6``, ``\\u2014``; in JSON text ``\\u00f6``, which decodes to the same value)."""
    encoding = _encoding(stream)
    if encodable(text, encoding):
        return text
    assert encoding is not None
    if json_text:  # outside strings JSON is ASCII: only string contents are escaped
        return "".join(ch if encodable(ch, encoding) else _json_escape(ch) for ch in text)
    return text.encode(encoding, "backslashreplace").decode(encoding)


def _json_escape(ch: str) -> str:
    import json

    return json.dumps(ch)[1:-1]  # "\u00f6", or a surrogate pair beyond the BMP


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
    encoding: str | None = None  # None: any text can be written (a StringIO)

    def can_show(self, text: str) -> bool:
        """True when every character of ``text`` can be written to this stream."""
        return encodable(text, self.encoding)

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
        encoding = _encoding(stream)
        name = (encoding or "utf-8").lower().replace("_", "-")
        return cls(
            tty=tty,
            colour=colour,
            width=max(width, 20),
            unicode=name.startswith("utf"),
            encoding=encoding,
        )
