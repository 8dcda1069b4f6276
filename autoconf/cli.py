"""The command line: ``python -m autoconf ADDRESS [options]`` and ``--batch FILE``.

Results go to stdout, diagnostics and progress to stderr. Exit status: 0 usable settings
found (at least one incoming and one outgoing server), 1 none found, 2 bad input or usage,
130 interrupted (Ctrl-C). Every error is one sentence saying what to do next.

``--json``, ``--batch`` and ``--schema`` never import the terminal library (rich); the human
view imports it when it prints.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import sys
from collections.abc import Coroutine, Mapping, Sequence
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any, NoReturn, TextIO, TypeVar

from .errors import InvalidAddress, OptionsError
from .options import DEFAULT_ISPDB_URL, Credentials, Mode, Options, parse_nameserver, split_sources
from .render.terminal import Terminal, is_terminal

if TYPE_CHECKING:
    from .batch import BatchSummary
    from .models import DiscoveryResult
    from .render.progress import DiscoveryProgress
    from .sources.base import Source

__all__ = ["main", "main_entry"]

EXIT_FOUND = 0
EXIT_NOT_FOUND = 1
EXIT_USAGE = 2
EXIT_INTERRUPTED = 130

PROG = "python -m autoconf"

_EXAMPLES = """\
examples:
  python -m autoconf someone@gmail.com                 look everywhere, check the servers
  python -m autoconf someone@gmail.com --offline       bundled provider database only
  python -m autoconf someone@example.com --trace       also show every place tried, and why
  python -m autoconf someone@example.com --json        the full result for programs
  python -m autoconf me@example.com --login me@example.com
                                                       also check your password (asked for)
  python -m autoconf --batch addresses.txt > results.jsonl
                                                       one JSON line per address, in order
  cut -d, -f1 users.csv | python -m autoconf --batch - --concurrency 32
  python -m autoconf --schema                          the JSON schema of --json output

exit status: 0 settings found, 1 none found (in --batch: some address not found),
             2 bad input or usage, 130 interrupted
"""


class _Parser(argparse.ArgumentParser):
    """argparse that reports a usage error as one line and exits with status 2."""

    def error(self, message: str) -> NoReturn:
        self.exit(EXIT_USAGE, f"{self.prog}: {message}; see --help for usage\n")


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog=PROG,
        description=(
            "Find the IMAP, POP3 and SMTP settings for an email address: where each setting\n"
            "came from, how far to trust it, and whether the servers really work."
        ),
        epilog=_EXAMPLES,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("address", nargs="?", help="the email address, e.g. someone@example.com")
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
    login = parser.add_argument_group("checking a password")
    login.add_argument(
        "--login",
        metavar="USER",
        help="also sign in as USER over TLS to check the password (asked for at a prompt)",
    )
    login.add_argument(
        "--password-stdin",
        action="store_true",
        help="with --login: read the password from the first line of stdin instead",
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
    parser.add_argument("--version", action="version", version=_version())
    return parser


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
    drive the CLI this way without a network.
    """
    out = stdout if stdout is not None else sys.stdout
    err = stderr if stderr is not None else sys.stderr
    inp = stdin if stdin is not None else sys.stdin
    env = environ if environ is not None else os.environ
    parser = build_parser()
    try:
        # argparse prints help, version and usage errors itself: point it at our streams.
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            args = parser.parse_args(argv)
    except SystemExit as exc:
        return exc.code if isinstance(exc.code, int) else EXIT_USAGE

    try:
        if args.schema:
            return _schema(out)
        _check_combination(args)
        options = _options(args, err=err, inp=inp)
        if args.batch is not None:
            return _batch(args, options, out=out, err=err, inp=inp, env=env, sources=sources)
        return _single(args, options, out=out, err=err, env=env, sources=sources)
    except _Usage as exc:
        print(f"{PROG}: {exc}", file=err)
        return EXIT_USAGE
    except OptionsError as exc:
        print(f"{PROG}: {exc}; see --help for usage", file=err)
        return EXIT_USAGE
    except KeyboardInterrupt:
        print("interrupted", file=err)
        return EXIT_INTERRUPTED
    except BrokenPipeError:
        # The reader went away (`| head`): stop quietly, and keep Python's final flush quiet.
        with contextlib.suppress(OSError, ValueError, AttributeError):
            devnull = os.open(os.devnull, os.O_WRONLY)
            os.dup2(devnull, out.fileno())
        return EXIT_NOT_FOUND
    except Exception as exc:  # a bug: one sentence for the person, not a traceback
        print(
            f"{PROG}: internal error ({type(exc).__name__}: {exc}); please report it with "
            "the command you ran",
            file=err,
        )
        return EXIT_NOT_FOUND


def main_entry() -> NoReturn:
    """Console-script entry point."""
    sys.exit(main())


