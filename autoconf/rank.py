"""Old path of :mod:`autoconf.engine.rank` (a re-export until every importer has moved)."""

from __future__ import annotations

from .engine.rank import Ranked, merge, rank_key, rerank, verification_warnings

__all__ = ["Ranked", "merge", "rank_key", "rerank", "verification_warnings"]
