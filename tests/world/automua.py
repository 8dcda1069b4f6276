"""automua 2023.0 (GPL, test-only; a fork of automx2) in its own venv, behind nginx.

The venv lives outside the project (`scripts/install-world-deps` creates it, with the waitress
WSGI server); the library never depends on automua. The harness serves automua's app factory
with waitress on 127.0.N.15, then seeds its SQLite database through its own /initdb/ endpoint.
automua speaks plain HTTP only; nginx in front gives it HTTPS with the world's certificate.
"""

from __future__ import annotations

from pathlib import Path

from tests.world.automx2 import cache_dir, post_initdb, write_conf
from tests.world.process import Daemon, spawn
from tests.world.scenarios import Content

APP = "automua.server:create_app"


def venv_python() -> Path:
    return cache_dir() / "automua-venv" / "bin" / "python"


def available() -> bool:
    """True if the automua venv exists (whether automua imports is checked at start)."""
    return venv_python().exists()


def render(content: Content, state: Path) -> Path:
    """Write automua.conf (SQLite database in the state folder); return its path.

    The database must be a file: automua's default, an in-memory SQLite, is per connection."""
    return write_conf("automua", state)


def start(conf: Path, content: Content) -> Daemon:
    """Serve automua's app factory with waitress (one process, a few threads)."""
    p = content.plan
    env = {
        "PATH": "/usr/bin:/bin",
        "HOME": str(conf.parent),
        "AUTOMUA_CONF": str(conf),
        "PYTHONDONTWRITEBYTECODE": "1",
    }
    argv = [
        str(venv_python()), "-m", "waitress", f"--listen={p.automua}:{p.automua_port}",
        "--threads=4", "--call", APP,
    ]  # fmt: skip
    return spawn(
        "automua", argv, conf.parent / "automua.log", [(p.automua, p.automua_port)], env=env
    )


def seed(content: Content, timeout: float = 5.0) -> None:
    """POST the scenario's provider, domain and servers to automua's /initdb/."""
    p = content.plan
    post_initdb("automua", (p.automua, p.automua_port), content.automua_seed, timeout)
