"""The command line: ``python -m autoconf ADDRESS [options]`` and ``--batch FILE``.

Results go to stdout, diagnostics and progress to stderr. Exit status: 0 usable settings
found (at least one incoming and one outgoing server), 1 none found, 2 bad input or usage,
3 settings found but the recommended server refused the password (--login, --password-stdin),
70 internal error, 130 interrupted (SIGINT, Ctrl-C), 141 stdout closed by its reader, 143
terminated (SIGTERM); with ``--check``: 0 no errors or warnings, 4 warnings only, 5 errors.
Every error is one sentence saying what to do next.

``--json``, ``--batch`` and ``--schema`` never import the terminal library (rich); the human
view imports it when it prints.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import signal
import sys
import threading
from collections.abc import Coroutine, Iterator, Mapping, Sequence
from dataclasses import dataclass
from io import StringIO
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any, NoReturn, TextIO, TypeVar

from .address import parse_address
from .errors import InvalidAddress, OptionsError
from .options import DEFAULT_ISPDB_URL, Credentials, Mode, Options, parse_nameserver, split_sources
from .render.terminal import Terminal, escape_json, for_stream, is_terminal, safe_text

if TYPE_CHECKING:
    from .batch import BatchSummary
    from .models import DiscoveryResult
    from .render.progress import DiscoveryProgress
    from .sources.base import Source

__all__ = ["main"]

EXIT_FOUND = 0
EXIT_NOT_FOUND = 1
EXIT_USAGE = 2
EXIT_LOGIN_REFUSED = 3  # settings found, but a recommended server refused the password
EXIT_CHECK_WARNINGS = 4  # --check: warnings, no errors
EXIT_CHECK_ERRORS = 5  # --check: at least one error
EXIT_SOFTWARE = 70  # an internal error (a bug), as sysexits.h's EX_SOFTWARE
# A signal gives 128 + its number: 130 for SIGINT (Ctrl-C), 143 for SIGTERM (_Interrupts).
EXIT_BROKEN_PIPE = 141  # the reader of stdout went away; 128 + SIGPIPE, as shells report it

PROG = "python -m autoconf"

_EXAMPLES = """\
examples:
  python -m autoconf someone@gmail.com                 look everywhere, check the servers
  python -m autoconf someone@gmail.com --offline       bundled provider database only
  python -m autoconf someone@example.com --trace       also show every place tried, and why
  python -m autoconf someone@example.com --json        the full result for programs
  python -m autoconf me@example.com --login me@example.com
                                                       also check your password (asked for)
  pass show mail | python -m autoconf me@example.com --password-stdin
                                                       sign in as each server's own user name
  python -m autoconf --batch addresses.txt > results.jsonl
                                                       one JSON line per address, in order
  cut -d, -f1 users.csv | python -m autoconf --batch - --concurrency 32
  python -m autoconf --schema                          the JSON schema of --json output
  python -m autoconf me@example.com --format mbsync --password-command "pass show mail"
                                                       a client's configuration file
                                                       (--format list shows them all)
  python -m autoconf --check example.com               check everything example.com publishes
  python -m autoconf --check example.com --json        the same as a DomainReport (JSON)
  python -m autoconf --check example.com --format srv-zone
                                                       the SRV records to publish
  python -m autoconf --check --schema                  the JSON schema of --check --json

exit status: 0 settings found, 1 none found (in --batch: some address not found),
             2 bad input or usage, 3 found, but the password was refused,
             70 internal error, 130 interrupted (Ctrl-C),
             141 output closed (e.g. | head), 143 terminated (SIGTERM)
with --check: 0 no errors or warnings (notes are fine), 4 warnings only, 5 errors,
             2 bad input or usage
