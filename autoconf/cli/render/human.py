"""The human view of a discovery, drawn with rich (imported only here).

On a terminal: bold headings, a line under table headers, colour for good and bad news
(unless ``NO_COLOR``). Piped: the same words and columns with no escape codes and nothing
decorative, so ``grep`` and ``cut`` work on it.
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from dataclasses import dataclass
from enum import Enum
from typing import IO, Any, TypeVar

from pydantic import BaseModel
from rich import box
from rich.console import Console
from rich.table import Table
from rich.text import Text

from ...models import (
    AttemptStatus,
    DiscoveryResult,
    ProviderInfo,
    ServerSettings,
    SourceAttempt,
    Verdict,
)
from ...recommend import recommendation_of
from . import words
from .terminal import Terminal, safe_text

__all__ = ["make_console", "neutralised", "render_result", "render_trace"]

# Piped output is not wrapped to a screen: every line (a URL above all) stays whole, and tables
# take what they need.
_PIPE_WIDTH = 10_000


def make_console(out: IO[str], term: Terminal) -> Console:
    return Console(
        file=out,
        force_terminal=term.tty,
        color_system="auto" if term.colour else None,
        no_color=not term.colour,
        width=term.width if term.tty else _PIPE_WIDTH,
        highlight=False,
        emoji=False,
        markup=False,
        soft_wrap=False,
        legacy_windows=False,
    )


def _heading(console: Console, text: str) -> None:
    console.print(Text(text, style="bold"))


def _table(term: Terminal, *headers: str) -> Table:
    table = Table(
        *headers,
        box=box.SIMPLE_HEAD if term.tty else None,
        show_edge=False,
        pad_edge=False,
        padding=(0, 1, 0, 0) if term.tty else (0, 2, 0, 0),  # the box adds a space
        header_style="bold" if term.tty else "",
        show_header=True,
    )
    return table


def _mark(ok: bool | None, term: Terminal) -> str:
    if ok is None:
        return ""
    if term.unicode:
        return "✓ " if ok else "✗ "
    return "ok: " if ok else "NO: "


def _server_list(
    console: Console, term: Terminal, servers: Sequence[ServerSettings], *, blocks: bool
) -> None:
    """The servers as a table, or (where a table would not fit) one block per server."""
    if blocks:
        for number, server in enumerate(servers, 1):
            console.print(_indent(_server_block(term, number, server)))
    else:
        console.print(_indent(_servers(term, servers)))
    console.print()


def _tables_fit(console: Console, term: Terminal, *lists: Sequence[ServerSettings]) -> bool:
    """True when every list's table fits the screen whole (nothing a person needs is cut)."""
    from rich.measure import Measurement

    for servers in lists:
        if servers:
            needed = Measurement.get(console, console.options, _servers(term, servers)).maximum
            if needed + 2 > console.width:  # + the indent
                return False
    return True


# One block per server on a narrow screen: every field on its own line, values wrap in place.
_BLOCK_LABELS = ("Port", "Security", "User name", "Sign-in", "Trust", "Found by", "Checked")


def _server_block(term: Terminal, number: int, s: ServerSettings) -> Any:
    result = words.check(s.verification)
    grid = Table.grid(padding=(0, 1, 0, 0))
    grid.add_column(no_wrap=True)
    grid.add_column(overflow="fold")
    values: tuple[str | Text, ...] = (
        str(s.port),
        _security_text(s),
        s.username or "-",
        ", ".join(words.AUTH[m] for m in s.auth) or "-",
        _trust_text(s),
        words.found_by(s),
        _checked_text(term, result),
    )
    for label, value in zip(_BLOCK_LABELS, values, strict=True):
        grid.add_row(f"   {label}:", value)
    from rich.console import Group

    head = Text(f"{number}. {s.protocol.value.upper()} {s.host}", style="bold", overflow="fold")
    return Group(head, grid)


def _security_text(s: ServerSettings) -> Text:
    security = Text(words.security_words(s.security))
    if s.security.value == "plain":
        security.stylize("red")
    return security


def _trust_text(s: ServerSettings) -> Text:
    return Text(s.trust.value, style={"high": "green", "low": "yellow"}.get(s.trust.value, ""))


def _checked_text(term: Terminal, result: words.Check) -> Text:
    style = {True: "green", False: "red", None: "dim"}[result.ok]
    return Text(_mark(result.ok, term) + result.text, style=style)


