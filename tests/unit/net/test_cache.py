"""The TTL cache hands remembered errors back with their type and structured fields, and
every cache stays within its caps (entries, weight) whatever it is fed."""

from __future__ import annotations

import asyncio

import pytest

from autoconf import (
    DeadlineExceeded,
    FetchError,
)
from autoconf.errors import FetchFailure, HostNotFound
from autoconf.net.cache import RecentDict, SharedAnswers, TTLCache


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


async def test_a_full_cache_forgets_the_least_recently_used_first():
    """At its cap the cache drops the entry asked least recently, never grows past it."""
    cache = TTLCache(max_entries=3)

    async def value_of(key: str) -> str:
        async def fetch() -> tuple[str, float]:
            return f"v-{key}", 600.0

        return await cache.get_or_fetch(key, fetch)

    for key in ("a", "b", "c"):
        await value_of(key)
    await value_of("a")  # a is now the most recently used; b the least
    for i in range(50):
        await value_of(f"new-{i}")
        assert len(cache) <= 3
    misses = cache.misses
    await value_of("new-49")
    assert cache.misses == misses  # the most recent are kept
    await value_of("b")
    assert cache.misses == misses + 1  # long gone


async def test_weighed_entries_stay_within_the_weight_cap():
    """With ``weigh``, the values' weight together never passes ``max_weight``; a value heavier
    than the whole cache is handed back but not kept."""
    cache = TTLCache(max_entries=100, max_weight=1000, weigh=len)

    async def store(key: str, size: int) -> bytes:
        async def fetch() -> tuple[bytes, float]:
            return b"x" * size, 600.0

        return await cache.get_or_fetch(key, fetch)

    for i in range(30):
        await store(f"doc-{i}", 300)
        assert cache.weight <= 1000
    assert len(cache) == 3
    assert await store("huge", 5000) == b"x" * 5000
    assert len(cache) == 3
    assert cache.weight == 900


async def test_expired_entries_are_swept_without_being_asked_again(
    monkeypatch: pytest.MonkeyPatch,
):
    """Entries past their time leave at the next sweep even if nobody asks for them again."""
    from autoconf.net import cache as cache_module

    now = [1000.0]
    monkeypatch.setattr(cache_module.time, "monotonic", lambda: now[0])
    cache = TTLCache(max_entries=100)

    async def store(key: str, ttl: float) -> None:
        async def fetch() -> tuple[str, float]:
            return key, ttl

        await cache.get_or_fetch(key, fetch)

    for i in range(20):
        await store(f"short-{i}", 5.0)
    assert len(cache) == 20
    now[0] += cache_module.SWEEP_S + 1
    await store("late", 600.0)
    assert len(cache) == 1


def test_shared_answers_and_recent_dicts_are_bounded():
    """The process's answers and a Session's per-name memories keep at most their cap."""
    answers = SharedAnswers(max_entries=5)
    recent: RecentDict[str, int] = RecentDict(5)
    for i in range(40):
        answers.put(("scope", f"name-{i}", "A"), [i], 600.0)
        recent[f"name-{i}"] = i
        assert len(answers) <= 5
        assert len(recent) <= 5
    assert answers.get(("scope", "name-39", "A")) == (True, [39])
    assert answers.get(("scope", "name-0", "A")) == (False, None)
    assert list(recent) == [f"name-{i}" for i in range(35, 40)]
