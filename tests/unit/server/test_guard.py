"""Callers, key files, the service's config and its flags (pure parts of the service)."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest

from autoconf.errors import OptionsError
from autoconf.masking import mask_addresses
from autoconf.server.cli import build_parser, config_from
from autoconf.server.config import ServerConfig, read_key_hashes
from autoconf.server.guard import Decision, Shedder, caller_of


def test_forwarded_for_is_believed_only_past_the_trusted_proxies():
    """X-Forwarded-For is ignored without trusted proxies; with one, its last hop is the client."""
    chain = {"x-forwarded-for": "6.6.6.6, 203.0.113.9"}
    assert caller_of(ServerConfig(), "10.0.0.2", chain).id == "ip:10.0.0.2"
    assert caller_of(ServerConfig(trusted_proxies=1), "10.0.0.2", chain).id == "ip:203.0.113.9"
    assert caller_of(ServerConfig(trusted_proxies=2), "10.0.0.2", chain).id == "ip:6.6.6.6"
    assert caller_of(ServerConfig(trusted_proxies=3), "10.0.0.2", chain).id == "ip:10.0.0.2"


def test_a_key_file_holds_hashes_and_refuses_plain_keys(tmp_path: Path):
    """One SHA-256 digest a line (comments allowed); a plain key or an empty file is refused."""
    digest = hashlib.sha256(b"alpha").hexdigest()
    good = tmp_path / "keys"
    good.write_text(f"# the team\n{digest.upper()}  # alpha\n\n")
    assert read_key_hashes(good) == frozenset({digest})
    plain = tmp_path / "plain"
    plain.write_text("alpha\n")
    with pytest.raises(OptionsError, match="line 1"):
        read_key_hashes(plain)
    empty = tmp_path / "empty"
    empty.write_text("# nothing\n")
    with pytest.raises(OptionsError, match="no key hash"):
        read_key_hashes(empty)
    with pytest.raises(OptionsError, match="cannot read"):
        read_key_hashes(tmp_path / "missing")


@pytest.mark.parametrize(
    "settings",
    [
        {"rate_limit": "lots"},
        {"max_concurrent": 0},
        {"max_per_domain": 0},
        {"trusted_proxies": -1},
        {"max_timeout": 0},
    ],
)
def test_a_bad_setting_is_an_options_error(settings: dict[str, object]):
    """Every setting out of range is refused when the config is made, naming it."""
    with pytest.raises(OptionsError):
        ServerConfig(**settings)  # type: ignore[arg-type]


def test_the_flags_make_a_safe_config():
    """By default private targets are refused; --allow-network opens only its range."""
    args = build_parser().parse_args(["--allow-network", "127.0.0.0/8", "--rate-limit", "5/minute"])
    config = config_from(args)
    assert config.options.block_private_addresses
    assert [str(n) for n in config.options.allowed_networks] == ["127.0.0.0/8"]
    assert config.rate_limit == "5/minute"
    unsafe = config_from(build_parser().parse_args(["--allow-private-addresses"]))
    assert not unsafe.options.block_private_addresses


def test_the_shedder_admits_up_to_its_limit_and_decisions_carry_headers():
    """Shedder refuses the one over its bound; a refusal's headers include Retry-After."""
    shedder = Shedder(2)
    assert [shedder.enter(), shedder.enter(), shedder.enter()] == [True, True, False]
    shedder.leave()
    assert shedder.enter()
    refused = Decision(allowed=False, limit=5, remaining=0, reset_after=0).headers()
    assert refused["Retry-After"] == "1"
    assert "Retry-After" not in Decision(True, 5, 4, 60).headers()


def test_mask_addresses_hides_every_local_part():
    """Plain and URL-encoded addresses lose their local part; the domain stays."""
    assert mask_addresses("address=jo.e%2Bx@example.com&x=1") == "address=***@example.com&x=1"
    assert mask_addresses("a=joe%40example.com") == "a=***%40example.com"
    assert (
        mask_addresses('to "ann@a.example", bob@b.example') == 'to "***@a.example", ***@b.example'
    )
    assert mask_addresses("no address") == "no address"
