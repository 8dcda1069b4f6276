"""The TTL cache hands remembered errors back with their type and structured fields."""

from __future__ import annotations

import pytest

from autoconf.errors import FetchError, FetchFailure, HostNotFound
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