"""


class _Parser(argparse.ArgumentParser):
    """argparse that reports a usage error as one line and exits with status 2."""

    def error(self, message: str) -> NoReturn:
        self.exit(EXIT_USAGE, f"{self.prog}: {message}; see --help for usage\n")


def _build_parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog=PROG,
        description=(
            "Find the IMAP, POP3 and SMTP settings for an email address: where each setting\n"
            "came from, how far to trust it, and whether the servers really work."
        ),
        epilog=_EXAMPLES,
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
    """``--format NAME``; ``--format list`` prints the formats and exits, as ``--version``
    does. The export package is imported only then, not on every run."""

    def __call__(
        self,
        parser: argparse.ArgumentParser,
        namespace: argparse.Namespace,
        values: object,
        option_string: str | None = None,
    ) -> None:
        if values == "list":
            from .export.cli import format_list

            parser._print_message(format_list(), sys.stdout)
            parser.exit(EXIT_FOUND)
        setattr(namespace, self.dest, values)


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
        "and every server named; exit 0 clean, 4 warnings, 5 errors",
    )


def _version() -> str:
    from . import __version__

    return f"mail-autoconf {__version__}"


class _Usage(Exception):
    """A usage error: one sentence for stderr, exit status 2."""


def main(
    argv: Sequence[str] | None = None,
    *,
    stdout: TextIO | None = None,
    stderr: TextIO | None = None,
    stdin: IO[Any] | None = None,
    environ: Mapping[str, str] | None = None,
    sources: Sequence[Source] | None = None,
) -> int:
    """Run the CLI; returns the exit status instead of exiting.

    The streams, the environment (for ``NO_COLOR``) and the sources may be injected: tests
    drive the CLI this way without a network. Called from the main thread, it handles SIGINT
    and SIGTERM itself for its duration (see :class:`_Interrupts`).
    """
    interrupts = _Interrupts()
    interrupts.install()
    try:
        return _main(
            argv,
            _Streams(
                out=stdout if stdout is not None else sys.stdout,
                err=stderr if stderr is not None else sys.stderr,
                inp=stdin if stdin is not None else sys.stdin,
                env=environ if environ is not None else os.environ,
            ),
            sources,
            interrupts,
        )
    finally:
        interrupts.restore()


@dataclass(frozen=True, slots=True)
class _Streams:
    out: TextIO
    err: TextIO
    inp: IO[Any]
    env: Mapping[str, str]


def _main(
    argv: Sequence[str] | None,
    streams: _Streams,
    sources: Sequence[Source] | None,
    interrupts: _Interrupts,
) -> int:
    try:
        # argparse prints help, version and usage errors itself: point it at our streams.
        with contextlib.redirect_stdout(streams.out), contextlib.redirect_stderr(streams.err):
            args = _build_parser().parse_args(argv)
        if args.schema or args.check:
            return (
                _check(args, streams, interrupts)
                if args.check
                else _schema(streams.out, interrupts)
            )
        _check_combination(args)
        options = _options(args, err=streams.err, inp=streams.inp)
        if args.batch is not None:
            return _batch(args, options, streams, sources, interrupts)
        return _single(args, options, streams, sources, interrupts)
    except SystemExit as exc:
        return exc.code if isinstance(exc.code, int) else EXIT_USAGE
    except _Usage as exc:
        _say(streams.err, f"{PROG}: {exc}")
        return EXIT_USAGE
    except OptionsError as exc:
        _say(streams.err, f"{PROG}: {exc}; see --help for usage")
        return EXIT_USAGE
    except (KeyboardInterrupt, asyncio.CancelledError) as exc:
        if isinstance(exc, asyncio.CancelledError) and interrupts.signum is None:
            return _internal_error(streams.err, exc)
        _say(streams.err, "interrupted")
        return interrupts.status
    except BrokenPipeError:
        # The reader went away (`| head`): stop quietly, and keep Python's final flush quiet.
        with contextlib.suppress(OSError, ValueError, AttributeError):
            devnull = os.open(os.devnull, os.O_WRONLY)
            os.dup2(devnull, streams.out.fileno())
        return EXIT_BROKEN_PIPE
    except Exception as exc:  # a bug: one sentence for the person, not a traceback
        return _internal_error(streams.err, exc)


def _internal_error(err: TextIO, exc: BaseException) -> int:
    _say(
        err,
        f"{PROG}: internal error ({type(exc).__name__}: {exc}); please report it with "
        "the command you ran",
    )
    return EXIT_SOFTWARE


def _say(err: TextIO, text: str) -> None:
    """One line on stderr; addresses, paths and error texts in it cannot act on the terminal."""
    print(for_stream(safe_text(text), err), file=err)


class _Interrupts:
    """SIGINT and SIGTERM during :func:`main`: no output line cut, no traceback, and an exit
    status that names the signal (130 for SIGINT, 143 for SIGTERM).

    Outside the event loop a signal raises :class:`KeyboardInterrupt` (it must end a password
    prompt or a blocking read). While the loop runs, the first signal cancels the main task
    and a second one raises from a loop callback (asyncio then cancels every task). While a
    line is being written the signal only waits: its effect comes when the line is whole (see
    :meth:`writing`).
    """

    def __init__(self) -> None:
        self.signum: int | None = None
        self._count = 0
        self._loop: asyncio.AbstractEventLoop | None = None
        self._task: asyncio.Task[Any] | None = None
        self._writing = 0
        self._pending = False
        self._previous: dict[int, Any] = {}

    @property
    def status(self) -> int:
        return 128 + (self.signum if self.signum is not None else signal.SIGINT)

    def install(self) -> None:
        if threading.current_thread() is not threading.main_thread():
            return  # signals go to the main thread only; the caller handles them there
        for sig in (signal.SIGINT, signal.SIGTERM):
            self._previous[sig] = signal.signal(sig, self._handle)

    def restore(self) -> None:
        for sig, handler in self._previous.items():
            signal.signal(sig, handler if handler is not None else signal.SIG_DFL)
        self._previous.clear()

    def attach(self, loop: asyncio.AbstractEventLoop, task: asyncio.Task[Any] | None) -> None:
        self._loop, self._task = loop, task

    def detach(self) -> None:
        self._loop = self._task = None

    @contextlib.contextmanager
    def writing(self) -> Iterator[None]:
        """Hold back the effect of a signal until the enclosed write is complete."""
        self._writing += 1
        try:
            yield
        finally:
            self._writing -= 1
        if not self._writing and self._pending:
            self._pending = False
            self._act()

    def _handle(self, signum: int, frame: object) -> None:
        self._count += 1
        if self.signum is None:
            self.signum = signum
        if self._writing:
            self._pending = True
            return
        self._act()

    def _act(self) -> None:
        if self._task is None or self._loop is None:
            raise KeyboardInterrupt
        # In the loop, act between callbacks: never inside a write or the count that follows it.
        if self._count == 1:
            self._loop.call_soon_threadsafe(self._task.cancel)
        else:
            self._loop.call_soon_threadsafe(_raise_interrupt)


def _raise_interrupt() -> NoReturn:
    raise KeyboardInterrupt


def _schema(out: TextIO, interrupts: _Interrupts) -> int:
    from .models import DiscoveryResult, json_schema

    text = json.dumps(json_schema(DiscoveryResult), indent=2, ensure_ascii=False)
    with interrupts.writing():
        out.write(text + "\n")
        out.flush()
    return EXIT_FOUND


def _check_combination(args: argparse.Namespace) -> None:
    if args.batch is not None and args.address is not None:
        raise _Usage(
            f"give one address or --batch FILE, not both; put {args.address} in the file instead"
        )
    if args.batch is None and args.address is None:
        raise _Usage(
            "say which address to look up, e.g. python -m autoconf someone@example.com "
            "(or --batch FILE for many); see --help"
        )
    _check_export(args)
    if not 1 <= args.concurrency <= 1024:
        raise _Usage(f"--concurrency must be between 1 and 1024, not {args.concurrency}")
    if args.batch is not None:
        if args.trace:
            raise _Usage(
                "--trace is for one address; in --batch output every line already has its "
                '"attempts"'
            )
        if args.login is not None or args.password_stdin:
            flag = "--login" if args.login is not None else "--password-stdin"
            raise _Usage(f"{flag} checks one account; use it without --batch")
    if _signs_in(args) and (args.offline or args.no_verify):
        flag = "--offline" if args.offline else "--no-verify"
        which = "--login" if args.login is not None else "--password-stdin"
        raise _Usage(f"{which} signs in to the servers, which {flag} forbids; drop one of them")


def _check_export(args: argparse.Namespace) -> None:
    """--format and --password-command go together, and not with --batch, --json, --trace."""
    if args.format is None and args.password_command is None:
        return  # neither given: no need to import the export package
    from .export.cli import usage_problem

    problem = usage_problem(args)
    if problem is not None:
        raise _Usage(problem)


def _signs_in(args: argparse.Namespace) -> bool:
    """A password is to be checked: as --login USER, or as each server's own user name."""
    return args.login is not None or bool(args.password_stdin)


