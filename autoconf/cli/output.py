"""Where the command line writes: the streams of one run, the name it was run as, and the
one way a diagnostic line reaches stderr."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import IO, Any, TextIO

from .render.terminal import escape_json, for_stream, safe_text
from .signals import Interrupts

__all__ = ["Streams", "json_text", "say", "write"]


@dataclass(frozen=True, slots=True)
class Streams:
    """The streams of one run, its environment (for ``NO_COLOR``) and its name."""

    out: TextIO
    err: TextIO
    inp: IO[Any]
    env: Mapping[str, str]
    prog: str = "python -m autoconf"


def say(err: TextIO, text: str) -> None:
    """One line on stderr; addresses, paths and error texts in it cannot act on the terminal."""
    print(for_stream(safe_text(text), err), file=err)


def write(out: TextIO, interrupts: Interrupts, text: str) -> None:
    """The whole answer on stdout: a signal waits until it is written (no line cut)."""
    with interrupts.writing():
        out.write(text)
        out.flush()


def json_text(data: object, out: TextIO) -> str:
    """``data`` as indented JSON for ``out``: every character that could act on a terminal
    escaped, and text the stream cannot encode written as JSON escapes."""
    import json

    text = json.dumps(data, indent=2, ensure_ascii=False)
    return for_stream(escape_json(text) + "\n", out, json_text=True)
