"""The command line: ``python -m autoconf ADDRESS [options]``, ``--batch``, ``--check`` and
``--format`` (see :mod:`autoconf.cli.app` for the exit statuses).

Internal apart from :func:`main`. Its parts: ``app`` (entry, streams, signals), ``batch``
(many addresses), ``export`` (``--format``), ``render/`` (what is written on the screen).
"""

from __future__ import annotations

from .app import main

__all__ = ["main"]