def _servers(term: Terminal, servers: Sequence[ServerSettings]) -> Table:
    table = _table(
        term, "Protocol", "Server", "Port", "Security", "User name", "Sign-in", "Trust", "Found by"
    )
    table.add_column("Checked")
    # Never cut what a person must type; narrow screens wrap the descriptive columns instead.
    for column in (0, 1, 2, 3, 4, 6):
        table.columns[column].no_wrap = True
    for s in servers:
        table.add_row(
            s.protocol.value.upper(),
            Text(s.host, style="bold"),
            str(s.port),
            _security_text(s),
            s.username or "-",
            ", ".join(words.AUTH[m] for m in s.auth) or "-",
            _trust_text(s),
            words.found_by(s),
            _checked_text(term, words.check(s.verification)),
        )
    return table


def render_result(
    result: DiscoveryResult,
    out: IO[str],
    term: Terminal,
    *,
    trace: bool = False,
    brief: bool = False,
    offline: bool = False,
    notes: Sequence[str] = (),
) -> None:
    """Write the whole human view of ``result`` to ``out``: the details first, the
    *Recommended* block last (so it is on the screen when the command ends); with ``brief``
    only the title and that block. ``offline`` says a miss is the bundled data's, not the
    domain's.

    Every string of the result (and every note) passes :func:`safe_text` first: names,
    documentation, hosts and error texts come from the network and must not act on the terminal.
    """
    buffer = _Buffer(term.encoding)
    console = make_console(buffer, term)
    view = _View(trace=trace, brief=brief, offline=offline, notes=[safe_text(n) for n in notes])
    _render(console, term, neutralised(result), view)
    # Table cells are padded to their column's width: no line should end in spaces.
    out.write("\n".join(line.rstrip() for line in buffer.getvalue().split("\n")))


class _Buffer(io.StringIO):
    """A StringIO that reports the real stream's encoding, so rich draws ASCII boxes on a
    terminal that cannot show line-drawing characters."""

    def __init__(self, encoding: str | None) -> None:
        super().__init__()
        self._encoding = encoding or "utf-8"

    @property
    def encoding(self) -> str:  # type: ignore[override]
        return self._encoding


_M = TypeVar("_M", bound=BaseModel)


def neutralised(model: _M) -> _M:
    """A copy of ``model`` in which every string went through :func:`safe_text`."""
    update = {}
    for name in type(model).model_fields:
        value = getattr(model, name)
        cleaned = _neutral_value(value)
        if cleaned is not value:
            update[name] = cleaned
    return model.model_copy(update=update) if update else model


def _neutral_value(value: Any) -> Any:
    if isinstance(value, Enum):
        return value
    if isinstance(value, str):
        cleaned = safe_text(value)
        return value if cleaned == value else cleaned
    if isinstance(value, BaseModel):
        return neutralised(value)
    if isinstance(value, list | tuple):
        items = [_neutral_value(item) for item in value]
        if all(new is old for new, old in zip(items, value, strict=True)):
            return value
        return type(value)(items)
    return value


@dataclass(frozen=True, slots=True)
class _View:
    """What the caller asked the view to show."""

    trace: bool = False
    brief: bool = False
    offline: bool = False
    notes: Sequence[str] = ()


def _render(console: Console, term: Terminal, result: DiscoveryResult, view: _View) -> None:
    _title(console, term, result)
    if not result.found:
        _not_found(console, term, result, view)
        return
    if not view.brief:
        _details(console, term, result, view)
    _recommended(console, result)


def _details(console: Console, term: Terminal, result: DiscoveryResult, view: _View) -> None:
    """Everything above the *Recommended* block: every server, the provider's notes,
    warnings, the trace and the summary line."""
    blocks = not _tables_fit(console, term, result.incoming, result.outgoing)
    for heading, servers in (
        ("Incoming mail servers (best first)", result.incoming),
        ("Outgoing mail servers (best first)", result.outgoing),
    ):
        _heading(console, heading)
        _server_list(console, term, servers, blocks=blocks)
    if result.provider is not None:
        _oauth2(console, result.provider)
        _before_you_connect(console, result.provider)
        _documentation(console, result.provider)
    _also_found(console, result)
    _warnings(console, term, result)
    if view.trace:
        render_trace(result.attempts, console, term)
    _footer(console, result, view.notes, trace=view.trace)
    console.print()


def _title(console: Console, term: Terminal, result: DiscoveryResult) -> None:
    provider = result.provider
    name = None
    if provider is not None:
        name = provider.display_name or provider.display_short_name or provider.id
    # The Unicode form a person wrote (bücher.example), unless this terminal cannot show it.
    domain, address = words.unicode_domain(result.domain), words.unicode_address(result.address)
    domain = domain if term.can_show(domain) else result.domain
    address = address if term.can_show(address) else result.address
    title = Text()
    title.append(name or domain, style="bold")
    title.append(f" — settings for {address}" if term.unicode else f": {address}")
    console.print(title)
    console.print()


