"""Asking a JMAP, CalDAV or CardDAV URL whether a service is there (RFC 8620 §2.2, RFC 6764).

One GET without credentials, redirects followed within the fetcher's bounds (HTTPS never
downgraded): a 2xx, or a 401 (the service asking for credentials), at the end of the chain
means the service is there; any other status is a :class:`~autoconf.errors.FetchError`. The
domain check (:func:`autoconf.check.mechanisms.check_services`) and a verifying discovery
both ask through here, so they agree on what "there" means.
"""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING

from ..errors import AutoconfError, DeadlineExceeded, FetchError
from ..models import Service
from .base import SourceContext

if TYPE_CHECKING:
    from ..net.http import FetchResult

__all__ = ["MAX_SERVICE_BYTES", "ask_service", "verified_services"]

MAX_SERVICE_BYTES = 64 * 1024  # an answer without credentials is an error page at most
_THERE = frozenset({401})  # beside 2xx: the service, asking for credentials


async def ask_service(ctx: SourceContext, url: str) -> FetchResult:
    """The final answer of ``url`` (2xx or 401); raises our errors for anything else."""
    return await ctx.network().http.get(
        url, ctx.deadline, max_bytes=MAX_SERVICE_BYTES, accept=_THERE
    )


async def verified_services(ctx: SourceContext, services: list[Service]) -> list[Service]:
    """``services``, each with ``answered`` and ``status`` from one request: True when it is
    there, False when it is not, None when the deadline ended the request first."""

    async def one(service: Service) -> Service:
        try:
            result = await ask_service(ctx, service.url)
        except (DeadlineExceeded, TimeoutError):
            return service  # says nothing about the service
        except (AutoconfError, OSError) as exc:
            status = exc.status if isinstance(exc, FetchError) else None
            return service.model_copy(update={"answered": False, "status": status})
        return service.model_copy(update={"answered": True, "status": result.status})

    return list(await asyncio.gather(*(one(s) for s in services)))
