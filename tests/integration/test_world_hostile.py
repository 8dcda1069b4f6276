"""The hostile servers misbehave exactly as their scenarios claim."""

from __future__ import annotations

import socket
import ssl

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