def _options(args: argparse.Namespace, *, err: TextIO, inp: IO[Any]) -> Options:
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
        credentials=_credentials(args, err=err, inp=inp) if _signs_in(args) else None,
    )


def _credentials(args: argparse.Namespace, *, err: TextIO, inp: IO[Any]) -> Credentials:
    """The password, from stdin or a prompt; never echoed, never logged.

    Without --login the user name is empty: each server is then signed in to with its own
    user name (the one its source gives), or the address where none is given.
    """
    from pydantic import SecretStr

    user: str = args.login if args.login is not None else ""
    if args.login is not None and not user.strip():
        raise _Usage("--login needs a user name, usually your full email address")
    if args.password_stdin:
        line = inp.readline()
        password = line.decode("utf-8") if isinstance(line, bytes) else line
        password = password.rstrip("\r\n")
    else:
        if not is_terminal(inp):
            raise _Usage(
                "--login asks for the password at a prompt, but stdin is not a terminal; "
                "pipe it in with --password-stdin instead"
            )
        import getpass

        try:
            password = getpass.getpass(f"Password for {user} (not shown): ", stream=err)
        except EOFError as exc:
            raise _Usage(
                "no password was given; type it at the prompt or use --password-stdin"
            ) from exc
    if not password:
        raise _Usage(
            "the password is empty; type it at the prompt or pipe it with --password-stdin"
        )
    return Credentials(username=user, password=SecretStr(password))


