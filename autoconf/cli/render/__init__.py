"""Terminal output of the command line: the human view, live progress and batch progress.

Internal to :mod:`autoconf.cli`; not part of the public API. ``words`` and ``progress`` are
plain Python (no terminal library), so ``--json`` and batch runs stay light; ``human`` imports
rich and is loaded only when a person reads the answer.
"""
