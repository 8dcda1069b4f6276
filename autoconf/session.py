"""Old path of :class:`autoconf.api.Session` (a re-export until every importer has moved)."""

from __future__ import annotations

from .api import Session

__all__ = ["Session"]
