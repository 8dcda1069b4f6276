"""``--check DOMAIN|ADDRESS`` (and ``--check --schema``): the domain report for mail admins."""

from __future__ import annotations

import argparse
from io import StringIO
from typing import TYPE_CHECKING

from ..errors import InvalidAddress
from .inputs import options, person_address
from .output import Streams, json_text, say, write
from .render.terminal import Terminal, for_stream, is_terminal
from .signals import Interrupts, run
from .status import ExitCode

if TYPE_CHECKING:
    from ..check.report import DomainReport

__all__ = ["check", "check_schema", "check_status"]


def check_schema(streams: Streams, interrupts: Interrupts) -> int:
    """``--check --schema``: the JSON schema of a DomainReport."""
    from ..check.report import DomainReport
    from ..models import json_schema

    write(streams.out, interrupts, json_text(json_schema(DomainReport), streams.out))
    return ExitCode.FOUND


def check(args: argparse.Namespace, streams: Streams, interrupts: Interrupts) -> int:
    """``--check DOMAIN|ADDRESS``: the domain report, human, JSON or a publishing format;
    0, 4, 5 or 6."""
    out = streams.out
    given = person_address(args.address)
    settings = options(args, err=streams.err, inp=streams.inp)
    if is_terminal(streams.err) and not args.quiet:
        say(streams.err, f"Checking {given} (at most {settings.deadline:g} s) ...")
    from .. import api

    try:
        report = run(api.check_domain(given, options=settings), interrupts)
    except InvalidAddress as exc:
        shown = given.strip()  # what was typed, not the postmaster@ stand-in
        what = f"{exc.reason} in '{shown}'" if shown else "no domain given"
        say(streams.err, f"{streams.prog}: {what}; give a domain like example.com")
        return ExitCode.USAGE
    if args.format is not None:
        from ..check.publish import publish

        zone = publish(report, args.format)
        if zone is None:
            return _nothing_to_publish(report, streams)
        text = for_stream(zone, out)
    elif args.json:
        text = json_text(report.model_dump(mode="json"), out)
    else:
        from .render.check import render_report

        buffer = StringIO()
        render_report(report, buffer, Terminal.of(out, streams.env))
        text = for_stream(buffer.getvalue(), out)
    write(out, interrupts, text)
    return check_status(report)


def _nothing_to_publish(report: DomainReport, streams: Streams) -> int:
    """No server to publish: 6 when this machine could not check at all (the domain is not
    at fault then), else 5."""
    if check_status(report) is ExitCode.CANNOT_CHECK:
        finding = report.findings[0].message if report.findings else "this machine is offline"
        say(streams.err, f"{streams.prog}: could not check {report.domain} from here: {finding}")
        return ExitCode.CANNOT_CHECK
    say(streams.err, f"{streams.prog}: no mechanism of {report.domain} names a server to publish")
    return ExitCode.CHECK_ERRORS


def check_status(report: DomainReport) -> ExitCode:
    """6 when this machine could not check the domain at all; else 0, 4 or 5 by the worst."""
    from ..check.report import Severity

    if report.local_problem is not None:
        return ExitCode.CANNOT_CHECK
    worst = report.worst
    if worst is Severity.ERROR:
        return ExitCode.CHECK_ERRORS
    return ExitCode.CHECK_WARNINGS if worst is Severity.WARNING else ExitCode.FOUND
