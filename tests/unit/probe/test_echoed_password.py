"""A server that echoes the login back: the password never appears in what is kept (19.2).

Scripted servers on 127.0.0.1 (implicit TLS, a trustme certificate) refuse every login with
the very bytes they were sent, base64 and decoded; the probe's :class:`Verification` must hold
none of the password's forms. :func:`mask_password` itself is tested on every form.
"""

from __future__ import annotations

import asyncio
import base64
import binascii
import ssl
from collections.abc import AsyncIterator, Awaitable, Callable

import pytest
import trustme

from autoconf import ServerSettings
from autoconf.masking import MASK, mask_password, masked_verification
from autoconf.models import LoginStatus, Verification
from autoconf.net.dns import DnsClient
from autoconf.options import Deadline, Options
from autoconf.probe.conversation import Login
from autoconf.probe.driver import ProbeLimits, probe_server

USER = "alice@example.com"
PASSWORD = 'Hunter2-"quoted"\\secret'
NO_DNS = DnsClient(nameservers=(("127.0.0.1", 9),))  # the hosts are IP literals: never asked


def forms(username: str = USER, password: str = PASSWORD) -> list[str]:
    """Every form of the password a leak would show, as the test knows them independently."""
    token = base64.b64encode(f"\0{username}\0{password}".encode()).decode()
    alone = base64.b64encode(password.encode()).decode()
    quoted = password.replace("\\", "\\\\").replace('"', '\\"')
    return [password, token, token.rstrip("="), alone, alone.rstrip("="), quoted]


def _decoded(word: bytes) -> str:
    try:
        return base64.b64decode(word, validate=True).decode(errors="replace")
    except (binascii.Error, ValueError):
        return ""


def echo_reply(protocol: str, line: bytes, caps: bytes) -> bytes:
    """The scripted answer: capabilities as given; every login refused by echoing it."""
    words = line.strip().split(b" ")
    tag, verb = (words[0], words[1].upper()) if protocol == "imap" else (b"", words[0].upper())
    echo = line.strip() + b" = " + " ".join(_decoded(w) for w in words).encode()
    if protocol == "imap":
        if verb == b"CAPABILITY":
            return b"* CAPABILITY IMAP4rev1 " + caps + b"\r\n" + tag + b" OK done\r\n"
        if verb in (b"LOGIN", b"AUTHENTICATE"):
            return tag + b" NO bad credentials " + echo + b"\r\n"
        return tag + b" OK bye\r\n"
    if protocol == "pop3":
        if verb == b"CAPA":
            return b"+OK\r\n" + caps.replace(b" ", b"\r\n") + b"\r\n.\r\n"
        if verb in (b"AUTH", b"PASS"):
            return b"-ERR bad credentials " + echo + b"\r\n"
        return b"+OK\r\n"
    if verb == b"EHLO":
        return b"250-echo\r\n250 " + caps + b"\r\n"
    if verb == b"AUTH" and words[1:2] == [b"LOGIN"]:
        return b"334 VXNlcm5hbWU6\r\n"
    if verb == b"AUTH" or (len(words) == 1 and _decoded(words[0]) == PASSWORD):
        return b"535 5.7.8 bad credentials " + echo + b"\r\n"
    if len(words) == 1 and _decoded(words[0]):
        return b"334 UGFzc3dvcmQ6\r\n"
    return b"221 bye\r\n"


GREETING = {"imap": b"* OK echo ready\r\n", "pop3": b"+OK echo ready\r\n", "smtp": b"220 echo\r\n"}