def _recommended(console: Console, result: DiscoveryResult) -> None:
    _heading(console, "Recommended")
    grid = Table.grid(padding=(0, 1, 0, 0))
    grid.add_column(no_wrap=True)
    grid.add_column(overflow="fold")  # a narrow screen wraps the value beside its label
    for label, value in words.recommended(result):
        style = "bold" if label in ("Incoming", "Outgoing") else ""
        grid.add_row(f"{label}:", Text(value, style=style))
    console.print(_indent(grid))
    safe, sentence = words.safety(result)
    console.print(_indent(Text(sentence, style="green" if safe else "yellow", overflow="fold")))
    _nothing_checked(console, result)


def _nothing_checked(console: Console, result: DiscoveryResult) -> None:
    """Say so plainly when every live check failed (12.3), or the DNS looks down (12.11);
    not when the verdict already said that this machine could not look anything up."""
    if recommendation_of(result).verdict is Verdict.UNDETERMINED:
        return
    for sentence in (words.nothing_checked(result), words.domain_sentence(result)):
        if sentence is not None:
            console.print(_indent(Text(sentence, style="yellow")))


def _next_step(console: Console, result: DiscoveryResult, *, offline: bool) -> None:
    """The last line of a failed search: the domain's own problem when the DNS names one; a
    known provider without servers; offline, the bundled data's miss."""
    provider = result.provider
    if provider is not None and not (result.incoming or result.outgoing):
        name = provider.display_name or provider.display_short_name or result.domain
        console.print(
            f"{name} is a known provider, but the data consulted lists no servers for it; "
            "ask the provider for its IMAP and SMTP server names."
            + (" Run it without --offline to look further." if offline else "")
        )
    elif offline:
        console.print(
            f"{result.domain} is not in the bundled data; run it without --offline to look "
            "everywhere else."
        )
    else:
        console.print(
            words.domain_sentence(result)
            or "Next: check the spelling of the domain, or ask your provider for its IMAP and "
            "SMTP server names."
        )


def _oauth2(console: Console, provider: ProviderInfo) -> None:
    if provider.oauth2 is None:
        return
    o = provider.oauth2
    _heading(console, "Sign-in with OAuth2 (the provider's web sign-in page)")
    details: list[tuple[str, str | None]] = [
        ("issuer", o.issuer),
        ("scopes", " ".join(o.scopes) or None),
        ("authorize", o.auth_url),
        ("token", o.token_url),
    ]
    for key, item in details:
        if item:  # URLs: never wrapped by us, so a copy is whole (soft_wrap)
            console.print(Text(f"  {key}: {item}"), soft_wrap=True)
    console.print()


def _before_you_connect(console: Console, provider: ProviderInfo) -> None:
    """The provider's own instructions (ISPDB's ``enable``), then the bundled databases' hints:
    status, app password, before/after sign-in hints, where to read more."""
    enable = provider.enable
    lines = []
    if enable is not None:
        if text := words.english(enable.instructions):
            lines.append(text)
        if enable.visit_url:
            lines.append(enable.visit_url)
    lines.extend(words.provider_notes(provider))
    if not lines:
        return
    _heading(console, "Before you connect")
    for line in lines:
        console.print(Text(f"  {line}", overflow="fold"))
    console.print()


def _documentation(console: Console, provider: ProviderInfo) -> None:
    if not provider.documentation:
        return
    _heading(console, "Documentation")
    for doc in provider.documentation:
        text = words.english(doc.descriptions)
        console.print(Text(f"  {doc.url}" + (f"  ({text})" if text else "")), soft_wrap=True)
    console.print()


def _also_found(console: Console, result: DiscoveryResult) -> None:
    """JMAP, calendar and contacts services found beside the mail servers."""
    if not result.services:
        return
    _heading(console, "Also found")
    for service in result.services:
        what = words.SERVICE_KINDS[service.kind]
        checked = words.SERVICE_ANSWERED.get(service.answered, "")
        console.print(
            Text(f"  {what}: {service.url}  (trust: {service.trust.value}{checked})"),
            soft_wrap=True,
        )
    console.print()


def _indent(table: Table | Text | Any) -> Any:
    from rich.padding import Padding

    return Padding(table, (0, 0, 0, 2), expand=False)


