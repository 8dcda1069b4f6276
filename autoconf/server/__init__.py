"""The HTTP service: ``python -m autoconf serve`` (the optional ``server`` extra).

An ASGI app (FastAPI, run by uvicorn) over one :class:`~autoconf.api.Session`: the settings of
an address (``GET /v1/settings``, the CLI's ``--json``), the domain check (``GET /v1/check``),
a client's file (``GET /v1/export``), ``/healthz``, ``/metrics`` and ``/openapi.json``. Safe
for untrusted input by default: private targets are refused, each caller is rate-limited, and
the work at one target domain, one target host and in all is bounded.

Nothing below this package imports it: ``import autoconf``, the CLI and ``--offline`` load
none of its dependencies.
"""

from __future__ import annotations

from .app import create_app
from .config import ServerConfig

__all__ = ["ServerConfig", "create_app"]
