"""The ASGI app: endpoints, error shapes, the guards around them, the access log.

Every error is ``{"error": {"code": ..., "message": ...}}`` with a 4xx or 5xx status;
FastAPI's 422 for a bad parameter is answered as 400 in that shape. No endpoint takes a
password: signing in stays a feature of the library and the CLI.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import replace
from datetime import UTC, datetime
from typing import Annotated, Any
from urllib.parse import parse_qsl

from fastapi import FastAPI, Query, Request, Response
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, PlainTextResponse
from pydantic import BaseModel, ConfigDict

from .. import __version__
from ..address import parse_address
from ..api import Session
from ..check.report import DomainReport
from ..errors import DeadlineExceeded, ExportError, InvalidAddress
from ..export import FORMATS, export
from ..masking import mask_addresses
from ..models import DiscoveryResult
from ..net.redis_cache import RedisCache
from ..net.session import HostSlots
from ..options import Deadline, Mode, Options
from ..recommend import recommendation_of
from .config import ServerConfig
from .guard import Caller, Decision, RateLimiter, Shedder, caller_of
from .metrics import CONTENT_TYPE, Metrics

__all__ = ["CacheHealth", "ErrorBody", "ErrorDetail", "Handler", "Health", "create_app", "error"]

access_log = logging.getLogger("autoconf.server.access")
log = logging.getLogger("autoconf.server")

_ENDPOINTS = ("/v1/settings", "/v1/check", "/v1/export", "/healthz", "/metrics", "/openapi.json")


class ErrorDetail(BaseModel):
    """What went wrong: a code for programs, a sentence for people."""

    model_config = ConfigDict(frozen=True, extra="forbid")
    code: str
    message: str


class ErrorBody(BaseModel):
    """Every error answer of the service."""

    model_config = ConfigDict(frozen=True, extra="forbid")
    error: ErrorDetail


class CacheHealth(BaseModel):
    """What this replica's shared cache has seen (:meth:`RedisCache.status`)."""

    model_config = ConfigDict(frozen=True, extra="forbid")
    state: str  # "ok", or "bypassed" while the breaker is open (Redis failed a moment ago)
    failures: int  # commands that failed or timed out since the start
    last_error: str | None
    retry_in_s: float  # until Redis is asked again (0 while "ok")
    hits: int
    misses: int
    busy: int  # commands given up for want of a free connection (no failure: Redis answers)


class Health(BaseModel):
    """``GET /healthz``: the process answers; whether its Redis does, and the shared cache's
    state in this replica (None without Redis)."""

    model_config = ConfigDict(frozen=True, extra="forbid")
    status: str  # always "ok": the process is alive
    redis: str  # "ok", "unreachable" or "not-configured"
    version: str
    cache: CacheHealth | None = None


_ERRORS: dict[int | str, dict[str, Any]] = {
    400: {"model": ErrorBody, "description": "A bad parameter (code names which kind)"},
    401: {"model": ErrorBody, "description": "An API key is required and none valid was given"},
    429: {"model": ErrorBody, "description": "The caller's rate limit is used up (Retry-After)"},
    503: {"model": ErrorBody, "description": "The service is busy (Retry-After)"},
}


# ``?timeout=SECONDS``: the call's deadline, capped by the service's maximum. Less than
# MIN_TIMEOUT_S leaves no time to ask anything (a deadline past before the call begins).
MIN_TIMEOUT_S = 0.1
_Timeout = Annotated[
    float | None,
    Query(alias="timeout", ge=MIN_TIMEOUT_S, description="seconds, capped by the server"),
]


def error(status: int, code: str, message: str, headers: dict[str, str] | None = None) -> Response:
    body = ErrorBody(error=ErrorDetail(code=code, message=message))
    return JSONResponse(body.model_dump(mode="json"), status_code=status, headers=headers)


