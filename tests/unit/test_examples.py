"""The web framework examples of the docs (examples/) run, offline, and answer as documented."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from types import ModuleType

import httpx
import pytest

import autoconf

from .scripts import ROOT, load_script

OFFLINE = autoconf.Options(offline=True)


def _example(name: str) -> ModuleType:
    return load_script(ROOT / "examples" / f"{name}.py")


@asynccontextmanager
async def _fastapi_client() -> AsyncIterator[httpx.AsyncClient]:
    """A client of the FastAPI example, in this process, with the app's lifespan running."""
    app = _example("fastapi_app").create_app(OFFLINE)
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://wizard") as client:
            yield client


async def test_fastapi_settings_answers_the_result():
    """FastAPI /settings answers a DiscoveryResult; a bad address is a 422 with its kind."""
    async with _fastapi_client() as client:
        answer = await client.get("/settings", params={"address": "someone@gmail.com"})
        assert answer.status_code == 200
        result = autoconf.DiscoveryResult.model_validate(answer.json())
        assert result.incoming[0].host == "imap.gmail.com"
        bad = await client.get("/settings", params={"address": "no-at-sign"})
        assert bad.status_code == 422
        assert bad.json()["detail"]["error"] == "no-at"


async def test_fastapi_progress_streams_events_ending_with_the_result():
    """FastAPI /progress streams server-sent events: sources first, the result last."""
    async with _fastapi_client() as client:
        answer = await client.get("/progress", params={"address": "someone@gmail.com"})
    assert answer.status_code == 200
    assert answer.headers["content-type"].startswith("text/event-stream")
    blocks = [b for b in answer.text.split("\n\n") if b]
    names = [b.split("\n")[0].removeprefix("event: ") for b in blocks]
    assert names[0] == "SourceStarted"
    assert names[-1] == "DiscoveryFinished"
    last = json.loads(blocks[-1].split("\n", 1)[1].removeprefix("data: "))
    assert last["incoming"][0]["host"] == "imap.gmail.com"


@pytest.fixture(scope="module")
def django_app() -> ModuleType:
    """The Django example, configured offline (Django is configured once per process)."""
    module = _example("django_app")
    module.configure(AUTOCONF_OPTIONS=OFFLINE)
    return module


def test_django_view_answers_the_servers_to_fill_in(django_app: ModuleType):
    """Django /settings/ answers the best servers and the whole result; 400 for a bad address."""
    from django.test import Client

    client = Client()
    answer = client.get("/settings/", {"address": "someone@gmail.com"})
    assert answer.status_code == 200
    body = answer.json()
    assert body["incoming"]["host"] == "imap.gmail.com"
    assert body["outgoing"]["protocol"] == "smtp"
    assert autoconf.DiscoveryResult.model_validate(body["result"]).found
    bad = client.get("/settings/", {"address": "two@@example.com"})
    assert bad.status_code == 400
    assert bad.json()["error"] == "many-at"
