"""How the library and its CLI are pointed at a running world (hermetic: DNS and CA)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from autoconf import DnssecMode, Options, SourceName
from tests.world.core import WorldInfo

WITHOUT_GUESS = frozenset(SourceName) - {SourceName.GUESS}
NO_GUESS_ARG = ",".join(sorted(s.value for s in WITHOUT_GUESS))  # for --sources

# Scenarios whose settings are published somewhere a non-guessing discovery finds them fast,
# and scenarios where it finds nothing (the silent ones are left out: they cost phase limits).
PUBLISHED = (
    "autoconfig",
    "well-known",
    "srv",
    "mx-hosting",
    "ispdb",
    "autodiscover",
    "http-only",
    "disagree",
    "idn",
    "http-redirect",
    "automx2",
    "automua",
    "wrong-name",
    "expired",
    "endless-line",
)
UNPUBLISHED = ("html-page", "redirect-loop", "guess", "broken-xml")


def library_options(world: WorldInfo, **extra: Any) -> Options:
    """Options that send every DNS query to the world and trust only its CA."""
    settings: dict[str, Any] = {
        "nameservers": (world.nameserver,),
        "ca_file": Path(world.ca_file),
        "ispdb_url": world.ispdb_url,
        # The world has its own root (tests/world/dnssec.py): whatever judges DNSSEC (the
        # check's zone status even with DNSSEC off) must start from its key, not IANA's.
        "trust_anchors": world.trust_anchor,
    }
    settings.update(extra)
    return Options(**settings)


def cli_args(world: WorldInfo, address: str, *extra: str) -> list[str]:
    """The CLI arguments that do the same as :func:`library_options`, then ``extra``."""
    return [address, *network_flags(world), *extra]


def network_flags(world: WorldInfo) -> list[str]:
    """The flags (of the CLI and of ``serve``) that point at the world: its nameserver, its CA
    and its ISPDB."""
    host, port = world.nameserver
    return [
        "--nameserver",
        f"{host}:{port}",
        "--ca-file",
        str(world.ca_file),
        "--ispdb-url",
        world.ispdb_url,
    ]


def dnssec_options(world: WorldInfo, mode: DnssecMode, **extra: Any) -> Options:
    """The world's options with DNSSEC on in `mode` (resolver: through Unbound)."""
    if mode is DnssecMode.VALIDATE:
        return library_options(world, dnssec=mode, trust_anchors=world.trust_anchor, **extra)
    assert world.resolver is not None
    return library_options(world, dnssec=mode, nameservers=(world.resolver,), **extra)


def dnssec_args(world: WorldInfo, mode: DnssecMode, address: str, *extra: str) -> list[str]:
    """The CLI arguments that do the same as :func:`dnssec_options`, then `extra`."""
    args = cli_args(world, address, "--dnssec", mode.value)
    if mode is DnssecMode.VALIDATE:
        return [*args, "--trust-anchor", str(world.trust_anchor), *extra]
    assert world.resolver is not None
    host, port = world.resolver
    at = args.index("--nameserver") + 1
    args[at] = f"{host}:{port}"
    return [*args, *extra]
