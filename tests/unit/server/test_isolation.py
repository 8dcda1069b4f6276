"""The service's dependencies stay out of the library, the CLI and --offline."""

from __future__ import annotations

import json
import subprocess
import sys

SERVER_PACKAGES = ("fastapi", "starlette", "uvicorn", "prometheus_client", "limits", "redis")

# The library's own modules that need the server's packages.
SERVER_MODULES = ("autoconf.server", "autoconf.net.redis_cache")

PROBE = """
import io, json, sys
import autoconf
import autoconf.__main__
from autoconf.cli import main
main(["joe@gmail.com", "--offline", "--json"], stdout=io.StringIO(), stderr=io.StringIO())
print(json.dumps(sorted(sys.modules)))
"""

# `python -m autoconf ADDRESS --offline --json` as run from a shell (the entry point's own
# dispatch included), the modules it loaded printed at exit.
ENTRY = """
import atexit, json, runpy, sys
atexit.register(lambda: sys.__stderr__.write("\\n" + json.dumps(sorted(sys.modules)) + "\\n"))
sys.argv = ["autoconf", "joe@gmail.com", "--offline", "--json"]
runpy.run_module("autoconf", run_name="__main__", alter_sys=True)
"""


def _server_parts(modules: set[str]) -> set[str]:
    tops = {name.split(".")[0] for name in modules}
    ours = {m for m in modules for part in SERVER_MODULES if m == part or m.startswith(part + ".")}
    return (tops & set(SERVER_PACKAGES)) | ours


def test_import_the_cli_and_offline_load_none_of_the_servers_packages():
    """`import autoconf`, the CLI and an --offline look-up import no server dependency."""
    done = subprocess.run(
        [sys.executable, "-c", PROBE], capture_output=True, text=True, timeout=120, check=True
    )
    loaded = set(json.loads(done.stdout.splitlines()[-1]))
    assert "autoconf.cli" in loaded
    assert not _server_parts(loaded), _server_parts(loaded)


def test_python_m_autoconf_offline_loads_none_of_the_servers_packages():
    """The real entry point (``python -m autoconf ... --offline``) as well: the check is on
    the modules loaded when the process exits, whatever its exit status."""
    done = subprocess.run(
        [sys.executable, "-c", ENTRY], capture_output=True, text=True, timeout=120, check=False
    )
    assert '"incoming"' in done.stdout, done.stderr[-2000:]
    loaded = set(json.loads(done.stderr.strip().splitlines()[-1]))
    assert "autoconf.cli" in loaded
    assert not _server_parts(loaded), _server_parts(loaded)


def test_the_check_finds_a_server_module_when_one_is_loaded():
    """The guard above can fail: it sees the service's modules when they are there."""
    assert _server_parts({"autoconf", "fastapi.routing"}) == {"fastapi"}
    assert _server_parts({"autoconf.net.redis_cache"}) == {"autoconf.net.redis_cache"}


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
