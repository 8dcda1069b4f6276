"""The command line's ``--format`` (called from :mod:`autoconf.cli`): list the formats, check
the flags, write the file to the stream given. It opens nothing itself."""

from __future__ import annotations

import argparse
from collections.abc import Callable
from contextlib import AbstractContextManager
from typing import TextIO

from ..errors import ExportError, ExportFailure
from ..models import DiscoveryResult

__all__ = ["format_list", "usage_problem", "write_export"]

EXIT_WRITTEN = 0
EXIT_NOT_FOUND = 1
EXIT_CANNOT_EXPRESS = 2
EXIT_LOGIN_REFUSED = 3  # as without --format: the file is written, the password was refused

# Reasons that mean "discovery did not find what the format needs" (exit 1), not "the
# format cannot say it" (exit 2).
_NOT_FOUND = frozenset({ExportFailure.NO_INCOMING, ExportFailure.NO_OUTGOING})


def format_list() -> str:
    """``--format list``: one line per format, its name then what it writes."""
    from ..export import FORMATS

    width = max(len(name) for name in FORMATS)
    return "".join(f"{name:<{width}}  {text}\n" for name, text in FORMATS.items())


def usage_problem(args: argparse.Namespace) -> str | None:
    """One sentence when ``--format`` or ``--password-command`` is given where it cannot go,
    else None."""
    from ..export import FORMATS

    if args.format is None:
        if args.password_command is not None:
            return "--password-command goes with --format NAME; add one (see --format list)"
        return None
    if args.format not in FORMATS:
        return (
            f"there is no format {args.format!r}; choose one of {', '.join(FORMATS)} "
            "(--format list says what each writes)"
        )
    for flag, given in (
        ("--batch", args.batch is not None),
        ("--json", args.json),
        ("--trace", args.trace),
    ):
        if given:
            return f"--format prints one configuration file; it does not go with {flag}"
    return None


def write_export(
    result: DiscoveryResult,
    args: argparse.Namespace,
    out: TextIO,
    err: TextIO,
    writing: Callable[[], AbstractContextManager[None]],
    *,
    prog: str,
) -> int:
    """Write the file for ``args.format`` to ``out``: 0 written, 1 nothing found, 2 the
    format cannot express the settings (one sentence on ``err``), 3 written but the server
    refused the password --login or --password-stdin gave."""
    from ..export import export

    provider = result.provider
    if not result.incoming and not result.outgoing and provider and provider.no_imap:
        name = provider.display_name or result.domain
        advice = f" {provider.no_imap_advice}" if provider.no_imap_advice else ""
        print(f"{prog}: {name} offers no IMAP, so there is nothing to write.{advice}", file=err)
        return EXIT_NOT_FOUND
    if not result.incoming and not result.outgoing:
        print(
            f"{prog}: no settings were found for {result.address}, so there is nothing to "
            "write; run it without --format to see what was tried",
            file=err,
        )
        return EXIT_NOT_FOUND
    try:
        text = export(
            result,
            args.format,
            password_command=args.password_command,
            ca_file=args.ca_file,
        )
    except ExportError as exc:
        print(f"{prog}: {exc}", file=err)
        return EXIT_NOT_FOUND if exc.reason in _NOT_FOUND else EXIT_CANNOT_EXPRESS
    with writing():
        out.write(text)
        out.flush()
    refused = _refused(result) if args.login is not None or args.password_stdin else None
    if refused is not None:
        print(
            f"{prog}: the file is written, but {refused} refused the sign-in; check the user "
            "name and password before using it",
            file=err,
        )
        return EXIT_LOGIN_REFUSED
    return EXIT_WRITTEN


def _refused(result: DiscoveryResult) -> str | None:
    """The host of a written (recommended) server that refused the sign-in, else None."""
    for servers in (result.incoming, result.outgoing):
        checked = servers[0].verification if servers else None
        if checked is not None and checked.login_refused:
            return servers[0].host
    return None