_T = TypeVar("_T")


def _run(coro: Coroutine[Any, Any, _T], interrupts: _Interrupts) -> _T:
    """asyncio.run, also from inside a running loop (then on a private thread); a signal
    cancels the main task (see :class:`_Interrupts`)."""

    async def main_task() -> _T:
        interrupts.attach(asyncio.get_running_loop(), asyncio.current_task())
        try:
            return await coro
        finally:
            interrupts.detach()

    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return asyncio.run(main_task())
    import concurrent.futures

    with concurrent.futures.ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(asyncio.run, main_task()).result()


# -- one address ---------------------------------------------------------------------------


def _single(
    args: argparse.Namespace,
    options: Options,
    streams: _Streams,
    sources: Sequence[Source] | None,
    interrupts: _Interrupts,
) -> int:
    out, err = streams.out, streams.err
    try:
        parse_address(args.address)  # before anything shows it: it may not even be text
        err_term = Terminal.of(err, streams.env)
        progress: DiscoveryProgress | None = None
        if err_term.tty and not args.quiet:
            from .render.progress import DiscoveryProgress

            progress = DiscoveryProgress(err, err_term, args.address)
        try:
            result = _run(_discover(args.address, options, progress, sources), interrupts)
        finally:
            if progress is not None:
                progress.close()
    except InvalidAddress as exc:
        _say(
            err,
            f"{PROG}: {exc.reason} in '{exc.address}'; type the whole address, like "
            "name@example.com",
        )
        return EXIT_USAGE
    if args.format is not None:
        from .export.cli import write_export

        return write_export(result, args, streams.out, streams.err, interrupts.writing, prog=PROG)
    if args.json:
        text = json.dumps(result.model_dump(mode="json"), indent=2, ensure_ascii=False)
        text = for_stream(escape_json(text) + "\n", out, json_text=True)
    else:
        from .render.human import render_result

        buffer = StringIO()
        notes = () if args.quiet else _notes(args, options)
        render_result(result, buffer, Terminal.of(out, streams.env), trace=args.trace, notes=notes)
        text = for_stream(buffer.getvalue(), out)
    with interrupts.writing():
        out.write(text)
        out.flush()
    return _single_status(result, options)


