"""API misuse is an OptionsError at once, never an AttributeError, TypeError or ValueError
later (issue 19.6), and Credentials take a plain str password (issue 21)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from pydantic import SecretStr

import autoconf
from autoconf import Credentials, Options, OptionsError, Session, SourceName
from autoconf.errors import SessionClosed
from autoconf.options import Mode

MISUSE: list[tuple[str, dict[str, Any]]] = [
    ("credentials as a tuple", {"credentials": ("u", "p")}),
    ("a bare nameserver string", {"nameservers": ("127.0.0.1",)}),
    ("nameservers as one string", {"nameservers": "127.0.0.1"}),
    ("a string port", {"nameservers": (("127.0.0.1", "53"),)}),
    ("a port out of range", {"nameservers": (("127.0.0.1", 70000),)}),
    ("a bool port", {"nameservers": (("127.0.0.1", True),)}),
    ("sources as one string", {"sources": "srv"}),
    ("an unknown source", {"sources": {"bogus"}}),
    ("a source that is no text", {"sources": {1}}),
    ("a CA file that is a number", {"ca_file": 123}),
    ("a config dir that is a number", {"config_dir": 4.5}),
    ("an SSL context that is not one", {"ssl_context": object()}),
    ("an unknown mode", {"mode": "bogus"}),
    ("a mode that is no text", {"mode": 3}),
    ("verify as a string", {"verify": "no"}),
    ("an ISPDB URL that is no text", {"ispdb_url": b"https://x/"}),
    ("no ISPDB URL", {"ispdb_url": None}),
    ("local documents as text", {"local_documents": ("<clientConfig/>",)}),
    ("a real name that is no text", {"real_name": 7}),
    ("an HTTP client that is not one", {"http_client": object()}),
    ("a resolver that is not one", {"resolver": "8.8.8.8"}),
]


@pytest.mark.parametrize(("what", "fields"), MISUSE, ids=[m[0] for m in MISUSE])
def test_options_refuse_misuse_with_options_error(what: str, fields: dict[str, Any]):
    """Each wrong kind of value is refused when Options is built, as an OptionsError."""
    with pytest.raises(OptionsError) as raised:
        Options(**fields)
    assert type(raised.value) is OptionsError, what
    assert "'p'" not in str(raised.value)  # a password in the wrong place is never shown
    assert next(iter(fields)) in str(raised.value) or "nameserver" in str(raised.value)


def test_names_and_paths_given_as_text_are_taken():
    """mode="fast", sources={"srv"}, ca-less str paths and list nameservers are normalised."""
    options = Options(
        mode="fast",  # type: ignore[arg-type]
        sources={"srv", "mx"},  # type: ignore[arg-type]
        nameservers=[["127.0.0.1", 5353]],  # type: ignore[list-item]
        config_dir=str(Path(__file__).parent),  # type: ignore[arg-type]
    )
    assert options.mode is Mode.FAST
    assert options.sources == {SourceName.SRV, SourceName.MX}
    assert all(isinstance(s, SourceName) for s in options.sources)
    assert options.nameservers == (("127.0.0.1", 5353),)
    assert options.config_dir == Path(__file__).parent


@pytest.mark.parametrize("options", ["x", 3, {"deadline": 5}, Mode.FAST])
def test_discover_refuses_options_that_are_not_options(options: object):
    """options="x" (or a dict, or anything else) is an OptionsError from discover and Session."""
    with pytest.raises(OptionsError, match=r"autoconf\.Options"):
        autoconf.discover_sync("jane@example.com", options=options)  # type: ignore[arg-type]
    with pytest.raises(OptionsError, match=r"autoconf\.Options"):
        Session(options)  # type: ignore[arg-type]


async def test_a_session_call_refuses_options_that_are_not_options():
    """Session.discover(options="x") is an OptionsError too."""
    async with Session(Options(offline=True)) as session:
        with pytest.raises(OptionsError, match=r"autoconf\.Options"):
            await session.discover("jane@example.com", options="x")  # type: ignore[arg-type]


def test_credentials_take_a_plain_str_password():
    """Credentials("u", "p") keeps the password as a SecretStr; its repr never shows it."""
    creds = Credentials("jane", "hunter2")
    assert isinstance(creds.password, SecretStr)
    assert creds.password.get_secret_value() == "hunter2"
    assert "hunter2" not in repr(creds)
    assert Credentials("jane", SecretStr("x")).password.get_secret_value() == "x"


@pytest.mark.parametrize(
    ("username", "password"),
    [("jane", None), ("jane", 1234), ("jane", b"bytes"), (None, "p"), ("jane", SecretStr(5))],  # type: ignore[arg-type]
)
def test_credentials_refuse_anything_else_at_construction(username: object, password: object):
    """A password that is not text (or a user name that is not) fails when built, never later."""
    with pytest.raises(OptionsError) as raised:
        Credentials(username, password)  # type: ignore[arg-type]
    assert "1234" not in str(raised.value)


async def test_a_closed_session_refuses_to_work():
    """After aclose(), discover and network() raise SessionClosed (an OptionsError) and no new
    network is built; closing twice is fine."""
    session = Session(Options(offline=True))
    await session.discover("jane@example.com")
    await session.aclose()
    await session.aclose()
    with pytest.raises(SessionClosed, match="closed"):
        await session.discover("jane@example.com")
    with pytest.raises(SessionClosed):
        session.network()
    with pytest.raises(OptionsError):
        async with session:
            pass
    assert session._network is None


def test_check_domain_refuses_options_that_are_not_options():
    """check_domain_sync(options="x") is an OptionsError before any network is built."""
    from autoconf.check.run import check_domain_sync

    with pytest.raises(OptionsError, match=r"autoconf\.Options"):
        check_domain_sync("example.com", options="x")  # type: ignore[arg-type]
