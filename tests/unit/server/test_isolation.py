"""The service's dependencies stay out of the library, the CLI and --offline."""

from __future__ import annotations

import json
import subprocess
import sys

SERVER_PACKAGES = ("fastapi", "starlette", "uvicorn", "prometheus_client", "limits", "redis")

PROBE = """
import io, json, sys
import autoconf
import autoconf.__main__
from autoconf.cli import main
main(["joe@gmail.com", "--offline", "--json"], stdout=io.StringIO(), stderr=io.StringIO())
loaded = sorted({name.split(".")[0] for name in sys.modules})
print(json.dumps(loaded))
"""


def test_import_the_cli_and_offline_load_none_of_the_servers_packages():
    """`import autoconf`, the CLI and an --offline look-up import no server dependency."""
    done = subprocess.run(
        [sys.executable, "-c", PROBE], capture_output=True, text=True, timeout=120, check=True
    )
    loaded = set(json.loads(done.stdout.splitlines()[-1]))
    assert "autoconf" in loaded
    assert not loaded & set(SERVER_PACKAGES), loaded & set(SERVER_PACKAGES)
    assert "autoconf.server" not in PROBE  # the probe never names the service itself


def test_serve_help_names_every_flag():
    """`python -m autoconf serve --help` lists the service's flags (and exits 0)."""
    done = subprocess.run(
        [sys.executable, "-m", "autoconf", "serve", "--help"],
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    for flag in (
        "--host",
        "--port",
        "--redis-url",
        "--nameserver",
        "--ca-file",
        "--ispdb-url",
        "--dnssec",
        "--trust-anchor",
        "--allow-private-addresses",
        "--allow-network",
        "--rate-limit",
        "--api-key-file",
        "--trusted-proxies",
        "--max-concurrent",
    ):
        assert flag in done.stdout
