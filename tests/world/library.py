"""How the library and its CLI are pointed at a running world (hermetic: DNS and CA)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from autoconf import Options, SourceName
from tests.world.core import WorldInfo

WITHOUT_GUESS = frozenset(SourceName) - {SourceName.GUESS}


def library_options(world: WorldInfo, **extra: Any) -> Options:
    """Options that send every DNS query to the world and trust only its CA."""
    settings: dict[str, Any] = {
        "nameservers": (world.nameserver,),
        "ca_file": Path(world.ca_file),
        "ispdb_url": world.ispdb_url,
    }
    settings.update(extra)
    return Options(**settings)


def cli_args(world: WorldInfo, address: str) -> list[str]:
    """The CLI arguments that do the same as :func:`library_options`."""
    host, port = world.nameserver
    return [
        address,
        "--nameserver",
        f"{host}:{port}",
        "--ca-file",
        str(world.ca_file),
        "--ispdb-url",
        world.ispdb_url,
    ]
