"""automx2 (GPL, test-only) in its own venv, behind nginx for the `automx2` scenario.

The venv lives outside the project (`scripts/install-world-deps` creates it); the library
never depends on automx2. The harness starts Flask's server on a 127.0.N.13 port, then seeds
automx2's SQLite database through its own /initdb/ endpoint.
"""

from __future__ import annotations

import json
import os
import time
import urllib.request
from collections.abc import Mapping
from pathlib import Path

from tests.world.process import Daemon, WorldError, spawn
from tests.world.scenarios import Content


def cache_dir() -> Path:
    """Where install-world-deps keeps the automx2 venv."""
    base = os.environ.get("MAIL_AUTOCONF_WORLD_CACHE")
    if base:
        return Path(base)
    return Path.home() / ".cache" / "mail-autoconf-world"


def venv_python() -> Path:
    return cache_dir() / "automx2-venv" / "bin" / "python"


def available() -> bool:
    """True if the automx2 venv exists (whether automx2 imports is checked at start)."""
    return venv_python().exists()


def render(content: Content, state: Path) -> Path:
    """Write automx2.conf (SQLite database in the state folder); return its path."""
    return write_conf("automx2", state)


def write_conf(app: str, state: Path) -> Path:
    """STATE/APP/APP.conf for automx2 or automua (they read the same keys): a SQLite file
    database in that folder (an in-memory one would be per connection), behind one proxy."""
    folder = state / app
    folder.mkdir(mode=0o755)
    conf = folder / f"{app}.conf"
    conf.write_text(
        f"[{app}]\n"
        "loglevel = WARNING\n"
        "db_echo = no\n"
        f"db_uri = sqlite:///{folder}/{app}.db\n"
        "proxy_count = 1\n"
    )
    return conf


def start(conf: Path, content: Content) -> Daemon:
    """Start automx2 under Flask's development server (single process, no reloader)."""
    p = content.plan
    env = {
        "PATH": "/usr/bin:/bin",
        "HOME": str(conf.parent),
        "AUTOMX2_CONF": str(conf),
        "PYTHONDONTWRITEBYTECODE": "1",
    }
    argv = [
        str(venv_python()), "-m", "flask", "--app", "automx2.server", "run",
        "--host", p.automx2, "--port", str(p.automx2_port), "--no-reload", "--no-debugger",
    ]  # fmt: skip
    return spawn(
        "automx2", argv, conf.parent / "automx2.log", [(p.automx2, p.automx2_port)], env=env
    )


def seed(content: Content, timeout: float = 5.0) -> None:
    """POST the scenario's provider, domain and servers to automx2's /initdb/."""
    p = content.plan
    post_initdb("automx2", (p.automx2, p.automx2_port), content.automx2_seed, timeout)


def post_initdb(
    name: str, endpoint: tuple[str, int], data: Mapping[str, object], timeout: float
) -> None:
    """POST `data` as JSON to an automx2-style /initdb/ until it says the database is ready.

    Shared with automua (a fork of automx2), whose endpoint answers the same sentences."""
    url = f"http://{endpoint[0]}:{endpoint[1]}/initdb/"
    body = json.dumps(dict(data)).encode()
    request = urllib.request.Request(
        url, data=body, method="POST", headers={"Content-Type": "application/json"}
    )
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
    deadline = time.monotonic() + timeout
    while True:
        try:
            with opener.open(request, timeout=2) as answer:
                text = answer.read().decode(errors="replace")
            if "prepared" in text or "already" in text:
                return
            raise WorldError(f"{name} /initdb/ answered: {text[:200]}")
        except OSError as exc:
            if time.monotonic() > deadline:
                raise WorldError(f"{name} could not be seeded: {exc}") from exc
            time.sleep(0.05)