@pytest.fixture
async def echo_server() -> AsyncIterator[
    Callable[[str, bytes], Awaitable[tuple[int, ssl.SSLContext]]]
]:
    """Start an echoing server with implicit TLS; gives its port and a client context."""
    servers: list[asyncio.Server] = []
    ca = trustme.CA()

    async def start(protocol: str, caps: bytes) -> tuple[int, ssl.SSLContext]:
        async def handler(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
            try:
                async with asyncio.timeout(8.0):
                    writer.write(GREETING[protocol])
                    while line := await reader.readline():
                        writer.write(echo_reply(protocol, line, caps))
                        await writer.drain()
            except (TimeoutError, OSError, ssl.SSLError):
                pass
            finally:
                writer.transport.abort()

        server_ctx = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        ca.issue_cert("127.0.0.1").configure_cert(server_ctx)
        server = await asyncio.start_server(handler, "127.0.0.1", 0, ssl=server_ctx)
        servers.append(server)
        client_ctx = ssl.create_default_context()
        ca.configure_trust(client_ctx)
        return int(server.sockets[0].getsockname()[1]), client_ctx

    yield start
    for server in servers:
        server.close()
        await server.wait_closed()


@pytest.mark.parametrize(
    ("protocol", "caps"),
    [
        ("imap", b"AUTH=PLAIN SASL-IR"),  # AUTHENTICATE PLAIN with the token on the line
        ("imap", b"AUTH=XOAUTH2"),  # LOGIN "user" "quoted password"
        ("pop3", b"SASL PLAIN"),  # AUTH PLAIN token
        ("pop3", b"USER"),  # USER / PASS in clear (inside TLS)
        ("smtp", b"AUTH PLAIN"),  # AUTH PLAIN token
        ("smtp", b"AUTH LOGIN"),  # AUTH LOGIN: user and password in base64, one by one
    ],
)
async def test_an_echoed_login_keeps_no_form_of_the_password(echo_server, protocol, caps):
    """Each way the probe logs in, refused by a server echoing it: no password form is kept."""
    port, client_ctx = await echo_server(protocol, caps)
    v = await probe_server(
        ServerSettings(protocol=protocol, host="127.0.0.1", port=port, security="tls"),
        dns=NO_DNS,
        ssl_context=client_ctx,
        deadline=Deadline(10),
        limits=ProbeLimits.from_options(Options()),
        login=Login(USER, PASSWORD),
    )
    assert v.login is LoginStatus.FAILED, v
    assert "bad credentials" in (v.login_detail or "")
    assert MASK in (v.login_detail or "")
    kept = v.model_dump_json()
    leaked = [form for form in forms() if form in kept]
    assert not leaked, kept


def test_mask_password_masks_every_form_the_library_sends():
    """The password, its IMAP quoting, base64 alone and the PLAIN token (padded or not) go."""
    for form in forms():
        text = f"NO bad credentials [{form}] end"
        assert (
            mask_password(text, username=USER, password=PASSWORD)
            == f"NO bad credentials [{MASK}] end"
        )


def test_mask_password_ignores_the_case_of_an_echoed_password():
    """A server that upper-cases what it echoes still shows no password."""
    masked = mask_password("NO HUNTER2-SECRET is wrong", username="u", password="hunter2-secret")
    assert masked == f"NO {MASK} is wrong"


def test_mask_password_leaves_other_text_alone():
    """Without the password in it, the text is returned unchanged (also for an empty password)."""
    assert mask_password("NO [AUTHENTICATIONFAILED] failed", username=USER, password=PASSWORD) == (
        "NO [AUTHENTICATIONFAILED] failed"
    )
    assert mask_password("anything", username=USER, password="") == "anything"


def test_masked_verification_masks_every_server_text():
    """login_detail, error, greeting and capability lists are all masked."""
    v = Verification(
        reachable=True,
        greeting=f"* OK {PASSWORD}",
        login_detail=f"NO {forms()[1]}",
        error=f"closed after {forms()[3]}",
        capabilities=[f"X-{PASSWORD}"],
    )
    kept = masked_verification(v, username=USER, password=PASSWORD).model_dump_json()
    assert not [form for form in forms() if form in kept]
    assert kept.count(MASK) == 4
