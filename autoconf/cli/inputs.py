"""What the person typed, made usable: the options from the flags, the password, and an
address written as people write one (``mailto:``, ``Jane <jane@example.org>``, in quotes, or
as bytes of another locale)."""

from __future__ import annotations

import argparse
import contextlib
import os
from collections.abc import Sequence
from typing import IO, Any, TextIO
from urllib.parse import unquote

from ..errors import OptionsError
from ..net.dnssec import read_anchors
from ..options import (
    Credentials,
    DnssecMode,
    Mode,
    Options,
    parse_nameserver,
    split_sources,
)
from .parser import signs_in
from .render.terminal import is_terminal
from .status import Usage

__all__ = ["credentials", "options", "person_address", "probes_all", "recover_argv"]

_QUOTES = (('"', '"'), ("'", "'"), ("“", "”"), ("‘", "’"), ("«", "»"), ("„", "“"))


def recover_argv(argv: Sequence[str]) -> list[str]:
    """Each argument as UTF-8 text where its bytes are UTF-8, whatever the locale said.

    In the C locale (or another that is not UTF-8) Python decodes ``sys.argv`` with the
    locale's codec; :func:`os.fsencode` gives back the bytes, which are tried as UTF-8. An
    argument that is not UTF-8 stays as it was (and is refused later, with its position).
    """
    recovered = []
    for arg in argv:
        with contextlib.suppress(UnicodeError):  # not UTF-8: left as it was
            arg = os.fsencode(arg).decode("utf-8")
        recovered.append(arg)
    return recovered


def person_address(typed: str) -> str:
    """The address in ``mailto:jane@example.org``, ``Jane <jane@example.org>``,
    ``"jane@example.org"`` or ``<jane@example.org>``; anything else unchanged."""
    typed = typed.strip()
    for opening, closing in _QUOTES:
        if len(typed) > 2 and typed[0] == opening and typed[-1] == closing:
            typed = typed[1:-1].strip()
    if typed.endswith(">") and "<" in typed:
        typed = typed[typed.rindex("<") + 1 : -1].strip()
    if typed[:7].lower() == "mailto:":
        typed = unquote(typed[7:].split("?", 1)[0]).strip()
    return typed


def options(args: argparse.Namespace, *, err: TextIO, inp: IO[Any]) -> Options:
    """The library's options from the flags (the password read where one is to be checked)."""
    if not 0 < args.timeout < 3600:
        raise OptionsError(f"--timeout must be between 0 and 3600 seconds, not {args.timeout}")
    if args.trust_anchor is not None:
        read_anchors(args.trust_anchor)  # a bad file is a usage error, even offline
    return Options(
        mode=Mode(args.mode),
        deadline=args.timeout,
        offline=args.offline,
        verify=not args.no_verify,
        probe_all=probes_all(args),
        nameservers=tuple(parse_nameserver(text) for text in args.nameserver),
        ca_file=args.ca_file,
        dnssec=DnssecMode(args.dnssec),
        trust_anchors=args.trust_anchor,
        ispdb_url=args.ispdb_url,
        config_dir=args.config_dir,
        sources=split_sources(args.sources) if args.sources else None,
        allow_http=not args.no_http,
        credentials=credentials(args, err=err, inp=inp) if signs_in(args) else None,
    )


def probes_all(args: argparse.Namespace) -> bool:
    """Probe every top server, not the best first: for --check (an admin wants each server's
    state) and for the human view of one address, which shows each server's live check."""
    human = not args.json and args.format is None and args.batch is None
    return bool(args.check) or human


def credentials(args: argparse.Namespace, *, err: TextIO, inp: IO[Any]) -> Credentials:
    """The password, from stdin or a prompt; never echoed, never logged.

    Without --login the user name is empty: each server is then signed in to with its own
    user name (the one its source gives), or the address where none is given.
    """
    from pydantic import SecretStr

    user: str = args.login if args.login is not None else ""
    if args.login is not None and not user.strip():
        raise Usage("--login needs a user name, usually your full email address")
    password = _stdin_password(inp) if args.password_stdin else _prompt(user, err=err, inp=inp)
    if not password:
        raise Usage("the password is empty; type it at the prompt or pipe it with --password-stdin")
    return Credentials(username=user, password=SecretStr(password))


def _stdin_password(inp: IO[Any]) -> str:
    """The first line of stdin, read as bytes where possible and decoded as UTF-8."""
    line = getattr(inp, "buffer", inp).readline()
    try:
        text = line.decode("utf-8") if isinstance(line, bytes) else line
        text.encode("utf-8")  # a text stream may hold lone surrogates (surrogateescape)
    except UnicodeError as exc:
        raise Usage(
            "the password on stdin is not valid UTF-8 text; give it as UTF-8 "
            "(e.g. iconv -t UTF-8), as the servers expect"
        ) from exc
    return str(text).rstrip("\r\n")


def _prompt(user: str, *, err: TextIO, inp: IO[Any]) -> str:
    if not is_terminal(inp):
        raise Usage(
            "--login asks for the password at a prompt, but stdin is not a terminal; "
            "pipe it in with --password-stdin instead"
        )
    import getpass

    try:
        return getpass.getpass(f"Password for {user} (not shown): ", stream=err)
    except EOFError as exc:
        raise Usage("no password was given; type it at the prompt or use --password-stdin") from exc
