"""The hostile servers misbehave exactly as their scenarios claim."""

from __future__ import annotations

import socket
import ssl
import zlib

import pytest

from tests.world import WorldInfo
from tests.world.client import raw_connect, resolve_a, tls_context
from tests.world.scenarios import WRONG_NAME

pytestmark = pytest.mark.world


@pytest.mark.parametrize("port", [993, 995, 465])
def test_wrong_name_certificate_fails_only_on_the_name(world: WorldInfo, port: int) -> None:
    """wrong-name.test's mail servers present a CA-signed certificate for another name."""
    d = world.domains["wrong-name"]
    host = f"imap.{d}" if port != 465 else f"smtp.{d}"
    with pytest.raises(ssl.SSLCertVerificationError, match="Hostname mismatch"):
        raw_connect(world, host, port, tls=True).close()
    # The same server verifies fine for the name its certificate does carry.
    sock = socket.create_connection((resolve_a(world, host), port), 2)
    with tls_context(world).wrap_socket(sock, server_hostname=WRONG_NAME) as tls:
        assert tls.getpeercert() is not None


@pytest.mark.parametrize("port", [993, 995, 465])
def test_expired_certificate_is_rejected(world: WorldInfo, port: int) -> None:
    """expired-cert.test's mail servers present a certificate that has expired."""
    d = world.domains["expired"]
    host = f"imap.{d}" if port != 465 else f"smtp.{d}"
    with pytest.raises(ssl.SSLCertVerificationError, match="certificate has expired") as caught:
        raw_connect(world, host, port, tls=True).close()
    assert caught.value.verify_code == 10  # X509_V_ERR_CERT_HAS_EXPIRED


@pytest.mark.parametrize("port", [993, 143, 465, 587, 443])
def test_silent_server_accepts_and_never_speaks(world: WorldInfo, port: int) -> None:
    """silent.test's hosts accept TCP and send nothing, so a read times out."""
    host = (
        f"autoconfig.{world.domains['silent']}"
        if port == 443
        else f"imap.{world.domains['silent']}"
    )
    with (
        raw_connect(world, host, port, tls=False, timeout=0.3) as sock,
        pytest.raises(TimeoutError),
    ):
        sock.recv(1)


def test_silent_server_never_completes_a_tls_handshake(world: WorldInfo) -> None:
    """On silent.test's implicit-TLS port the handshake itself hangs until the timeout."""
    with pytest.raises(TimeoutError):
        raw_connect(world, f"smtp.{world.domains['silent']}", 465, tls=True, timeout=0.3).close()


@pytest.mark.parametrize(
    ("port", "tls"), [(143, False), (587, False), (110, False), (993, True), (465, True)]
)
def test_endless_line_server_never_ends_its_greeting(
    world: WorldInfo, port: int, tls: bool
) -> None:
    """endless-line.test's greeting goes on for megabytes with no line end (TLS verified)."""
    d = world.domains["endless-line"]
    host = f"smtp.{d}" if port in (465, 587) else f"imap.{d}"
    received = 0
    with raw_connect(world, host, port, tls=tls) as sock:
        while received < 1024 * 1024:
            chunk = sock.recv(65536)
            assert chunk, "server closed early"
            assert b"\n" not in chunk
            received += len(chunk)


def _read_http(sock: socket.socket, limit: int = 1 << 20) -> tuple[bytes, bytes]:
    """(head, body) of one HTTP answer on `sock`, which closes after it; at most `limit` bytes."""
    data = b""
    while len(data) < limit:
        chunk = sock.recv(65536)
        if not chunk:
            break
        data += chunk
    head, _, body = data.partition(b"\r\n\r\n")
    return head, body


def _inflated_size(data: bytes, cap: int) -> tuple[int, bytes]:
    """Bytes one gzip layer of `data` inflates to (stopping at `cap`), and the first MiB."""
    inflater = zlib.decompressobj(31)
    total, first, pending = 0, b"", data
    while pending and total < cap:
        out = inflater.decompress(pending, 1 << 20)
        pending = inflater.unconsumed_tail
        total += len(out)
        first = first or out
        if not out:
            break
    return total, first


@pytest.mark.parametrize("tls", [True, False])
def test_gzip_bomb_sends_a_tiny_body_inflating_through_two_layers(
    world: WorldInfo, tls: bool
) -> None:
    """gzip-bomb.test's autoconfig host answers < 4 KiB as `gzip, gzip`, inflating to 128 MiB."""
    host = f"autoconfig.{world.domains['gzip-bomb']}"
    assert world.hostile["gzip-bomb-https" if tls else "gzip-bomb-http"][0] == resolve_a(
        world, host
    )
    with raw_connect(world, host, 443 if tls else 80, tls=tls, timeout=30) as sock:
        sock.sendall(f"GET /mail/config-v1.1.xml HTTP/1.1\r\nHost: {host}\r\n\r\n".encode())
        head, body = _read_http(sock)
    assert head.startswith(b"HTTP/1.1 200 ")
    assert b"\r\nContent-Encoding: gzip, gzip" in head
    assert len(body) < 4096
    outer_size, inner = _inflated_size(body, 1 << 30)
    assert outer_size < 1 << 20  # the first layer is small ...
    inner_size, _ = _inflated_size(zlib.decompress(body, 31), 1 << 30)
    assert inner_size == 128 * 1024 * 1024  # ... the second one is not
    assert inner[:2] == b"\x1f\x8b"


@pytest.mark.parametrize(("port", "tls"), [(993, True), (143, False)])
def test_capabilities_server_answers_with_endless_capability_lines(
    world: WorldInfo, port: int, tls: bool
) -> None:
    """endless-caps.test's IMAP server greets, then sends well-formed CAPABILITY lines forever."""
    host = f"imap.{world.domains['endless-capabilities']}"
    assert world.hostile["endless-capabilities-imaps" if tls else "endless-capabilities-imap"] == (
        resolve_a(world, host),
        port,
    )
    received = b""
    with raw_connect(world, host, port, tls=tls) as sock:
        greeting = sock.recv(4096)
        assert greeting.startswith(b"* OK ")
        sock.sendall(b"a1 CAPABILITY\r\n")
        while len(received) < 1024 * 1024:
            chunk = sock.recv(65536)
            assert chunk, "server closed early"
            received += chunk
    lines = received.split(b"\r\n")[:-1]
    assert len(lines) > 20000
    assert all(line.startswith(b"* CAPABILITY IMAP4rev1 X-ENDLESS-") for line in lines)
