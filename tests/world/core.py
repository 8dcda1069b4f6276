"""Bring the whole world up and down: state folder, certificates, configurations, daemons."""

from __future__ import annotations

import dataclasses
import json
import os
import shutil
import socket
import stat
import sys
import tempfile
import time
import types
from collections.abc import Mapping
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from tests.world import automua, automx2, dns, dovecot, nginx, postfix, unbound
from tests.world.certs import write_certs
from tests.world.guard import no_system_resolver
from tests.world.ports import holder
from tests.world.process import Daemon, WorldError, spawn, stop_all, tcp_open, wait_listening
from tests.world.scenarios import PASSWORD, USER, AddressPlan, Content, Scenario, build

HOSTILE_SCRIPT = Path(__file__).with_name("hostile.py")
# What the gzip bomb inflates to (two gzip layers of zeros; built on its first request).
BOMB_BYTES = 128 * 1024 * 1024
REQUIRED_BINARIES = {
    "knot": dns.KNOTD,
    "unbound": unbound.UNBOUND,
    "dovecot-imapd/dovecot-pop3d": dovecot.DOVECOT,
    "postfix": postfix.MASTER,
    "nginx-light": nginx.NGINX,
    # The real mail clients the export tests sign in with (issue 14).
    "msmtp": "/usr/bin/msmtp",
    "isync": "/usr/bin/mbsync",
    "getmail6": "/usr/bin/getmail",
    "neomutt": "/usr/bin/neomutt",
}


def missing_dependencies() -> list[str]:
    """Debian packages (and the automx2 and automua venvs) the world needs but this lacks."""
    missing = [pkg for pkg, path in REQUIRED_BINARIES.items() if not os.access(path, os.X_OK)]
    for name, server in (("automx2", automx2), ("automua", automua)):
        if not server.available():
            missing.append(f"{name} venv ({server.venv_python().parent.parent})")
    return missing


@dataclasses.dataclass(frozen=True)
class WorldInfo:
    """What a test (or a person) needs to use a running world. Frozen."""

    nameserver: tuple[str, int]
    ca_file: Path
    ispdb_url: str
    user: str
    password: str
    scenarios: Mapping[str, Scenario]
    domains: Mapping[str, str]
    hosts: Mapping[str, str]
    zones: tuple[str, ...]
    state_dir: Path
    pids: Mapping[str, int]
    # Hostile endpoints by name ("gzip-bomb-https", "endless-capabilities-imap", ...).
    hostile: Mapping[str, tuple[str, int]] = dataclasses.field(
        default_factory=lambda: types.MappingProxyType({})
    )
    # DNSSEC (issue 23): the world root's DS in zone-file form (Options.trust_anchors,
    # --trust-anchor), and Unbound, the validating resolver that forwards to `nameserver`.
    trust_anchor: Path | None = None
    resolver: tuple[str, int] | None = None

    def address(self, scenario: str) -> str:
        """The world user's address in a scenario's domain."""
        return self.scenarios[scenario].address

    def cli_example(self, scenario: str = "autoconfig") -> str:
        """A command line that runs the library's CLI against this world."""
        host, port = self.nameserver
        return (
            f"python -m autoconf {self.address(scenario)} --nameserver {host}:{port} "
            f"--ca-file {self.ca_file} --ispdb-url {self.ispdb_url}"
        )


def _free_port(ip: str, avoid: int | None = None) -> int:
    """A port free for both UDP and TCP on `ip` (the nameserver needs both), not `avoid`."""
    for _ in range(50):
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as udp:
            udp.bind((ip, 0))
            port = int(udp.getsockname()[1])
            if port == avoid:
                continue
            with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as tcp:
                try:
                    tcp.bind((ip, port))
                except OSError:
                    continue
                return port
    raise WorldError(f"no free UDP+TCP port on {ip}")


