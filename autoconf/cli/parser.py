"""The command line's flags, the name it was run as, and the one place that decides which
flags combine (:func:`combination_problem`)."""

from __future__ import annotations

import argparse
import difflib
import os
import sys
from pathlib import Path
from typing import NoReturn

from ..options import DEFAULT_ISPDB_URL, DnssecMode, Mode
from .status import HELP, ExitCode

__all__ = [
    "AUTH_CHOICES",
    "build_parser",
    "combination_problem",
    "prog_name",
    "signs_in",
]

#: ``--auth`` values: how the written file signs in (see ``autoconf.SignIn``).
AUTH_CHOICES = ("oauth2", "app-password", "password")

_EXAMPLES = (
    ("{prog} someone@gmail.com", "look everywhere, check the servers"),
    ("{prog} someone@gmail.com --offline", "bundled provider database only"),
    ("{prog} someone@gmail.com --brief", "only the recommended settings"),
    ("{prog} someone@example.com --trace", "also show every place tried, and why"),
    ("{prog} someone@example.com --json", "the full result for programs"),
    ("{prog} me@example.com --login me@example.com", "also check your password (asked for)"),
    (
        "pass show mail | {prog} me@example.com --password-stdin",
        "sign in as each server's own user name",
    ),
    ("{prog} --batch addresses.txt > results.jsonl", "one JSON line per address, in order"),
    ("cut -d, -f1 users.csv | {prog} --batch - --concurrency 32", ""),
    ("{prog} --schema", "the JSON schema of --json output"),
    (
        '{prog} me@example.com --format mbsync --password-command "pass show mail"',
        "a client's configuration file",
    ),
    ("{prog} --format list", "the formats, one line each"),
    ("{prog} me@gmail.com --format msmtp --auth app-password", "sign in with an app password"),
    ("{prog} --check example.com", "check everything example.com publishes"),
    ("{prog} --check example.com --json", "the same as a DomainReport (JSON)"),
    ("{prog} --check example.com --format srv-zone", "the SRV records to publish"),
    ("{prog} --check example.com --format pacc", "the PACC document and TXT record to publish"),
    ("{prog} --check --schema", "the JSON schema of --check --json"),
)
_EXAMPLE_COLUMN = 55


def prog_name(argv0: str | None = None) -> str:
    """The name the program was run as: ``mail-autoconf`` (the console script) or
    ``python -m autoconf`` (anything else, e.g. ``__main__.py`` or a test runner)."""
    name = os.path.basename(argv0 if argv0 is not None else (sys.argv[0] if sys.argv else ""))
    return (
        "mail-autoconf" if name in ("mail-autoconf", "mail-autoconf.exe") else "python -m autoconf"
    )


def _examples(prog: str) -> str:
    lines = ["examples:"]
    for command, what in _EXAMPLES:
        command = "  " + command.format(prog=prog)
        if not what:
            lines.append(command)
        elif len(command) < _EXAMPLE_COLUMN:
            lines.append(f"{command:<{_EXAMPLE_COLUMN}}{what}")
        else:
            lines += [command, " " * _EXAMPLE_COLUMN + what]
    return "\n".join(lines) + "\n\n" + HELP


class _Parser(argparse.ArgumentParser):
    """argparse that reports a usage error as one line (with a "did you mean" for a mistyped
    flag) and exits with status 2."""

    def error(self, message: str) -> NoReturn:
        hint = _flag_hint(self, message)
        self.exit(ExitCode.USAGE, f"{self.prog}: {message}{hint}; see --help for usage\n")


def _flag_hint(parser: argparse.ArgumentParser, message: str) -> str:
    """``; did you mean --json?`` for an unknown flag close to a real one, else ''."""
    prefix = "unrecognized arguments: "
    if not message.startswith(prefix):
        return ""
    flags = [s for s in parser._option_string_actions if s.startswith("--")]
    for word in message[len(prefix) :].split():
        if word.startswith("-"):
            close = difflib.get_close_matches(word.split("=", 1)[0], flags, n=1, cutoff=0.6)
            if close:
                return f"; did you mean {close[0]}?"
    return ""


def build_parser(prog: str) -> argparse.ArgumentParser:
    """The parser, its usage lines and examples in the name the program was run as."""
    parser = _Parser(
        prog=prog,
        description=(
            "Find the IMAP, POP3 and SMTP settings for an email address: where each setting\n"
            "came from, how far to trust it, and whether the servers really work."
        ),
        epilog=_examples(prog),
        formatter_class=argparse.RawDescriptionHelpFormatter,
        allow_abbrev=False,  # --jso is a typo, not --json: flags are spelled out
    )
    parser.add_argument("address", nargs="?", help="the email address, e.g. someone@example.com")
    _output_flags(parser)
    _source_flags(parser)
    _network_flags(parser)
    _login_and_batch_flags(parser)
    _export_flags(parser)
    _check_flags(parser)
    parser.add_argument("--version", action="version", version=_version())
    return parser


