"""An account-setup wizard's back end with FastAPI: settings for an address, and live progress.

Run it with ``uvicorn examples.fastapi_app:app`` (uvicorn is not a dependency of the library),
then open ``/settings?address=someone@example.com`` or ``/progress?address=...``.

- One :class:`autoconf.Session` lives as long as the app: DNS answers and documents are
  shared between requests, and the session bounds how many discoveries run at once.
- ``/settings`` answers the whole :class:`autoconf.DiscoveryResult` (the JSON contract that
  ``python -m autoconf --json`` prints); a bad address is a 422 with the reason's code.
- ``/progress`` streams the discovery's events as server-sent events, for a progress bar,
  and ends with the result.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI, HTTPException
from fastapi.responses import StreamingResponse

import autoconf


def create_app(options: autoconf.Options | None = None) -> FastAPI:
    """The app; ``options`` are the session's (e.g. ``Options(offline=True)`` in tests)."""
    state: dict[str, autoconf.Session] = {}

    @asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        async with autoconf.Session(options) as session:
            state["session"] = session
            yield

    app = FastAPI(title="Mail settings", lifespan=lifespan)

    @app.get("/settings")
    async def settings(address: str) -> autoconf.DiscoveryResult:
        """The settings for ``address``, ranked, with where each came from."""
        try:
            return await state["session"].discover(address)
        except autoconf.InvalidAddress as exc:
            raise HTTPException(422, {"error": exc.kind.value, "message": exc.reason}) from exc

    @app.get("/progress")
    async def progress(address: str) -> StreamingResponse:
        """The discovery of ``address`` as server-sent events, one per step."""
        try:
            autoconf.parse_address(address)
        except autoconf.InvalidAddress as exc:
            raise HTTPException(422, {"error": exc.kind.value, "message": exc.reason}) from exc
        events = state["session"].discover_events(address)
        return StreamingResponse(_server_sent(events), media_type="text/event-stream")

    return app


async def _server_sent(events: AsyncIterator[autoconf.DiscoveryEvent]) -> AsyncIterator[str]:
    """Each event as one ``event:``/``data:`` block a browser's EventSource can read."""
    async for event in events:
        yield f"event: {type(event).__name__}\ndata: {json.dumps(_data(event))}\n\n"


def _data(event: autoconf.DiscoveryEvent) -> dict[str, object]:
    """What a progress UI shows for one event."""
    if isinstance(event, autoconf.SourceStarted):
        return {"source": event.source.value}
    if isinstance(event, autoconf.SourceFinished):
        return {"source": event.source.value, "status": event.status.value}
    if isinstance(event, autoconf.CandidateFound):
        return {"source": event.source.value, "host": event.server.host}
    if isinstance(event, autoconf.ProbeStarted | autoconf.ProbeFinished):
        server, check = event.server, event.server.verification
        return {"host": server.host, "port": server.port, "ok": check.ok if check else None}
    return event.result.model_dump(mode="json")  # DiscoveryFinished: the last event


app = create_app()
