"""``python -m autoconf`` and the ``mail-autoconf`` console script (:func:`run`).

SIGINT and SIGTERM are handled from the first line on, before the heavy imports: a signal
while the program is still starting ends it with 130 or 143 and one word, never a traceback.
:func:`autoconf.cli.main` then takes over the handling for the run itself.

The cyclic garbage collector is off while the CLI is imported: the imports (pydantic's model
builds above all) create some 50,000 objects that live as long as the process, and collecting
them over and over, then again at exit, took about a sixth of a networked run's CPU time
(``benchmarks/startup.py`` measures it). Once the imports are done those objects are frozen
(:func:`gc.freeze`: never examined again) and the collector runs as usual for the run itself;
when it is over, one last collection, then everything is frozen for the teardown.
"""

from __future__ import annotations

import contextlib
import gc
import os
import signal
import sys
from collections.abc import Callable, Iterator

_received: list[int] = []
# While the CLI's modules are imported a signal is only noted, and acted on once the imports
# are done: raised in the middle of an extension module's initialisation (pydantic-core's imports
# ``datetime`` from Rust), a KeyboardInterrupt makes that module abort the process instead of
# unwinding. The imports take well under a second, so the answer to Ctrl-C is hardly later.
_importing: list[bool] = [False]


def _starting(signum: int, frame: object) -> None:
    _received.append(signum)
    if not _importing[0]:
        raise KeyboardInterrupt


@contextlib.contextmanager
def _quiet_imports() -> Iterator[None]:
    """Signals during the block are noted only; one noted is raised as KeyboardInterrupt after."""
    _importing[0] = True
    try:
        yield
    finally:
        _importing[0] = False
    if _received:
        raise KeyboardInterrupt


def _finished(signum: int, frame: object) -> None:
    _received.append(signum)  # the answer is out; only the exit remains


def run(main: Callable[[], int] | None = None) -> int:
    """Handle signals, then import and run the CLI (or ``main``, which does its own imports)."""
    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, _starting)
    if main is None and sys.argv[1:] == ["--version"]:
        return _version()
    if main is None and sys.argv[1:2] == ["serve"]:  # the service: the `server` extra
        from .server.cli import main as serve

        return serve(sys.argv[2:])
    collecting = gc.isenabled()
    gc.disable()
    try:
        if main is None:
            with _quiet_imports():
                from .cli import main as cli_main

            _imported(collecting)
            return _done(cli_main(), collecting)
        _imported(collecting)
        return _done(main(), collecting)
    except KeyboardInterrupt:
        sys.stderr.write("interrupted\n")
        return 128 + (_received[0] if _received else signal.SIGINT)
    finally:
        for sig in (signal.SIGINT, signal.SIGTERM):
            signal.signal(sig, _finished)
        if collecting:
            gc.enable()


def _done(status: int, collecting: bool) -> int:
    """The run is over: collect its garbage once, now, then freeze the rest for the exit.

    The interpreter's teardown would otherwise examine every object again, several times.
    """
    if collecting:
        gc.collect()
        gc.freeze()
    return status


def _version() -> int:
    """``--version`` alone, answered as the CLI would but without its imports (0.4 s of them)."""
    from . import __version__

    try:
        sys.stdout.write(f"mail-autoconf {__version__}\n")
        sys.stdout.flush()
    except BrokenPipeError:  # as the CLI: the reader went away; exit 141, and quietly
        with contextlib.suppress(OSError, ValueError):
            os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 141
    return 0


def _imported(collecting: bool) -> None:
    """The start-up imports are done: keep what they built out of every later collection."""
    if collecting:
        gc.freeze()
        gc.enable()


if __name__ == "__main__":
    sys.exit(run())
