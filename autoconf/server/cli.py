"""``python -m autoconf serve``: the service's flags, its start-up log, uvicorn.

Exit status: 0 stopped cleanly, 2 bad flags (one sentence on stderr).
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import logging
import sys
from collections.abc import Sequence
from pathlib import Path

from ..errors import OptionsError
from ..options import DEFAULT_ISPDB_URL, DnssecMode, Options, parse_nameserver
from .config import ServerConfig, read_key_hashes

__all__ = ["build_parser", "config_from", "main"]

log = logging.getLogger("autoconf.server")

_NEEDED = ("fastapi", "uvicorn", "prometheus_client", "limits", "redis")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m autoconf serve",
        description="Serve discovery, the domain check and client files over HTTP (JSON).",
    )
    where = parser.add_argument_group("where it listens")
    where.add_argument("--host", default="127.0.0.1", help="address to listen on (127.0.0.1)")
    where.add_argument("--port", type=int, default=8080, help="port to listen on (8080)")
    where.add_argument(
        "--redis-url",
        metavar="URL",
        help="redis://HOST:PORT/DB shared by the replicas: cache and rate limits",
    )
    where.add_argument(
        "--redis-timeout",
        type=float,
        default=0.5,
        metavar="SECONDS",
        help="how long one Redis command may take before it is skipped (0.5)",
    )
    net = parser.add_argument_group("network (as the CLI's)")
    net.add_argument("--nameserver", action="append", default=[], metavar="HOST[:PORT]")
    net.add_argument("--ca-file", type=Path, metavar="PEM")
    net.add_argument("--ispdb-url", default=DEFAULT_ISPDB_URL, metavar="URL")
    net.add_argument("--dnssec", choices=[m.value for m in DnssecMode], default="off")
    net.add_argument("--trust-anchor", type=Path, metavar="FILE")
    _safety_flags(parser)
    return parser


def _safety_flags(parser: argparse.ArgumentParser) -> None:
    safety = parser.add_argument_group("safety")
    safety.add_argument(
        "--allow-private-addresses",
        action="store_true",
        help="let look-ups reach private, loopback and link-local addresses (unsafe)",
    )
    safety.add_argument(
        "--allow-network",
        action="append",
        default=[],
        metavar="CIDR",
        help="a private range look-ups may still reach (repeatable)",
    )
    safety.add_argument(
        "--rate-limit", default="60/minute", metavar="N/minute", help="per caller (60/minute)"
    )
    safety.add_argument(
        "--api-key-file",
        type=Path,
        metavar="FILE",
        help="require a key: one SHA-256 hex digest of a key a line; limits count per key",
    )
    safety.add_argument(
        "--trusted-proxies",
        type=int,
        default=0,
        metavar="N",
        help="proxies in front whose X-Forwarded-For is believed (0)",
    )
    safety.add_argument(
        "--max-concurrent",
        type=int,
        default=64,
        metavar="N",
        help="requests in work at once; beyond: 503 (64)",
    )
    safety.add_argument(
        "--max-timeout", type=float, default=10.0, metavar="SECONDS", help="largest ?timeout= (10)"
    )


def config_from(args: argparse.Namespace) -> ServerConfig:
    """The service's config from its flags; OptionsError names a bad one."""
    options = Options(
        nameservers=tuple(parse_nameserver(text) for text in args.nameserver),
        ca_file=args.ca_file,
        ispdb_url=args.ispdb_url,
        dnssec=DnssecMode(args.dnssec),
        trust_anchors=args.trust_anchor,
        block_private_addresses=not args.allow_private_addresses,
        allowed_networks=tuple(args.allow_network),
        max_per_host=8,
    )
    return ServerConfig(
        options=options,
        redis_url=args.redis_url,
        redis_timeout=args.redis_timeout,
        rate_limit=args.rate_limit,
        api_key_hashes=read_key_hashes(args.api_key_file) if args.api_key_file else frozenset(),
        trusted_proxies=args.trusted_proxies,
        max_concurrent=args.max_concurrent,
        max_timeout=args.max_timeout,
    )


class _JsonLines(logging.Formatter):
    """Access lines are JSON already; every other record becomes one JSON line too."""

    def format(self, record: logging.LogRecord) -> str:
        if record.name == "autoconf.server.access":
            return record.getMessage()
        entry = {"level": record.levelname.lower(), "logger": record.name}
        entry["message"] = record.getMessage()
        return json.dumps(entry)


def _announce(config: ServerConfig) -> None:
    """The address policy, loudly: what a deployment opened up is never a surprise."""
    options = config.options
    if not options.block_private_addresses:
        log.warning("UNSAFE: private, loopback and link-local targets are NOT refused")
    for network in options.allowed_networks:
        log.warning("private range opened to look-ups: %s (--allow-network)", network)
    log.info(
        "rate limit %s per %s; storage %s",
        config.rate_limit,
        "API key" if config.api_key_hashes else "client address",
        "redis" if config.redis_url else "memory",
    )


def main(argv: Sequence[str] | None = None) -> int:
    """Run the service until SIGINT or SIGTERM; 2 for bad flags."""
    args = build_parser().parse_args(argv)
    missing = [m for m in _NEEDED if importlib.util.find_spec(m) is None]
    if missing:
        sys.stderr.write(
            f"python -m autoconf serve: {', '.join(missing)} missing; "
            "install the service with: pip install 'mail-autoconf[server]'\n"
        )
        return 2
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(_JsonLines())
    logging.basicConfig(level=logging.INFO, handlers=[handler], force=True)
    try:
        config = config_from(args)
    except OptionsError as exc:
        sys.stderr.write(f"python -m autoconf serve: {exc}\n")
        return 2
    _announce(config)
    import uvicorn

    from .app import create_app

    uvicorn.run(
        create_app(config), host=args.host, port=args.port, log_config=None, access_log=False
    )
    return 0
