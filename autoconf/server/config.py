"""What one service process is told: the library's options and the service's own bounds."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from pathlib import Path

from ..errors import OptionsError
from ..options import Options

__all__ = ["ServerConfig", "hash_key", "read_key_hashes"]


@dataclass(frozen=True, kw_only=True)
class ServerConfig:
    """The service's settings; ``options`` is the Session's (network flags, address policy)."""

    options: Options = field(
        default_factory=lambda: Options(block_private_addresses=True, max_per_host=8)
    )
    redis_url: str | None = None  # the rate limits' storage (and the shared cache) when given
    rate_limit: str = "60/minute"  # per caller (per API key when keys are required)
    api_key_hashes: frozenset[str] = frozenset()  # SHA-256 hex digests; empty: no key needed
    trusted_proxies: int = 0  # reverse proxies in front whose X-Forwarded-For is believed
    max_concurrent: int = 64  # requests in work at once; beyond it 503 with Retry-After
    max_per_domain: int = 4  # look-ups of one target domain at once (the rest wait)
    max_timeout: float = 10.0  # the largest ``timeout`` a caller may ask for, in seconds
    redis_timeout: float = 0.5  # seconds one call to Redis may take before it is given up

    def __post_init__(self) -> None:
        from limits import parse

        try:
            parse(self.rate_limit)
        except ValueError as exc:
            raise OptionsError(
                f"the rate limit must read like 60/minute, not {self.rate_limit!r}"
            ) from exc
        for name in ("trusted_proxies",):
            if getattr(self, name) < 0:
                raise OptionsError(f"{name} must be 0 or more")
        for name in ("max_concurrent", "max_per_domain"):
            if getattr(self, name) < 1:
                raise OptionsError(f"{name} must be at least 1")
        if not 0 < self.redis_timeout <= 5:
            raise OptionsError("the Redis timeout must be more than 0 and at most 5 seconds")
        if not 0 < self.max_timeout < 3600:
            raise OptionsError("the maximum timeout must be between 0 and 3600 seconds")


def hash_key(key: str) -> str:
    """The SHA-256 hex digest an API key is stored and compared as."""
    return hashlib.sha256(key.strip().encode()).hexdigest()


def read_key_hashes(path: Path) -> frozenset[str]:
    """The key hashes of ``path``: one SHA-256 hex digest a line; ``#`` starts a comment."""
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except (OSError, UnicodeDecodeError) as exc:
        raise OptionsError(f"cannot read the API key file {path}: {exc}") from exc
    hashes = set()
    for number, line in enumerate(lines, 1):
        text = line.split("#", 1)[0].strip().lower()
        if not text:
            continue
        if len(text) != 64 or any(c not in "0123456789abcdef" for c in text):
            raise OptionsError(
                f"{path} line {number}: not a SHA-256 hex digest (store hashes, never keys; "
                "make one with: printf %s KEY | sha256sum)"
            )
        hashes.add(text)
    if not hashes:
        raise OptionsError(f"the API key file {path} holds no key hash")
    return frozenset(hashes)