class _Service:
    """What the endpoints share: the Session, the guards, the metrics, Redis for /healthz."""

    def __init__(self, config: ServerConfig) -> None:
        self.config = config
        self.metrics = Metrics()
        self.limiter = RateLimiter(config)
        self.shedder = Shedder(config.max_concurrent)
        self.domains = HostSlots(config.max_per_domain)
        self.session: Session | None = None
        self.redis: Any = None  # for /healthz
        self.shared: RedisCache | None = None  # the cache the replicas share

    @contextlib.asynccontextmanager
    async def lifespan(self, app: FastAPI) -> AsyncIterator[None]:
        url = self.config.redis_url
        if url is not None:
            import redis.asyncio

            self.redis = redis.asyncio.Redis.from_url(url, socket_timeout=self.config.redis_timeout)
            self.shared = RedisCache(url, prefix="mail-autoconf", timeout=self.config.redis_timeout)
        self.session = Session(self.config.options, cache=self.shared)
        try:
            yield
        finally:
            await self.session.aclose()
            if self.shared is not None:
                await self.shared.aclose()
            if self.redis is not None:
                await self.redis.aclose()

    def options(self, timeout: float | None, **changes: Any) -> Options:
        """The call's options: the session's, with the caller's choices and capped deadline."""
        limit = self.config.max_timeout
        deadline = limit if timeout is None else min(timeout, limit)
        return replace(self.config.options, deadline=deadline, **changes)

    def count_caches(self) -> None:
        if self.session is None:
            return
        network = self.session.network()
        for kind, cache in (
            ("dns", network.cache),
            ("documents", network.documents),
            ("probes", network.probes),
        ):
            self.metrics.cache_totals(kind, cache.hits, cache.misses)
        if self.shared is not None:
            self.metrics.cache_totals("redis", self.shared.hits, self.shared.misses)

    async def redis_status(self) -> str:
        if self.redis is None:
            return "not-configured"
        try:
            async with asyncio.timeout(self.config.redis_timeout):
                await self.redis.ping()
        except Exception:
            return "unreachable"
        return "ok"


def create_app(config: ServerConfig | None = None) -> FastAPI:
    """The service's ASGI app for ``config`` (default: the safe defaults)."""
    service = _Service(config or ServerConfig())
    app = FastAPI(
        title="mail-autoconf",
        version=__version__,
        summary="Find and verify the IMAP, POP3 and SMTP settings for an email address.",
        lifespan=service.lifespan,
    )
    app.state.service = service
    app.add_exception_handler(RequestValidationError, _bad_parameter)
    app.middleware("http")(_guarded(service))
    _lookup_routes(app, service)
    _export_route(app, service)
    _operations_routes(app, service)
    return app


async def _bad_parameter(request: Request, exc: Exception) -> Response:
    """FastAPI's 422 as a 400 in the service's error shape, naming the parameter."""
    assert isinstance(exc, RequestValidationError)
    problems = []
    for item in exc.errors():
        where = ".".join(str(p) for p in item.get("loc", ()) if p != "query")
        problems.append(f"{where}: {item.get('msg', 'invalid')}")
    first = exc.errors()[0].get("loc", ("", ""))[-1] if exc.errors() else ""
    code = "invalid-address" if first == "address" else "invalid-parameter"
    return error(400, code, "; ".join(problems) or "a parameter is invalid")


async def _discovered(
    service: _Service, address: str, options: Options, domain: str
) -> DiscoveryResult | Response:
    """The discovery of ``address``, waiting for a place at its domain within the deadline."""
    assert service.session is not None
    deadline = Deadline(options.deadline)
    async with contextlib.AsyncExitStack() as stack:
        try:  # only a wait for a place at the domain is "busy"
            await stack.enter_async_context(service.domains.admitted(domain, deadline))
        except DeadlineExceeded:
            return error(
                503, "busy", f"too many look-ups of {domain} at once", headers={"Retry-After": "1"}
            )
        left = max(deadline.remaining(), 0.05)
        result = await service.session.discover(address, options=replace(options, deadline=left))
    service.metrics.attempts(result.attempts)
    service.count_caches()
    return result


