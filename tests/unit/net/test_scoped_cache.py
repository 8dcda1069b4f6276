"""Documents fetched under a CA file are shared only with processes trusting the same file."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import trustme

from autoconf.net.cache import ScopedCache
from autoconf.net.session import Network
from autoconf.options import Options


class DictCache:
    """A SharedCache in a dict (what Redis would hold), recording the keys it was asked for."""

    def __init__(self) -> None:
        self.data: dict[str, tuple[Any, float]] = {}

    async def get(self, key: str) -> tuple[Any, float] | None:
        return self.data.get(key)

    async def put(self, key: str, value: Any, ttl: float) -> None:
        self.data[key] = (value, ttl)

    async def claim(self, key: str, ttl: float) -> bool:
        return True

    async def release(self, key: str) -> None:
        return None


def ca_file(folder: Path, name: str) -> Path:
    path = folder / name
    trustme.CA().cert_pem.write_to_path(str(path))
    return path


async def test_a_ca_file_scopes_the_shared_cache_by_its_digest(tmp_path: Path):
    """Two sessions with the same CA file share keys; another CA file, other keys."""
    inner = DictCache()
    one, other = ca_file(tmp_path, "one.pem"), ca_file(tmp_path, "other.pem")
    same = tmp_path / "same.pem"
    same.write_bytes(one.read_bytes())
    networks = [Network(Options(ca_file=path), inner) for path in (one, same, other)]
    networks.append(Network(Options(), inner))
    shared = [network.shared for network in networks]
    assert all(isinstance(s, ScopedCache) for s in shared[:3])
    await shared[0].put("doc:https://x.example/", {"a": 1}, 60)  # type: ignore[union-attr]
    assert await shared[1].get("doc:https://x.example/") == ({"a": 1}, 60)  # type: ignore[union-attr]
    assert await shared[2].get("doc:https://x.example/") is None  # type: ignore[union-attr]
    assert all(key.startswith("doc:ca-") for key in inner.data)
    assert shared[3] is inner  # the system's trust store: not scoped
    for network in networks:
        await network.aclose()