def _warnings(console: Console, term: Terminal, result: DiscoveryResult) -> None:
    """Each kind of warning once, in plain words, with the library's details beneath."""
    if not result.warnings:
        return
    _heading(console, "Warnings")
    bang = "⚠ " if term.unicode and term.tty else "! "
    groups: dict[str, list[str]] = {}
    for warning in result.warnings:
        detail = warning.message + (f" [{warning.host}]" if warning.host else "")
        groups.setdefault(words.warning_words(warning), []).append(detail)
    for sentence, details in groups.items():
        console.print(Text("  " + bang + sentence, style="yellow"))
        for detail in details:
            console.print(Text(f"    {detail}", style="dim"))
    console.print()


def _footer(
    console: Console, result: DiscoveryResult, notes: Sequence[str], *, trace: bool
) -> None:
    ran = [a for a in result.attempts if a.status is not AttemptStatus.SKIPPED]
    sources = {a.source for a in ran}
    found = sorted({s for server in result.incoming + result.outgoing for s in server.sources})
    summary = (
        f"Looked in {len(sources)} place{'s' if len(sources) != 1 else ''} "
        f"in {result.elapsed_ms:.0f} ms"
    )
    if found:
        summary += "; found by " + ", ".join(s.value for s in found)
    if not trace:
        summary += ". --trace shows every attempt"
    console.print(Text(summary + ".", style="dim"))
    for note in notes:
        console.print(Text(note, style="dim"))


def _not_found(console: Console, term: Terminal, result: DiscoveryResult, view: _View) -> None:
    partial = result.incoming or result.outgoing
    if partial:
        missing = "outgoing (SMTP)" if result.incoming else "incoming (IMAP or POP3)"
        console.print(
            Text(f"Only part of the settings was found: no {missing} server.", style="bold red")
        )
        console.print()
        blocks = not _tables_fit(console, term, result.incoming, result.outgoing)
        for heading, servers in (
            ("Incoming mail servers", result.incoming),
            ("Outgoing mail servers", result.outgoing),
        ):
            if servers:
                _heading(console, heading)
                _server_list(console, term, servers, blocks=blocks)
    else:
        domain = words.unicode_domain(result.domain)
        shown = domain if term.can_show(domain) else result.domain
        console.print(Text(f"No settings found for {shown}.", style="bold red"))
        console.print()
        no_imap = words.no_imap_sentence(result.provider, shown)
        if no_imap is not None:
            console.print(Text(no_imap, style="bold"))
            console.print()
    if partial and result.provider is not None:
        _before_you_connect(console, result.provider)
    _warnings(console, term, result)
    if not view.brief:
        render_trace(result.attempts, console, term, heading="What was tried")
    if words.no_imap_sentence(result.provider, result.domain) is None:
        _next_step(console, result, offline=view.offline)
    for note in view.notes:
        console.print(Text(note, style="dim"))


_STATUS_STYLE = {
    AttemptStatus.OK: "green",
    AttemptStatus.EMPTY: "",
    AttemptStatus.ERROR: "red",
    AttemptStatus.TIMEOUT: "yellow",
    AttemptStatus.SKIPPED: "dim",
    AttemptStatus.NO_DOMAIN: "",
    AttemptStatus.UNRESOLVED: "yellow",
}


def render_trace(
    attempts: Sequence[SourceAttempt],
    console: Console,
    term: Terminal,
    *,
    heading: str = "Every attempt",
) -> None:
    """One row per attempt: source, status, time, target (URL or DNS query), detail; where
    that table would not fit, one block per attempt, its target on a line of its own and
    never cut or split (a URL stays one piece to copy)."""
    attempts = [neutralised(a) for a in attempts]
    _heading(console, heading)
    table = _table(term, "Source", "Status", "Time", "Target", "Detail")
    table.columns[2].justify = "right"
    for a in attempts:
        table.add_row(
            a.source.value,
            Text(a.status.value, style=_STATUS_STYLE[a.status]),
            f"{a.elapsed_ms:.0f} ms",
            a.target,
            a.detail or "",
        )
    if _fits(console, table):
        console.print(_indent(table))
    else:
        for a in attempts:
            _attempt_block(console, a)
    console.print()


def _fits(console: Console, table: Table) -> bool:
    from rich.measure import Measurement

    return Measurement.get(console, console.options, table).maximum + 2 <= console.width


def _attempt_block(console: Console, a: SourceAttempt) -> None:
    head = Text(f"  {a.source.value}  ")
    head.append(a.status.value, style=_STATUS_STYLE[a.status])
    head.append(f"  {a.elapsed_ms:.0f} ms")
    console.print(head)
    console.print(Text(f"      {a.target}"), soft_wrap=True)  # never wrapped or cut
    if a.detail:
        console.print(Text(f"      {a.detail}", style="dim", overflow="fold"))