def _single_status(result: DiscoveryResult, options: Options) -> int:
    """0 found, 1 not found, 3 found but a recommended server refused the password."""
    if not result.found:
        return EXIT_NOT_FOUND
    if options.credentials is not None:
        from .render.words import check, chosen

        if any(check(server.verification).login_refused for server in chosen(result)):
            return EXIT_LOGIN_REFUSED
    return EXIT_FOUND


async def _discover(
    address: str,
    options: Options,
    progress: DiscoveryProgress | None,
    sources: Sequence[Source] | None,
) -> DiscoveryResult:
    from .api import discover_events
    from .events import DiscoveryFinished

    ticker: asyncio.Task[None] | None = None
    if progress is not None:
        ticker = asyncio.create_task(_tick(progress))
    try:
        async for event in discover_events(address, options=options, sources=sources):
            if progress is not None:
                progress.handle(event)
            if isinstance(event, DiscoveryFinished):
                return event.result
    finally:
        if ticker is not None:
            ticker.cancel()
        if progress is not None:
            progress.close()
    raise AssertionError("discover_events ended without a result")  # pragma: no cover


async def _tick(progress: DiscoveryProgress) -> None:
    """Redraw ten times a second, so spinners turn and times count up."""
    while True:
        await asyncio.sleep(0.1)
        progress.refresh()


def _notes(args: argparse.Namespace, options: Options) -> list[str]:
    if options.offline:
        where = "the bundled provider database"
        if options.config_dir is not None:
            where = f"{options.config_dir} and {where}"
        return [f"Offline: only {where} was consulted, and no server was contacted."]
    if not options.verify:
        return ["The servers were not contacted to check them (--no-verify)."]
    return []


# -- checking a domain ---------------------------------------------------------------------


def _check(args: argparse.Namespace, streams: _Streams, interrupts: _Interrupts) -> int:
    """``--check DOMAIN|ADDRESS``: the domain report, human or JSON; 0, 4 or 5."""
    from .check.report import DomainReport, Severity

    out = streams.out
    if args.schema:
        from .models import json_schema

        text = json.dumps(json_schema(DomainReport), indent=2, ensure_ascii=False)
        with interrupts.writing():
            out.write(text + "\n")
            out.flush()
        return EXIT_FOUND
    if args.address is None or args.batch is not None or _signs_in(args) or args.offline:
        raise _Usage(
            "--check takes one domain or address, e.g. python -m autoconf --check example.com, "
            "and works online only (no --batch, --login, --password-stdin or --offline)"
        )
    if args.format not in (None, "srv-zone") or (args.format and args.json):
        raise _Usage(
            "--check writes its report, or with --format srv-zone (not --json) the SRV "
            "records to publish; no other format"
        )
    options = _options(args, err=streams.err, inp=streams.inp)
    if is_terminal(streams.err) and not args.quiet:
        _say(streams.err, f"Checking {args.address} (at most {options.deadline:g} s) ...")
    from .check import run

    try:
        report = _run(run.check_domain(args.address, options=options), interrupts)
    except InvalidAddress as exc:
        given = args.address.strip()  # what was typed, not the postmaster@ stand-in
        what = f"{exc.reason} in '{given}'" if given else "no domain given"
        _say(streams.err, f"{PROG}: {what}; give a domain like example.com")
        return EXIT_USAGE
    if args.format == "srv-zone":
        from .check.publish import srv_zone

        zone = srv_zone(report)
        if zone is None:
            _say(streams.err, f"{PROG}: no mechanism of {report.domain} names a server to publish")
            return EXIT_CHECK_ERRORS
        text = for_stream(zone, out)
    elif args.json:
        text = json.dumps(report.model_dump(mode="json"), indent=2, ensure_ascii=False)
        text = for_stream(escape_json(text) + "\n", out, json_text=True)
    else:
        from .render.check import render_report

        buffer = StringIO()
        render_report(report, buffer, Terminal.of(out, streams.env))
        text = for_stream(buffer.getvalue(), out)
    with interrupts.writing():
        out.write(text)
        out.flush()
    worst = report.worst
    if worst is Severity.ERROR:
        return EXIT_CHECK_ERRORS
    return EXIT_CHECK_WARNINGS if worst is Severity.WARNING else EXIT_FOUND