def _schema(out: TextIO) -> int:
    from .models import DiscoveryResult

    out.write(json.dumps(DiscoveryResult.model_json_schema(), indent=2, ensure_ascii=False))
    out.write("\n")
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
    if not 1 <= args.concurrency <= 1024:
        raise _Usage(f"--concurrency must be between 1 and 1024, not {args.concurrency}")
    if args.batch is not None:
        if args.trace:
            raise _Usage(
                "--trace is for one address; in --batch output every line already has its "
                '"attempts"'
            )
        if args.login is not None:
            raise _Usage("--login checks one account; use it without --batch")
    if args.password_stdin and args.login is None:
        raise _Usage("--password-stdin needs --login USER to say whose password it is")
    if args.login is not None and (args.offline or args.no_verify):
        flag = "--offline" if args.offline else "--no-verify"
        raise _Usage(f"--login signs in to the servers, which {flag} forbids; drop one of them")


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
        credentials=_credentials(args, err=err, inp=inp) if args.login is not None else None,
    )


def _credentials(args: argparse.Namespace, *, err: TextIO, inp: IO[Any]) -> Credentials:
    """The --login user's password, from stdin or a prompt; never echoed, never logged."""
    from pydantic import SecretStr

    user: str = args.login
    if not user.strip():
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
        except EOFError:
            raise _Usage(
                "no password was given; type it at the prompt or use --password-stdin"
            ) from None
    if not password:
        raise _Usage(
            "the password is empty; type it at the prompt or pipe it with --password-stdin"
        )
    return Credentials(username=user, password=SecretStr(password))


_T = TypeVar("_T")


def _run(coro: Coroutine[Any, Any, _T]) -> _T:
    """asyncio.run, also from inside a running loop (then on a private thread)."""
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return asyncio.run(coro)
    import concurrent.futures

    with concurrent.futures.ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(asyncio.run, coro).result()


# -- one address ---------------------------------------------------------------------------


def _single(
    args: argparse.Namespace,
    options: Options,
    *,
    out: TextIO,
    err: TextIO,
    env: Mapping[str, str],
    sources: Sequence[Source] | None,
) -> int:
    err_term = Terminal.of(err, env)
    progress: DiscoveryProgress | None = None
    if err_term.tty and not args.quiet:
        from .render.progress import DiscoveryProgress

        progress = DiscoveryProgress(err, err_term, args.address)
    try:
        result = _run(_discover(args.address, options, progress, sources))
    except InvalidAddress as exc:
        print(
            f"{PROG}: {exc.reason} in {exc.address!r}; type the whole address, like "
            "name@example.com",
            file=err,
        )
        return EXIT_USAGE
    finally:
        if progress is not None:
            progress.close()

    if args.json:
        out.write(json.dumps(result.model_dump(mode="json"), indent=2, ensure_ascii=False))
        out.write("\n")
    else:
        from .render.human import render_result

        render_result(
            result,
            out,
            Terminal.of(out, env),
            trace=args.trace,
            notes=() if args.quiet else _notes(args, options),
        )
    out.flush()
    return EXIT_FOUND if result.found else EXIT_NOT_FOUND


async def _discover(
    address: str,
    options: Options,
    progress: DiscoveryProgress | None,
    sources: Sequence[Source] | None,
) -> DiscoveryResult:
    from .pipeline import DiscoveryFinished, discover_events

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


# -- many addresses ------------------------------------------------------------------------


def _batch(
    args: argparse.Namespace,
    options: Options,
    *,
    out: TextIO,
    err: TextIO,
    inp: IO[Any],
    env: Mapping[str, str],
    sources: Sequence[Source] | None,
) -> int:
    from .batch import BatchSummary

    if args.batch == "-":
        stream: IO[Any] = getattr(inp, "buffer", inp)
        total = None
        close = False
    else:
        path = Path(args.batch)
        try:
            stream = path.open("rb")
        except OSError as exc:
            reason = exc.strerror or str(exc)
            raise _Usage(
                f"cannot read the batch file {args.batch}: {reason.lower()}; check the path "
                "(or give - to read addresses from stdin)"
            ) from None
        close = True
        total = None
    err_term = Terminal.of(err, env)
    show = err_term.tty and not args.quiet
    if show and close:
        total = _count_lines(stream)
    summary = BatchSummary()
    try:
        _run(_batch_async(stream, options, out, err, err_term, show, total, args, summary, sources))
    except KeyboardInterrupt:
        out.flush()
        print(f"interrupted; {summary.sentence()} were written", file=err)
        return EXIT_INTERRUPTED
    finally:
        if close:
            stream.close()
    out.flush()
    if not args.quiet:
        print(summary.sentence(), file=err)
    return EXIT_FOUND if summary.not_found == 0 and summary.errors == 0 else EXIT_NOT_FOUND


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
    out: TextIO,
    err: TextIO,
    err_term: Terminal,
    show: bool,
    total: int | None,
    args: argparse.Namespace,
    summary: BatchSummary,
    sources: Sequence[Source] | None,
) -> None:
    from .batch import read_lines, run_batch
    from .session import Session

    bar = None
    if show:
        from .render.progress import BatchProgress

        bar = BatchProgress(err, err_term, total)

    def progress(s: BatchSummary) -> None:
        if bar is not None:
            bar.update(s.done, s.found, s.not_found, s.invalid + s.errors)

    try:
        async with Session(options) as session:

            async def discover(address: str) -> DiscoveryResult:
                return await session.discover(address, sources=sources)

            await run_batch(
                read_lines(stream),
                discover,
                out.write,
                concurrency=args.concurrency,
                summary=summary,
                on_progress=progress,
            )
    finally:
        if bar is not None:
            bar.close()