def _address(text: str) -> Response | str:
    try:
        return parse_address(text).domain
    except InvalidAddress as exc:
        return error(400, "invalid-address", f"{exc.reason} ({exc.kind.value})")


def _lookup_routes(app: FastAPI, service: _Service) -> None:
    @app.get("/v1/settings", response_model=DiscoveryResult, responses=_ERRORS)
    async def settings(
        address: Annotated[str, Query(max_length=512, description="the email address")],
        verify: Annotated[bool, Query(description="probe the servers found")] = True,
        mode: Annotated[Mode, Query(description="thorough or fast")] = Mode.THOROUGH,
        seconds: _Timeout = None,
    ) -> Response:
        """The settings of ``address``: the same JSON as the CLI's ``--json``."""
        domain = _address(address)
        if isinstance(domain, Response):
            return domain
        options = service.options(seconds, verify=verify, mode=mode)
        result = await _discovered(service, address, options, domain)
        if isinstance(result, Response):
            return result
        return JSONResponse(result.model_dump(mode="json"))

    @app.get("/v1/check", response_model=DomainReport, responses=_ERRORS)
    async def check(
        domain: Annotated[str, Query(max_length=255, description="the domain to check")],
        seconds: _Timeout = None,
    ) -> Response:
        """The domain check: the same JSON as the CLI's ``--check --json``."""
        if "@" in domain:
            return error(400, "invalid-domain", "give a domain, not an address")
        assert service.session is not None
        try:
            report = await service.session.check_domain(
                domain, options=service.options(seconds, probe_all=True)
            )
        except InvalidAddress as exc:
            return error(400, "invalid-domain", f"{exc.reason} ({exc.kind.value})")
        service.count_caches()
        return JSONResponse(report.model_dump(mode="json"))


def _json_errors(descriptions: dict[int, str]) -> dict[int | str, dict[str, Any]]:
    """Error answers documented as JSON explicitly (a route answering text would otherwise
    document them as text)."""
    body = {"application/json": {"schema": {"$ref": "#/components/schemas/ErrorBody"}}}
    return {status: {"description": text, "content": body} for status, text in descriptions.items()}


def _export_route(app: FastAPI, service: _Service) -> None:
    answers: dict[int | str, dict[str, Any]] = {
        200: {"content": {"text/plain": {"schema": {"type": "string"}}}, "description": "The file"},
        **_json_errors(
            {s: str(e["description"]) for s, e in _ERRORS.items() if isinstance(s, int)}
        ),
        **_json_errors(
            {404: "No settings to write", 422: "The format cannot express the settings"}
        ),
    }

    @app.get("/v1/export", responses=answers)
    async def export_file(
        address: Annotated[str, Query(max_length=512, description="the email address")],
        format: Annotated[str, Query(description="a client's format, e.g. thunderbird")],
        seconds: _Timeout = None,
    ) -> Response:
        """A mail client's configuration file for ``address`` (never with a password)."""
        if format not in FORMATS:
            names = ", ".join(FORMATS)
            return error(400, "invalid-format", f"no format {format!r}; the formats: {names}")
        domain = _address(address)
        if isinstance(domain, Response):
            return domain
        result = await _discovered(service, address, service.options(seconds), domain)
        if isinstance(result, Response):
            return result
        chosen = recommendation_of(result)
        if chosen.incoming is None and chosen.outgoing is None:
            return error(404, "no-settings", f"no working settings were found for {domain}")
        try:
            return PlainTextResponse(export(result, format))
        except ExportError as exc:
            return error(422, f"export-{exc.reason.value}", str(exc))


