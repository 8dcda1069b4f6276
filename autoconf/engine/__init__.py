"""The engine: run the sources of one discovery, rank what they found, verify it.

Above the sources and below the API (:mod:`autoconf.api`), which owns the network's lifetime.
"""

from __future__ import annotations

from .discovery import choose_sources, default_sources, run_discovery, unadmitted_result

__all__ = ["choose_sources", "default_sources", "run_discovery", "unadmitted_result"]