def _output_flags(parser: argparse.ArgumentParser) -> None:
    out = parser.add_argument_group("output")
    out.add_argument("--json", action="store_true", help="print the full result as JSON")
    out.add_argument(
        "--trace",
        action="store_true",
        help="show every attempt: source, URL or DNS query, status, time and why it failed "
        '(with --json they are in "attempts")',
    )
    out.add_argument(
        "--brief",
        action="store_true",
        help="print only the recommended settings and how far to trust them",
    )
    out.add_argument(
        "-q", "--quiet", action="store_true", help="no progress display, no notes, no summary"
    )
    out.add_argument(
        "--schema",
        action="store_true",
        help="print the JSON schema that --json output follows, and exit",
    )


def _source_flags(parser: argparse.ArgumentParser) -> None:
    where = parser.add_argument_group("where to look")
    where.add_argument(
        "--offline",
        action="store_true",
        help="use no network: only the bundled ISPDB and --config-dir",
    )
    where.add_argument(
        "--config-dir",
        type=Path,
        metavar="DIR",
        help="folder of clientConfig *.xml files, used before every other source",
    )
    where.add_argument(
        "--sources",
        action="append",
        metavar="NAME[,NAME]",
        help="use only these sources (e.g. ispdb-bundled,srv)",
    )
    where.add_argument(
        "--no-http", action="store_true", help="never fetch settings over plain HTTP"
    )
    where.add_argument(
        "--mode",
        choices=[m.value for m in Mode],
        default=Mode.THOROUGH.value,
        help="thorough: wait for every source; fast: stop at the first sure answer",
    )
    where.add_argument(
        "--timeout",
        type=float,
        default=10.0,
        metavar="SECONDS",
        help="overall deadline for one discovery (default: 10)",
    )


def _network_flags(parser: argparse.ArgumentParser) -> None:
    net = parser.add_argument_group("network")
    net.add_argument(
        "--no-verify", action="store_true", help="do not probe the servers that sources found"
    )
    net.add_argument(
        "--nameserver",
        action="append",
        default=[],
        metavar="HOST[:PORT]",
        help="send every DNS query to this server (repeatable)",
    )
    net.add_argument("--ca-file", type=Path, metavar="PEM", help="trust only these CA certificates")
    net.add_argument(
        "--dnssec",
        choices=[mode.value for mode in DnssecMode],
        default=DnssecMode.OFF.value,
        metavar="MODE",
        help="check DNS answers with DNSSEC: validate (in process, from the root keys or "
        "--trust-anchor), resolver (trust the AD bit of the --nameserver you name), off "
        "(default)",
    )
    net.add_argument(
        "--trust-anchor",
        type=Path,
        metavar="FILE",
        help="with --dnssec validate: DS or DNSKEY records (zone-file form) to trust instead "
        "of the root keys",
    )
    net.add_argument(
        "--ispdb-url",
        default=DEFAULT_ISPDB_URL,
        metavar="URL",
        help=f"base URL of the online ISPDB (default: {DEFAULT_ISPDB_URL})",
    )


def _login_and_batch_flags(parser: argparse.ArgumentParser) -> None:
    login = parser.add_argument_group("checking a password")
    login.add_argument(
        "--login",
        metavar="USER",
        help="also sign in as USER over TLS to check the password (asked for at a prompt)",
    )
    login.add_argument(
        "--password-stdin",
        action="store_true",
        help="read the password from the first line of stdin and sign in with it: as USER "
        "with --login, else as each server's own user name (the one its source gives, "
        "as a mail client would)",
    )
    batch = parser.add_argument_group("many addresses")
    batch.add_argument(
        "--batch",
        metavar="FILE",
        help="one address per line (- for stdin; blank lines and # comments skipped); "
        "prints one JSON line per address, in input order",
    )
    batch.add_argument(
        "--concurrency",
        type=int,
        default=16,
        metavar="N",
        help="with --batch: addresses looked up at once (default: 16)",
    )


class _FormatAction(argparse.Action):
    """``--format NAME`` (any case); ``--format list`` prints the formats and exits, as
    ``--version`` does. The export package is imported only then, not on every run."""

    def __call__(
        self,
        parser: argparse.ArgumentParser,
        namespace: argparse.Namespace,
        values: object,
        option_string: str | None = None,
    ) -> None:
        name = str(values).strip().lower()
        if name == "list":
            from .export import format_list

            parser._print_message(format_list(), sys.stdout)
            parser.exit(ExitCode.FOUND)
        setattr(namespace, self.dest, name)


def _export_flags(parser: argparse.ArgumentParser) -> None:
    export = parser.add_argument_group("writing a mail client's configuration file")
    export.add_argument(
        "--format",
        action=_FormatAction,
        metavar="NAME",
        help="print the settings as this client's configuration file instead "
        "(--format list shows the formats)",
    )
    export.add_argument(
        "--auth",
        type=str.lower,
        choices=AUTH_CHOICES,
        help="with --format: how the file signs in, among what the provider allows "
        "(default: the recommended way)",
    )
    export.add_argument(
        "--password-command",
        metavar="CMD",
        help="with --format: the command the client runs to get the password "
        "(no password is ever written)",
    )