def _operations_routes(app: FastAPI, service: _Service) -> None:
    @app.get("/healthz", response_model=Health)
    async def healthz() -> Health:
        """Liveness: 200 while the process answers; whether its Redis answers too."""
        shared = service.shared
        cache = None if shared is None else CacheHealth.model_validate(shared.status())
        return Health(
            status="ok", redis=await service.redis_status(), version=__version__, cache=cache
        )

    @app.get(
        "/metrics",
        responses={200: {"content": {CONTENT_TYPE.split(";")[0]: {"schema": {"type": "string"}}}}},
    )
    async def metrics() -> Response:
        """Prometheus text: requests, latency, caches, source outcomes, refusals."""
        return Response(service.metrics.exposition(), media_type=CONTENT_TYPE)


Handler = Callable[[Request], Awaitable[Response]]


def _guarded(service: _Service) -> Callable[[Request, Handler], Awaitable[Response]]:
    """The middleware: caller, key, rate limit and overall bound for /v1/; log and metrics."""

    async def middleware(request: Request, call_next: Handler) -> Response:
        started = time.perf_counter()
        headers = {k.lower(): v for k, v in request.headers.items()}
        caller = caller_of(service.config, request.client.host if request.client else None, headers)
        response = await _admitted(service, request, caller, call_next)
        elapsed = time.perf_counter() - started
        endpoint = request.url.path if request.url.path in _ENDPOINTS else "other"
        service.metrics.requests.labels(endpoint, str(response.status_code)).inc()
        service.metrics.latency.labels(endpoint).observe(elapsed)
        _log_access(request, response.status_code, elapsed, caller)
        return response

    return middleware


async def _admitted(
    service: _Service, request: Request, caller: Caller, call_next: Handler
) -> Response:
    if not request.url.path.startswith("/v1/"):
        return await call_next(request)
    if not caller.key_ok:
        return error(401, "api-key", "give a valid API key (X-API-Key or Authorization: Bearer)")
    decision: Decision = await service.limiter.hit(caller.id)
    if not decision.allowed:
        service.metrics.rate_limited.inc()
        return error(429, "rate-limited", "too many requests; retry later", decision.headers())
    if (problem := _query_problem(request.url.query)) is not None:
        return error(400, *problem)
    if not service.shedder.enter():
        service.metrics.shed.inc()
        return error(503, "busy", "the service is busy; retry later", {"Retry-After": "1"})
    try:
        response = await call_next(request)
    finally:
        service.shedder.leave()
    response.headers.update(decision.headers())
    return response


def _query_problem(raw: str) -> tuple[str, str] | None:
    """(code, message) when a query string is not one value per parameter of UTF-8 text.

    Starlette decodes bytes that are not UTF-8 to U+FFFD and keeps the last of repeated
    parameters: either would answer for another address than the one sent, so both are 400.
    """
    try:
        pairs = parse_qsl(raw, keep_blank_values=True, errors="strict", max_num_fields=32)
    except UnicodeDecodeError:
        return "invalid-parameter", "the query string is not UTF-8 (percent-encode UTF-8 bytes)"
    except ValueError:
        return "invalid-parameter", "too many parameters"
    seen: set[str] = set()
    for name, _ in pairs:
        if name in seen:
            code = "invalid-address" if name == "address" else "invalid-parameter"
            return code, f"{name}: given more than once; give it once"
        seen.add(name)
    return None


def _log_access(request: Request, status: int, elapsed: float, caller: Caller) -> None:
    """One JSON line per request; the local part of every address in it masked."""
    if not access_log.isEnabledFor(logging.INFO):
        return
    entry = {
        "time": datetime.now(UTC).isoformat(timespec="milliseconds"),
        "method": request.method,
        "path": request.url.path,
        "query": mask_addresses(request.url.query),
        "status": status,
        "ms": round(elapsed * 1000, 1),
        "caller": mask_addresses(caller.id),
    }
    access_log.info(json.dumps(entry, separators=(",", ":")))
