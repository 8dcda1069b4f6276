"""The TTL cache hands remembered errors back with their type and structured fields."""

from __future__ import annotations

import asyncio

import pytest

from autoconf import (
    DeadlineExceeded,
    FetchError,
)
from autoconf.errors import FetchFailure, HostNotFound
from autoconf.net.cache import TTLCache


@pytest.mark.parametrize(
    "error",
    [
        FetchError("HTTP 503 from x", kind=FetchFailure.HTTP_STATUS, status=503, url="https://x/"),
        HostNotFound("x does not exist", host="x.example"),
    ],
)
async def test_a_remembered_error_keeps_its_kind_and_status(error: Exception):
    """The second asker gets the same error type with kind/status/url, not a RuntimeError."""
    cache = TTLCache()

    async def fail() -> tuple[object, float]:
        raise error

    for _ in range(2):
        with pytest.raises(type(error)) as caught:
            await cache.get_or_fetch("key", fail)
        assert vars(caught.value) == vars(error)
        assert str(caught.value) == str(error)
    assert caught.value is not error  # a clean copy, without the first traceback


async def test_cache_shares_one_fetch_between_concurrent_askers():
    """Two concurrent askers of one key cause one fetch; later askers hit the cache."""
    cache = TTLCache()
    calls = 0

    async def fetch() -> tuple[str, float]:
        nonlocal calls
        calls += 1
        await asyncio.sleep(0.01)
        return "value", 60.0

    results = await asyncio.gather(*(cache.get_or_fetch("k", fetch) for _ in range(5)))
    assert results == ["value"] * 5
    assert await cache.get_or_fetch("k", fetch) == "value"
    assert calls == 1
    assert cache.hits == 5


async def test_cache_remembers_failures_briefly_but_not_timeouts():
    """A failure is reused for the negative TTL; a timeout is retried next time."""
    cache = TTLCache(negative_ttl=60)
    calls = 0

    async def broken() -> tuple[str, float]:
        nonlocal calls
        calls += 1
        raise FetchError("HTTP 500", kind=FetchFailure.HTTP_STATUS, status=500)

    for _ in range(2):
        with pytest.raises(FetchError):
            await cache.get_or_fetch("b", broken)
    assert calls == 1

    async def slow() -> tuple[str, float]:
        nonlocal calls
        calls += 1
        raise DeadlineExceeded("slow")

    for _ in range(2):
        with pytest.raises(DeadlineExceeded):
            await cache.get_or_fetch("t", slow)
    assert calls == 3


async def test_a_cancelled_starter_does_not_cancel_other_waiters():
    """When the first asker is cancelled, another asker of the same key fetches itself."""
    cache = TTLCache()
    calls = 0
    release = asyncio.Event()  # the order of events is the test's, never the clock's

    async def fetch() -> tuple[str, float]:
        nonlocal calls
        calls += 1
        await release.wait()
        return "value", 60.0

    starter = asyncio.create_task(cache.get_or_fetch("k", fetch))
    await asyncio.sleep(0)  # the starter begins its fetch ...
    waiter = asyncio.create_task(cache.get_or_fetch("k", fetch))
    await asyncio.sleep(0)  # ... and the waiter waits for it
    assert calls == 1
    starter.cancel()
    release.set()
    assert await waiter == "value"
    assert calls == 2
    with pytest.raises(asyncio.CancelledError):
        await starter


async def test_remembered_errors_keep_no_traceback():
    """A negatively cached error is stored without the frames that raised it."""
    cache = TTLCache()

    async def broken() -> tuple[str, float]:
        try:
            raise OSError("inner")
        except OSError:
            raise FetchError("HTTP 500", kind=FetchFailure.HTTP_STATUS, status=500) from None

    with pytest.raises(FetchError):
        await cache.get_or_fetch("b", broken)
    with pytest.raises(FetchError) as again:
        await cache.get_or_fetch("b", broken)
    assert again.value.__context__ is None
