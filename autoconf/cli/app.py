"""The command line: ``python -m autoconf ADDRESS [options]``, ``--batch FILE``, ``--check``.

Results go to stdout, diagnostics and progress to stderr. The exit statuses are
:class:`~autoconf.cli.status.ExitCode`: 0 usable settings found (at least one incoming and one
outgoing server), 1 none found, 2 bad input or usage, 3 settings found but the recommended
server refused the password (--login, --password-stdin), 70 internal error, 130 interrupted
(SIGINT, Ctrl-C), 141 stdout closed by its reader, 143 terminated (SIGTERM); with
``--check``: 0 no errors or warnings, 4 warnings only, 5 errors, 6 could not check from here
(this machine's DNS or network is down).
Every error is one sentence saying what to do next.

``--json``, ``--batch`` and ``--schema`` never import the terminal library (rich); the human
view imports it when it prints.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import sys
from collections.abc import Mapping, Sequence
from typing import IO, TYPE_CHECKING, Any, TextIO

from ..errors import OptionsError
from .inputs import options, recover_argv
from .output import Streams, say
from .parser import build_parser, combination_problem, prog_name
from .signals import Interrupts
from .status import ExitCode, Usage

if TYPE_CHECKING:
    from ..sources.base import Source

__all__ = ["main"]


def main(
    argv: Sequence[str] | None = None,
    *,
    stdout: TextIO | None = None,
    stderr: TextIO | None = None,
    stdin: IO[Any] | None = None,
    environ: Mapping[str, str] | None = None,
    sources: Sequence[Source] | None = None,
    prog: str | None = None,
) -> int:
    """Run the CLI; returns the exit status instead of exiting.

    The streams, the environment (for ``NO_COLOR``), the sources and the name the program
    was run as (default: from ``sys.argv[0]``) may be injected: tests drive the CLI this way
    without a network. Called from the main thread, it handles SIGINT and SIGTERM itself for
    its duration (see :class:`~autoconf.cli.signals.Interrupts`).
    """
    interrupts = Interrupts()
    interrupts.install()
    try:
        return _main(
            recover_argv(sys.argv[1:] if argv is None else argv),
            Streams(
                out=stdout if stdout is not None else sys.stdout,
                err=stderr if stderr is not None else sys.stderr,
                inp=stdin if stdin is not None else sys.stdin,
                env=environ if environ is not None else os.environ,
                prog=prog if prog is not None else prog_name(),
            ),
            sources,
            interrupts,
        )
    finally:
        interrupts.restore()


def _main(
    argv: Sequence[str],
    streams: Streams,
    sources: Sequence[Source] | None,
    interrupts: Interrupts,
) -> int:
    try:
        return _dispatch(_parse(argv, streams), streams, sources, interrupts)
    except SystemExit as exc:
        return exc.code if isinstance(exc.code, int) else ExitCode.USAGE
    except Usage as exc:
        say(streams.err, f"{streams.prog}: {exc}")
        return ExitCode.USAGE
    except OptionsError as exc:
        say(streams.err, f"{streams.prog}: {exc}; see --help for usage")
        return ExitCode.USAGE
    except (KeyboardInterrupt, asyncio.CancelledError) as exc:
        if isinstance(exc, asyncio.CancelledError) and interrupts.signum is None:
            return _internal_error(streams, exc)
        say(streams.err, "interrupted")
        return interrupts.status
    except BrokenPipeError:
        # The reader went away (`| head`): stop quietly, and keep Python's final flush quiet.
        with contextlib.suppress(OSError, ValueError, AttributeError):
            devnull = os.open(os.devnull, os.O_WRONLY)
            os.dup2(devnull, streams.out.fileno())
        return ExitCode.BROKEN_PIPE
    except Exception as exc:  # a bug: one sentence for the person, not a traceback
        return _internal_error(streams, exc)


def _parse(argv: Sequence[str], streams: Streams) -> argparse.Namespace:
    # argparse prints help, version and usage errors itself: point it at our streams.
    with contextlib.redirect_stdout(streams.out), contextlib.redirect_stderr(streams.err):
        return build_parser(streams.prog).parse_args(argv)


def _dispatch(
    args: argparse.Namespace,
    streams: Streams,
    sources: Sequence[Source] | None,
    interrupts: Interrupts,
) -> int:
    """Run the mode the flags ask for."""
    if args.schema:
        from .checking import check_schema
        from .lookup import schema

        return check_schema(streams, interrupts) if args.check else schema(streams, interrupts)
    problem = combination_problem(args, streams.prog)
    if problem is not None:
        raise Usage(problem)
    if args.check:
        from .checking import check

        return check(args, streams, interrupts)
    settings = options(args, err=streams.err, inp=streams.inp)
    if args.batch is not None:
        from .many import batch

        return batch(args, settings, streams, sources, interrupts)
    from .lookup import lookup

    return lookup(args, settings, streams, sources, interrupts)


def _internal_error(streams: Streams, exc: BaseException) -> int:
    say(
        streams.err,
        f"{streams.prog}: internal error ({type(exc).__name__}: {exc}); please report it with "
        "the command you ran",
    )
    return ExitCode.SOFTWARE
