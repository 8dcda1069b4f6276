"""What a stream can show: a terminal or a pipe, colour or not, how wide."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from typing import IO, Any

__all__ = ["Terminal", "is_terminal"]


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