def _check_flags(parser: argparse.ArgumentParser) -> None:
    admin = parser.add_argument_group("checking a domain (for mail admins)")
    admin.add_argument(
        "--check",
        action="store_true",
        help="check every way the domain (or the address's domain) publishes mail settings, "
        "and every server named; exit 0 clean, 4 warnings, 5 errors, 6 could not check "
        "from here",
    )


def _version() -> str:
    from .. import __version__

    return f"mail-autoconf {__version__}"


def signs_in(args: argparse.Namespace) -> bool:
    """A password is to be checked: as --login USER, or as each server's own user name."""
    return args.login is not None or bool(args.password_stdin)


def combination_problem(args: argparse.Namespace, prog: str) -> str | None:
    """One sentence when the flags given do not go together (or a value is out of range),
    else None. The only place that decides which flags combine."""
    problem = _dnssec_problem(args)
    if problem is not None:
        return problem
    if args.check:
        return _check_problem(args, prog)
    if args.batch is not None and args.address is not None:
        return f"give one address or --batch FILE, not both; put {args.address} in the file instead"
    if args.batch is None and args.address is None:
        return (
            f"say which address to look up, e.g. {prog} someone@example.com "
            "(or --batch FILE for many); see --help"
        )
    if not 1 <= args.concurrency <= 1024:
        return f"--concurrency must be between 1 and 1024, not {args.concurrency}"
    return _output_problem(args) or _batch_problem(args) or _login_problem(args)


def _dnssec_problem(args: argparse.Namespace) -> str | None:
    """--dnssec resolver trusts the AD bit of a resolver the caller names (the system's may sit
    across an untrusted network); --trust-anchor is for in-process validation only."""
    if args.dnssec == DnssecMode.RESOLVER.value and not args.nameserver:
        return (
            "--dnssec resolver trusts the AD bit of a validating resolver you name: add "
            "--nameserver HOST (or use --dnssec validate)"
        )
    if args.trust_anchor is not None and args.dnssec != DnssecMode.VALIDATE.value:
        return "--trust-anchor FILE goes with --dnssec validate"
    return None


def _check_problem(args: argparse.Namespace, prog: str) -> str | None:
    if args.address is None or args.batch is not None or signs_in(args) or args.offline:
        return (
            f"--check takes one domain or address, e.g. {prog} --check example.com, "
            "and works online only (no --batch, --login, --password-stdin or --offline)"
        )
    from ..check.publish import PUBLISH_FORMATS

    if args.format not in (None, *PUBLISH_FORMATS) or (args.format and args.json):
        return (
            "--check writes its report, or with --format srv-zone or pacc (not --json) the "
            "SRV records, or the PACC document and its TXT record, to publish; no other format"
        )
    if args.auth is not None or args.brief:
        flag = "--auth" if args.auth is not None else "--brief"
        return f"{flag} is for looking up an address; --check does not take it"
    return None


def _output_problem(args: argparse.Namespace) -> str | None:
    """--format, --auth, --password-command and --brief: with what they go."""
    if args.format is None:
        for flag, given in (
            ("--password-command", args.password_command is not None),
            ("--auth", args.auth is not None),
        ):
            if given:
                return f"{flag} goes with --format NAME; add one (see --format list)"
    else:
        from ..export import FORMATS

        if args.format not in FORMATS:
            return _unknown_format(args.format, list(FORMATS))
        for flag, given in (
            ("--batch", args.batch is not None),
            ("--json", args.json),
            ("--trace", args.trace),
            ("--brief", args.brief),
        ):
            if given:
                return f"--format prints one configuration file; it does not go with {flag}"
    if args.brief and (args.json or args.trace or args.batch is not None):
        flag = "--json" if args.json else "--trace" if args.trace else "--batch"
        return f"--brief prints only the recommended settings; it does not go with {flag}"
    return None


def _unknown_format(name: str, formats: list[str]) -> str:
    close = difflib.get_close_matches(name, formats, n=1, cutoff=0.5)
    hint = f"did you mean {close[0]!r}? " if close else ""
    return (
        f"there is no format {name!r}; {hint}choose one of {', '.join(formats)} "
        "(--format list says what each writes)"
    )


def _batch_problem(args: argparse.Namespace) -> str | None:
    if args.batch is None:
        return None
    if args.trace:
        return '--trace is for one address; in --batch output every line already has its "attempts"'
    if signs_in(args):
        flag = "--login" if args.login is not None else "--password-stdin"
        return f"{flag} checks one account; use it without --batch"
    return None


def _login_problem(args: argparse.Namespace) -> str | None:
    if signs_in(args) and (args.offline or args.no_verify):
        flag = "--offline" if args.offline else "--no-verify"
        which = "--login" if args.login is not None else "--password-stdin"
        return f"{which} signs in to the servers, which {flag} forbids; drop one of them"
    return None