# -- many addresses ------------------------------------------------------------------------


def _batch(
    args: argparse.Namespace,
    options: Options,
    streams: _Streams,
    sources: Sequence[Source] | None,
    interrupts: _Interrupts,
) -> int:
    from .batch import BatchSummary

    stream, close = _batch_input(args.batch, streams.inp)
    err_term = Terminal.of(streams.err, streams.env)
    show = err_term.tty and not args.quiet
    total = _count_lines(stream) if show and close else None
    summary = BatchSummary()
    try:
        batch = _batch_async(
            stream,
            options,
            streams,
            err_term if show else None,
            total,
            args,
            summary,
            sources,
            interrupts,
        )
        _run(batch, interrupts)
    except (KeyboardInterrupt, asyncio.CancelledError) as exc:
        if isinstance(exc, asyncio.CancelledError) and interrupts.signum is None:
            raise
        lines = f"{summary.done} line{'s' if summary.done != 1 else ''}"
        _say(streams.err, f"interrupted; {lines} written ({summary.counts()})")
        return interrupts.status
    finally:
        if close:
            stream.close()
    if not args.quiet:
        _say(streams.err, summary.sentence())
    return EXIT_FOUND if summary.not_found == 0 and summary.errors == 0 else EXIT_NOT_FOUND


def _batch_input(name: str, inp: IO[Any]) -> tuple[IO[Any], bool]:
    """The stream of addresses (bytes where possible: decoded strictly line by line) and
    whether it is ours to close."""
    if name == "-":
        return getattr(inp, "buffer", inp), False
    if Path(name).is_dir():
        raise _Usage(
            f"the batch file {name} is a folder, not a file of addresses; check the path "
            "(or give - to read addresses from stdin)"
        )
    try:
        return Path(name).open("rb"), True
    except OSError as exc:
        reason = exc.strerror or str(exc)
        raise _Usage(
            f"cannot read the batch file {name}: {reason.lower()}; check the path "
            "(or give - to read addresses from stdin)"
        ) from exc


def _count_lines(stream: IO[bytes]) -> int | None:
    """Addresses in a regular file (for the progress bar); None when it cannot be counted."""
    try:
        start = stream.tell()
        count = 0
        for raw in iter(lambda: stream.read(1 << 20), b""):
            count += raw.count(b"\n")
        stream.seek(start)
        return count or None
    except (OSError, ValueError):
        return None


async def _batch_async(
    stream: IO[Any],
    options: Options,
    streams: _Streams,
    progress_term: Terminal | None,
    total: int | None,
    args: argparse.Namespace,
    summary: BatchSummary,
    sources: Sequence[Source] | None,
    interrupts: _Interrupts,
) -> None:
    from .api import Session
    from .batch import WholeLines, read_lines, run_batch

    bar = None
    if progress_term is not None:
        from .render.progress import BatchProgress

        bar = BatchProgress(streams.err, progress_term, total)

    def progress(s: BatchSummary) -> None:
        if bar is not None:
            bar.update(s.done, s.found, s.not_found, s.invalid + s.errors)

    output = WholeLines(streams.out)

    def write(text: str) -> None:
        with interrupts.writing():
            output.write(text)

    try:
        async with Session(options) as session:

            async def discover(address: str) -> DiscoveryResult:
                return await session.discover(address, sources=sources)

            await run_batch(
                read_lines(stream),
                discover,
                write,
                concurrency=args.concurrency,
                summary=summary,
                on_progress=progress,
            )
    finally:
        if bar is not None:
            bar.close()
