"""The comparison's surroundings: the peers' virtual environment and a private network.

- `ensure_peers_venv()` keeps the peer tools in `benchmarks/.peers/venv` (git-ignored, kept
  for reuse, never a dependency of the library), installing them from PyPI when missing.
- `reexec_in_namespace()` runs this benchmark again inside
  `unshare --net --mount --pid --fork --kill-child --mount-proc`: a network namespace with
  only a loopback interface, a private mount table and a PID namespace, so that every
  process started inside ends when the benchmark does, and nothing it mounts is seen outside.
- Inside, `private_network()` brings `lo` up and bind-mounts a `resolv.conf` that names
  127.0.0.1 over `/etc/resolv.conf`, and `world_on_port_53()` starts the test world with its
  nameserver on 127.0.0.1:53, so tools that read the system resolver configuration find the
  world's DNS and nothing else.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Iterator, Sequence
from pathlib import Path

from _world import ROOT

from tests.world import World, WorldInfo, missing_dependencies

NS_MARKER = "MAIL_AUTOCONF_BENCH_NAMESPACE"
PEERS_DIR = ROOT / "benchmarks" / ".peers"
PEERS_VENV = PEERS_DIR / "venv"
PEERS_PYTHON = PEERS_VENV / "bin" / "python"
# Pinned, so a rerun measures the same code. Installed only here, only ever run.
PEER_PACKAGES = {"myl-discovery": "0.6.4", "maildiscover": "0.1.0"}
PEER_MODULES = {"myl-discovery": "myldiscovery", "maildiscover": "maildiscover"}
UNSHARE = [
    "unshare",
    "--net",
    "--mount",
    "--pid",
    "--fork",
    "--kill-child",
    "--mount-proc",
]


def _peers_importable() -> bool:
    if not PEERS_PYTHON.exists():
        return False
    check = "import " + ", ".join(PEER_MODULES.values())
    done = subprocess.run(
        [str(PEERS_PYTHON), "-c", check], capture_output=True, timeout=60, check=False
    )
    return done.returncode == 0


def ensure_peers_venv(timeout_s: float = 300.0) -> str | None:
    """Make sure the peers are installed; return None when ready, else what went wrong."""
    if _peers_importable():
        return None
    base = getattr(sys, "_base_executable", None) or sys.executable
    pins = [f"{name}=={version}" for name, version in PEER_PACKAGES.items()]
    steps = [
        [base, "-m", "venv", str(PEERS_VENV)],
        [str(PEERS_PYTHON), "-m", "pip", "install", "-q", "--disable-pip-version-check", *pins],
    ]
    for argv in steps:
        try:
            done = subprocess.run(argv, capture_output=True, timeout=timeout_s, check=False)
        except (OSError, subprocess.TimeoutExpired) as exc:
            return f"{' '.join(argv[:4])}: {exc}"
        if done.returncode != 0:
            tail = (done.stdout + done.stderr).decode(errors="replace").strip()[-400:]
            return f"{' '.join(argv[:4])} failed (exit {done.returncode}): {tail}"
    return None if _peers_importable() else "peer packages installed but not importable"


def peer_versions() -> dict[str, str]:
    """Installed version of each peer (as its package metadata says)."""
    code = (
        "import importlib.metadata as m, json, sys; "
        "print(json.dumps({n: m.version(n) for n in sys.argv[1:]}))"
    )
    done = subprocess.run(
        [str(PEERS_PYTHON), "-c", code, *PEER_PACKAGES],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    if done.returncode != 0:
        return {}
    return dict(json.loads(done.stdout))


def in_namespace() -> bool:
    return os.environ.get(NS_MARKER) == "1"


def namespace_problem() -> str | None:
    """None if `unshare` can make the namespaces here, else why not."""
    if shutil.which("unshare") is None:
        return "unshare (util-linux) is not installed"
    if shutil.which("ip") is None:
        return "ip (iproute2) is not installed: apt-get install -y iproute2"
    try:
        done = subprocess.run(
            [*UNSHARE, "true"], capture_output=True, text=True, timeout=30, check=False
        )
    except (OSError, subprocess.TimeoutExpired) as exc:
        return f"unshare failed: {exc}"
    if done.returncode != 0:
        return f"unshare failed (exit {done.returncode}): {done.stderr.strip()[:300]}"
    return None


def reexec_in_namespace(script: Path, args: Sequence[str], timeout_s: float) -> int:
    """Run `script args` again inside fresh namespaces; stdout and stderr pass through."""
    env = dict(os.environ, **{NS_MARKER: "1"})
    try:
        done = subprocess.run(
            [*UNSHARE, sys.executable, str(script), *args],
            env=env,
            cwd=ROOT,
            stdin=subprocess.DEVNULL,
            timeout=timeout_s,
            check=False,
        )
    except subprocess.TimeoutExpired:
        # unshare --kill-child takes the whole PID namespace down with it.
        print(f"peers: the comparison ran past {timeout_s:.0f} s and was stopped", file=sys.stderr)
        return 124
    return done.returncode


@contextlib.contextmanager
def private_network() -> Iterator[None]:
    """Inside the namespaces: loopback up, /etc/resolv.conf naming 127.0.0.1 only."""
    if not in_namespace():
        raise RuntimeError("private_network() outside the benchmark's namespaces")
    subprocess.run(["ip", "link", "set", "lo", "up"], check=True, timeout=10)
    with tempfile.TemporaryDirectory(prefix="maw-resolv-") as tmp:
        conf = Path(tmp) / "resolv.conf"
        conf.write_text("nameserver 127.0.0.1\noptions timeout:2 attempts:1\n")
        subprocess.run(["mount", "--bind", str(conf), "/etc/resolv.conf"], check=True, timeout=10)
        try:
            yield
        finally:
            subprocess.run(["umount", "/etc/resolv.conf"], check=False, timeout=10)


@contextlib.contextmanager
def world_on_port_53(net: int) -> Iterator[tuple[WorldInfo, World]]:
    """The test world on 127.0.<net>.x with its nameserver on 127.0.0.1:53."""
    missing = missing_dependencies()
    if missing:
        raise SystemExit(
            f"the test world needs {', '.join(missing)}: run bash scripts/install-world-deps"
        )
    world = World(net=net, dns_port=53)
    info = world.up()
    try:
        yield info, world
    finally:
        world.down()