def _make_state_dir() -> Path:
    """A short, world-traversable folder (daemons drop privileges; sockets need short paths)."""
    base = Path(tempfile.gettempdir())
    for parent in [base, *base.parents]:
        mode = parent.stat().st_mode
        if not mode & stat.S_IXOTH:
            raise WorldError(f"{parent} is not world-traversable; daemons could not reach state")
    state = Path(tempfile.mkdtemp(prefix="maw-", dir=base))
    state.chmod(0o755)
    return state


class World:
    """A running (or stopped) instance of the test world. Use `up()`/`down()` or `with`."""

    def __init__(self, net: int = 0, dns_port: int | None = None) -> None:
        self.net = net
        self.dns_port = dns_port
        self.daemons: list[Daemon] = []
        self.stopped: list[Daemon] = []
        self.state: Path | None = None
        self.content: Content | None = None
        self.info: WorldInfo | None = None
        self.up_seconds = 0.0
        self.down_seconds = 0.0

    def __enter__(self) -> WorldInfo:
        return self.up()

    def __exit__(self, *exc: object) -> None:
        self.down()

    def up(self) -> WorldInfo:
        """Start every server; raise WorldError (after cleaning up) if any fails."""
        started = time.monotonic()
        missing = missing_dependencies()
        if missing:
            raise WorldError(
                "missing: " + ", ".join(missing) + " (run scripts/install-world-deps as root)"
            )
        try:
            with no_system_resolver():
                self.info = self._start()
        except BaseException:
            self.down()
            raise
        self.up_seconds = time.monotonic() - started
        return self.info

    def _start(self) -> WorldInfo:
        port = self.dns_port or _free_port("127.0.0.1")
        plan = AddressPlan(net=self.net, dns_port=port)
        content = self.content = build(plan)
        self._refuse_taken_ports(content)
        state = self.state = _make_state_dir()
        ca_file, certs = write_certs(content, state / "certs")

        knot_conf, anchor = dns.render(content, state, certs)
        resolver = (plan.dns, _free_port(plan.dns, avoid=port))
        unbound_conf = unbound.render(state, resolver, (plan.dns, plan.dns_port), anchor)
        dovecot_conf = dovecot.render(content, state, certs)
        nginx_conf = nginx.render(content, state, certs)
        postfix_dir = postfix.render(content, state, certs)
        automx2_conf = automx2.render(content, state)
        automua_conf = automua.render(content, state)
        hostile_spec = self._render_hostile(
            content, state, certs["endless"].cert, certs["endless"].key
        )

        # The two Flask apps take longest to import: start them first.
        self.daemons.append(automx2.start(automx2_conf, content))
        self.daemons.append(automua.start(automua_conf, content))
        self.daemons.append(dns.start(knot_conf, state))
        # Unbound asks Knot nothing until a test asks it something (tests/world/unbound.py).
        self.daemons.append(unbound.start(unbound_conf, resolver))
        self.daemons.append(dovecot.start(dovecot_conf, content))
        self.daemons.append(nginx.start(nginx_conf, content))
        self.daemons.append(self._start_hostile(content, hostile_spec, state))
        self.daemons.append(postfix.start(postfix_dir, content))
        wait_listening(self.daemons)
        # Seeding the two Flask apps and the nameserver's first answer overlap.
        with ThreadPoolExecutor(max_workers=2) as pool:
            seeds = [pool.submit(automx2.seed, content), pool.submit(automua.seed, content)]
            dns.wait_answering(
                plan.dns, plan.dns_port, [".", "test", *(z.origin for z in content.zones)]
            )
            for seeded in seeds:
                seeded.result()

        return WorldInfo(
            nameserver=(plan.dns, plan.dns_port),
            ca_file=ca_file,
            ispdb_url=f"https://{content.ispdb_host}/v1.1/",
            user=USER,
            password=PASSWORD,
            scenarios=content.scenarios,
            domains=types.MappingProxyType({n: s.domain for n, s in content.scenarios.items()}),
            hosts=content.hosts,
            zones=tuple(z.origin for z in content.zones),
            state_dir=state,
            pids=types.MappingProxyType({d.name: d.pid for d in self.daemons}),
            hostile=types.MappingProxyType(self.hostile_addresses(content)),
            trust_anchor=anchor,
            resolver=resolver,
        )

    def _refuse_taken_ports(self, content: Content) -> None:
        """Refuse to start, in one sentence naming the port and its holder, if one is taken.

        Never touches the holder: the world stops only processes it started itself."""
        p = content.plan
        hostile = [ep for group in self._hostile_endpoints(content).values() for ep in group]
        probes = [(ip, port) for ip in dovecot.addresses(content) for port in dovecot.PORTS]
        probes += [(ip, port) for ip, _ in postfix.addresses(content) for port in postfix.PORTS]
        probes += [*nginx.endpoints(content), *hostile]
        probes += [(p.automx2, p.automx2_port), (p.automua, p.automua_port)]
        taken = [(ip, port) for ip, port in dict.fromkeys(probes) if tcp_open(ip, port)]
        if taken:
            ip, port = taken[0]
            more = f", and {len(taken) - 1} more of its ports are taken" if len(taken) > 1 else ""
            raise WorldError(
                f"the test world on net {p.net} cannot start: {ip}:{port} is taken by "
                f"{holder(ip, port)}{more}"
            )

    @staticmethod
    def _hostile_endpoints(content: Content) -> dict[str, list[tuple[str, int]]]:
        """The hostile servers' endpoints, by kind (see tests/world/hostile.py)."""
        p = content.plan
        return {
            "silent": [(p.silent, port) for port in (993, 143, 995, 110, 465, 587, 25, 443, 80)],
            "endless": [(p.endless, port) for port in (993, 143, 995, 110, 465, 587, 25)],
            "gzip_bomb": [(p.endless, 443), (p.endless, 80)],
            "capabilities": [(p.capabilities, 143), (p.capabilities, 993)],
            "slow": [(p.slow, 143)],
            "echo": [(p.capabilities, 995), (p.capabilities, 465)],
        }

    @staticmethod
    def hostile_addresses(content: Content) -> dict[str, tuple[str, int]]:
        """Named hostile endpoints for tests: where each misbehaviour can be met directly."""
        p = content.plan
        return {
            "gzip-bomb-https": (p.endless, 443),
            "gzip-bomb-http": (p.endless, 80),
            "endless-capabilities-imap": (p.capabilities, 143),
            "endless-capabilities-imaps": (p.capabilities, 993),
            "endless-line-imap": (p.endless, 143),
            "silent-imaps": (p.silent, 993),
            "slow-imap": (p.slow, 143),
            "dropped-https": (p.dropped, 443),
            "echo-pop3s": (p.capabilities, 995),
            "echo-smtps": (p.capabilities, 465),
        }

    def _render_hostile(self, content: Content, state: Path, cert: Path, key: Path) -> Path:
        spec = state / "hostile.json"
        spec.write_text(
            json.dumps(
                {
                    "cert": str(cert),
                    "key": str(key),
                    **self._hostile_endpoints(content),
                    "tls_ports": [993, 995, 465],
                    # Not in the endpoints waited for: a connection to them never completes.
                    "dropped": [(content.plan.dropped, port) for port in (443, 993)],
                    "bomb_bytes": BOMB_BYTES,
                }
            )
        )
        return spec

    def _start_hostile(self, content: Content, spec: Path, state: Path) -> Daemon:
        endpoints = [ep for group in self._hostile_endpoints(content).values() for ep in group]
        argv = [sys.executable, "-I", str(HOSTILE_SCRIPT), str(spec)]
        return spawn("hostile", argv, state / "hostile.log", endpoints)

    def down(self) -> list[str]:
        """Stop every daemon by PID and remove the state folder; return any problems."""
        started = time.monotonic()
        problems = stop_all(self.daemons)
        self.stopped, self.daemons = self.daemons, []
        if self.state is not None:
            shutil.rmtree(self.state, ignore_errors=True)
            self.state = None
        self.down_seconds = time.monotonic() - started
        return problems

    def endpoints(self) -> list[tuple[str, int]]:
        """Every TCP endpoint the world listens (or, after `down`, listened) on."""
        return [ep for d in self.daemons or self.stopped for ep in d.endpoints]
