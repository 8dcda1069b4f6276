"""Live progress on a terminal's stderr: plain ANSI, no terminal library.

A :class:`LiveArea` is a block of lines redrawn in place and erased at the end, so the answer
printed afterwards stands alone. :class:`DiscoveryProgress` turns pipeline events into one row
per source; a new event type needs only a new entry in ``_handlers`` (and, if it is a new kind
of step, rows keyed by any string: probes can use ``"probe imap.example.com:993"``).
:class:`BatchProgress` is the one-line bar of ``--batch``.

Only ever used when the stream is a terminal; callers check :attr:`Terminal.tty` first.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import IO, Any

from ...events import (
    CandidateFound,
    DiscoveryFinished,
    ProbeFinished,
    ProbeStarted,
    SourceFinished,
    SourceStarted,
)
from ...models import AttemptStatus
from . import words
from .terminal import Terminal, safe_text

__all__ = ["BatchProgress", "DiscoveryProgress", "LiveArea"]

_CSI = "\x1b["
_SPINNER = "⠋⠙⠹⠸⠼⠴⠦⠧⠇⠏"
_ASCII_SPINNER = "|/-\\"
_COLOURS = {"green": "32", "red": "31", "yellow": "33", "dim": "2", "bold": "1"}


class LiveArea:
    """Lines at the bottom of a terminal, redrawn in place; erased by :meth:`clear`."""

    def __init__(self, stream: IO[str], term: Terminal) -> None:
        self._stream = stream
        self._term = term
        self._height = 0
        self._cursor_hidden = False

    def paint(self, text: str, colour: str) -> str:
        if not self._term.colour or not colour:
            return text
        return f"{_CSI}{_COLOURS[colour]}m{text}{_CSI}0m"

    def draw(self, lines: list[tuple[str, str]]) -> None:
        """Replace the area with ``lines``: (text, colour) pairs, cut to the screen width."""
        width = max(self._term.width - 1, 10)
        parts: list[str] = []
        if not self._cursor_hidden:
            parts.append(f"{_CSI}?25l")
            self._cursor_hidden = True
        parts.append(self._erase_sequence())
        for text, colour in lines:
            text = safe_text(text)  # hosts and error texts came from the network
            cut = text if len(text) <= width else text[: width - 1] + "…"
            parts.append(self.paint(cut, colour) + "\n")
        self._height = len(lines)
        self._write("".join(parts))

    def clear(self) -> None:
        """Erase the area and show the cursor again. Safe to call twice."""
        parts = [self._erase_sequence()]
        if self._cursor_hidden:
            parts.append(f"{_CSI}?25h")
            self._cursor_hidden = False
        self._height = 0
        self._write("".join(parts))

    def _erase_sequence(self) -> str:
        if not self._height:
            return ""
        # Up to the first line of the area, then erase to the end of the screen.
        return f"\r{_CSI}{self._height}A{_CSI}J"

    def _write(self, text: str) -> None:
        if not text:
            return
        try:
            self._stream.write(text)
            self._stream.flush()
        except (OSError, ValueError):
            pass  # a closed terminal must not end the discovery


@dataclass(slots=True)
class _Row:
    label: str
    started: float
    finished: float | None = None
    elapsed_ms: float | None = None
    mark: str = ""
    colour: str = ""
    detail: str = ""
    found: int = 0


class DiscoveryProgress:
    """One row per source (and later per probe): running with a spinner, then how it ended."""

    def __init__(
        self,
        stream: IO[str],
        term: Terminal,
        address: str,
        *,
        clock: Callable[[], float] = time.monotonic,
        delay: float = 0.15,
    ) -> None:
        self._area = LiveArea(stream, term)
        self._term = term
        self._address = address
        self._delay = delay  # an answer faster than this never flashes a display
        self._clock = clock
        self._began = clock()
        self._rows: dict[str, _Row] = {}
        self._frame = 0
        self._handlers: dict[type[Any], Callable[[Any], None]] = {
            SourceStarted: self._source_started,
            SourceFinished: self._source_finished,
            CandidateFound: self._candidate_found,
            ProbeStarted: self._probe_started,
            ProbeFinished: self._probe_finished,
            DiscoveryFinished: self._finished,
        }

    def handle(self, event: object) -> None:
        """Update the display for one pipeline event; unknown events are ignored."""
        handler = self._handlers.get(type(event))
        if handler is not None:
            handler(event)
            self.refresh()

    def refresh(self) -> None:
        if self._clock() - self._began < self._delay:
            return
        self._frame += 1
        self._area.draw(self.lines())

    def close(self) -> None:
        self._area.clear()

    # -- event handlers -------------------------------------------------------------------

    def _source_started(self, event: SourceStarted) -> None:
        self._rows[f"source {event.source.value}"] = _Row(event.source.value, self._clock())

    def _source_finished(self, event: SourceFinished) -> None:
        row = self._rows.setdefault(
            f"source {event.source.value}", _Row(event.source.value, self._clock())
        )
        row.finished = self._clock()
        row.elapsed_ms = event.elapsed_ms
        ok = "✓" if self._term.unicode else "+"
        bad = "✗" if self._term.unicode else "x"
        row.mark, row.colour, row.detail = {
            AttemptStatus.OK: (ok, "green", "found settings"),
            AttemptStatus.EMPTY: ("·", "dim", "nothing there"),
            AttemptStatus.ERROR: (bad, "red", "failed"),
            AttemptStatus.TIMEOUT: (bad, "yellow", "no answer in time"),
            AttemptStatus.SKIPPED: ("-", "dim", "skipped"),
            AttemptStatus.BLOCKED: (bad, "yellow", "refused: private or local address"),
        }[event.status]
        if event.status is AttemptStatus.ERROR:
            detail = next((a.detail for a in event.attempts if a.detail), None)
            if detail:
                row.detail = f"failed: {detail}"

    def _candidate_found(self, event: CandidateFound) -> None:
        row = self._rows.get(f"source {event.source.value}")
        if row is not None:
            row.found += 1
            row.detail = f"found {row.found} server{'s' if row.found != 1 else ''}"

    @staticmethod
    def _probe_key(event: ProbeStarted | ProbeFinished) -> str:
        s = event.server
        return f"probe {s.protocol.value} {s.host}:{s.port}:{s.security.value}"

    def _probe_started(self, event: ProbeStarted) -> None:
        s = event.server
        label = f"check {s.protocol.value.upper()} {s.host}:{s.port}"
        self._rows[self._probe_key(event)] = _Row(label, self._clock())

    def _probe_finished(self, event: ProbeFinished) -> None:
        s = event.server
        row = self._rows.setdefault(
            self._probe_key(event),
            _Row(f"check {s.protocol.value.upper()} {s.host}:{s.port}", self._clock()),
        )
        row.finished = self._clock()
        result = words.check(s.verification, with_time=False)
        row.elapsed_ms = s.verification.elapsed_ms if s.verification is not None else None
        ok = "✓" if self._term.unicode else "+"
        bad = "✗" if self._term.unicode else "x"
        row.mark, row.colour = {True: (ok, "green"), False: (bad, "red"), None: ("-", "dim")}[
            result.ok
        ]
        row.detail = result.text

    def _finished(self, event: DiscoveryFinished) -> None:
        pass  # the caller closes the display and prints the answer

    # -- drawing --------------------------------------------------------------------------

    def lines(self) -> list[tuple[str, str]]:
        now = self._clock()
        spinner = _SPINNER if self._term.unicode else _ASCII_SPINNER
        running = sum(1 for r in self._rows.values() if r.finished is None)
        head = f"Looking up {self._address}: {now - self._began:.1f} s"
        if running:
            head += f", {running} still running"
        out: list[tuple[str, str]] = [(head, "bold")]
        width = max((len(r.label) for r in self._rows.values()), default=0)
        for row in self._rows.values():
            if row.finished is None:
                mark = spinner[self._frame % len(spinner)]
                text = f"  {mark} {row.label.ljust(width)}  {now - row.started:5.1f} s"
                out.append((text, ""))
            else:
                ms = f"{row.elapsed_ms:6.0f} ms" if row.elapsed_ms is not None else ""
                text = f"  {row.mark} {row.label.ljust(width)}  {ms}  {row.detail}"
                out.append((text.rstrip(), row.colour))
        return out


class BatchProgress:
    """``[#####.....] 512/1000  found 480  not found 20  invalid 12  42/s``."""

    def __init__(
        self,
        stream: IO[str],
        term: Terminal,
        total: int | None,
        *,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._area = LiveArea(stream, term)
        self._term = term
        self._total = total
        self._clock = clock
        self._began = clock()
        self._last = 0.0

    def update(
        self, done: int, found: int, not_found: int, invalid: int, *, force: bool = False
    ) -> None:
        now = self._clock()
        if not force and now - self._last < 0.1:
            return  # at most ten redraws a second
        self._last = now
        rate = done / max(now - self._began, 1e-6)
        counts = f"found {found}  not found {not_found}  invalid {invalid}  {rate:.0f}/s"
        if self._total:
            filled = min(20, int(20 * done / self._total))
            full, empty = ("█", "░") if self._term.unicode else ("#", ".")
            bar = full * filled + empty * (20 - filled)
            text = f"[{bar}] {done}/{self._total}  {counts}"
        else:
            text = f"{done} done  {counts}"
        self._area.draw([(text, "")])

    def close(self) -> None:
        self._area.clear()
