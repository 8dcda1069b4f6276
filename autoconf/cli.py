"""The command line: ``python -m autoconf ADDRESS [options]``.

Results go to stdout, diagnostics to stderr. Exit status: 0 usable settings found (at least
one incoming and one outgoing server), 1 none found, 2 bad input or usage.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import NoReturn, TextIO

from .errors import AutoconfError, InvalidAddress, OptionsError
from .models import DiscoveryResult, Security, ServerSettings
from .options import DEFAULT_ISPDB_URL, Mode, Options, parse_nameserver, split_sources

__all__ = ["main", "main_entry"]

EXIT_FOUND = 0
EXIT_NOT_FOUND = 1
EXIT_USAGE = 2

_EXAMPLES = """\
examples:
  python -m autoconf someone@gmail.com --offline
  python -m autoconf someone@example.com --json
  python -m autoconf someone@example.com --config-dir ./providers --offline
"""


class _Parser(argparse.ArgumentParser):
    """argparse that reports a usage error as one line and exits with status 2."""

    def error(self, message: str) -> NoReturn:
        self.exit(EXIT_USAGE, f"{self.prog}: {message} (see --help)\n")


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog="python -m autoconf",
        description="Find the IMAP, POP3 and SMTP settings for an email address.",
        epilog=_EXAMPLES,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("address", help="the email address, e.g. someone@example.com")
    parser.add_argument("--json", action="store_true", help="print the full result as JSON")
    parser.add_argument(
        "--offline",
        action="store_true",
        help="use no network: only the bundled ISPDB and --config-dir",
    )
    parser.add_argument(
        "--no-verify", action="store_true", help="do not probe the servers that sources found"
    )
    parser.add_argument(
        "--timeout",
        type=float,
        default=10.0,
        metavar="SECONDS",
        help="overall deadline for the whole discovery (default: 10)",
    )
    parser.add_argument(
        "--nameserver",
        action="append",
        default=[],
        metavar="HOST[:PORT]",
        help="send every DNS query to this server (repeatable)",
    )
    parser.add_argument(
        "--ca-file", type=Path, metavar="PEM", help="trust only these CA certificates"
    )
    parser.add_argument(
        "--ispdb-url",
        default=DEFAULT_ISPDB_URL,
        metavar="URL",
        help=f"base URL of the online ISPDB (default: {DEFAULT_ISPDB_URL})",
    )
    parser.add_argument(
        "--config-dir",
        type=Path,
        metavar="DIR",
        help="folder of clientConfig *.xml files, used before every other source",
    )
    parser.add_argument(
        "--mode",
        choices=[m.value for m in Mode],
        default=Mode.THOROUGH.value,
        help="thorough: wait for every source; fast: stop at the first sure answer",
    )
    parser.add_argument(
        "--sources",
        action="append",
        metavar="NAME[,NAME]",
        help="use only these sources (e.g. ispdb-bundled,srv)",
    )
    parser.add_argument(
        "--no-http", action="store_true", help="never fetch settings over plain HTTP"
    )
    parser.add_argument("-q", "--quiet", action="store_true", help="no notes on stderr")
    parser.add_argument("--version", action="version", version=_version())
    return parser


def _version() -> str:
    from . import __version__

    return f"mail-autoconf {__version__}"


def main(
    argv: Sequence[str] | None = None, *, stdout: TextIO | None = None, stderr: TextIO | None = None
) -> int:
    """Run the CLI; returns the exit status instead of exiting."""
    out = stdout if stdout is not None else sys.stdout
    err = stderr if stderr is not None else sys.stderr
    parser = build_parser()
    try:
        # argparse prints help, version and usage errors itself: point it at our streams.
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            args = parser.parse_args(argv)
    except SystemExit as exc:
        return exc.code if isinstance(exc.code, int) else EXIT_USAGE

    try:
        options = _options(args)
        from .pipeline import discover_sync

        result = discover_sync(args.address, options=options)
    except InvalidAddress as exc:
        print(
            f"error: {exc.reason}: {exc.address!r} (expected something like name@example.com)",
            file=err,
        )
        return EXIT_USAGE
    except OptionsError as exc:
        print(f"error: {exc}", file=err)
        return EXIT_USAGE
    except AutoconfError as exc:
        print(f"error: {exc}", file=err)
        return EXIT_NOT_FOUND
    except KeyboardInterrupt:
        print("interrupted", file=err)
        return 130

    if args.json:
        out.write(json.dumps(result.model_dump(mode="json"), indent=2, ensure_ascii=False))
        out.write("\n")
    else:
        out.write(render_text(result))
    return EXIT_FOUND if result.found else EXIT_NOT_FOUND


def main_entry() -> NoReturn:
    """Console-script entry point."""
    sys.exit(main())


def _options(args: argparse.Namespace) -> Options:
    if not 0 < args.timeout < 3600:
        raise OptionsError(f"--timeout must be between 0 and 3600 seconds, not {args.timeout}")
    return Options(
        mode=Mode(args.mode),
        deadline=args.timeout,
        offline=args.offline,
        verify=not args.no_verify,
        nameservers=tuple(parse_nameserver(text) for text in args.nameserver),
        ca_file=args.ca_file,
        ispdb_url=args.ispdb_url,
        config_dir=args.config_dir,
        sources=split_sources(args.sources) if args.sources else None,
        allow_http=not args.no_http,
    )


_SECURITY_LABEL = {
    Security.TLS: "TLS",
    Security.STARTTLS: "STARTTLS",
    Security.PLAIN: "none (unencrypted)",
}


def render_text(result: DiscoveryResult) -> str:
    """The human view: provider, then incoming and outgoing as tables, then the details."""
    lines: list[str] = []
    provider = result.provider
    if provider is not None and (provider.display_name or provider.id):
        name = provider.display_name or provider.id
        suffix = f" ({provider.id})" if provider.id and provider.id != name else ""
        lines.append(f"{name}{suffix}")
    else:
        lines.append(result.domain)
    lines.append(f"settings for {result.address}")
    lines.append("")
    if not result.incoming and not result.outgoing:
        lines.append("No settings found.")
        lines.append("Tried:")
        for attempt in result.attempts:
            detail = f": {attempt.detail}" if attempt.detail else ""
            lines.append(f"  {attempt.source.value} ({attempt.status.value}){detail}")
        lines.append("")
        return "\n".join(lines)
    for title, servers in (("Incoming mail", result.incoming), ("Outgoing mail", result.outgoing)):
        lines.append(f"{title}:")
        if servers:
            lines.extend("  " + row for row in _table(servers))
        else:
            lines.append("  (none found)")
        lines.append("")
    if provider is not None:
        if provider.oauth2 is not None:
            o = provider.oauth2
            lines.append("OAuth2 sign-in:")
            for label, value in (
                ("issuer", o.issuer),
                ("scopes", " ".join(o.scopes) or None),
                ("authorize", o.auth_url),
                ("token", o.token_url),
            ):
                if value:
                    lines.append(f"  {label}: {value}")
            lines.append("")
        if provider.enable is not None:
            lines.append("Before you connect:")
            lines.extend(f"  {t.text}" for t in provider.enable.instructions)
            if provider.enable.visit_url:
                lines.append(f"  {provider.enable.visit_url}")
            lines.append("")
        if provider.documentation:
            lines.append("Documentation:")
            for doc in provider.documentation:
                english = [d.text for d in doc.descriptions if d.lang in (None, "en")]
                text = (
                    english[0]
                    if english
                    else (doc.descriptions[0].text if doc.descriptions else "")
                )
                lines.append(f"  {doc.url}" + (f"  ({text})" if text else ""))
            lines.append("")
    if result.warnings:
        lines.append("Warnings:")
        lines.extend(f"  ! {w.message}" for w in result.warnings)
        lines.append("")
    return "\n".join(lines)


def _table(servers: list[ServerSettings]) -> list[str]:
    header = ("protocol", "host", "port", "security", "username", "auth", "source", "trust")
    rows = [
        (
            s.protocol.value.upper(),
            s.host,
            str(s.port),
            _SECURITY_LABEL[s.security],
            s.username or "-",
            ", ".join(a.value for a in s.auth) or "-",
            ", ".join(x.value for x in s.sources),
            s.trust.value,
        )
        for s in servers
    ]
    widths = [max(len(r[i]) for r in [header, *rows]) for i in range(len(header))]
    return [
        "  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True)).rstrip()
        for row in [header, *rows]
    ]
