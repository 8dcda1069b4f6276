"""``python -m autoconf`` and the ``mail-autoconf`` console script (:func:`run`).

SIGINT and SIGTERM are handled from the first line on, before the heavy imports: a signal
while the program is still starting ends it with 130 or 143 and one word, never a traceback.
:func:`autoconf.cli.main` then takes over the handling for the run itself.
"""

from __future__ import annotations

import signal
import sys
from collections.abc import Callable

_received: list[int] = []


def _starting(signum: int, frame: object) -> None:
    _received.append(signum)
    raise KeyboardInterrupt


def _finished(signum: int, frame: object) -> None:
    _received.append(signum)  # the answer is out; only the exit remains


def run(main: Callable[[], int] | None = None) -> int:
    """Handle signals, then import and run the CLI (or ``main``, which does its own imports)."""
    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, _starting)
    try:
        if main is None:
            from .cli import main as cli_main

            return cli_main()
        return main()
    except KeyboardInterrupt:
        sys.stderr.write("interrupted\n")
        return 128 + (_received[0] if _received else signal.SIGINT)
    finally:
        for sig in (signal.SIGINT, signal.SIGTERM):
            signal.signal(sig, _finished)


if __name__ == "__main__":
    sys.exit(run())
