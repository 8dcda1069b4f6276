"""Certificate facts are read in one module, including the chain a server presents."""

from __future__ import annotations

import contextlib
import ssl
import subprocess
import sys

import pytest
import trustme

from autoconf.models import CertificateKind
from autoconf.net.certificates import (
    presented_chain,
    refused_certificate,
    sends_leaf_only,
    subject_public_key_info,
    verified_certificate,
)


def _handshake(
    server: ssl.SSLContext, client: ssl.SSLContext, name: str
) -> tuple[ssl.SSLObject, ssl.SSLObject]:
    """A TLS handshake in memory (no socket); the client's and the server's SSL objects."""
    c_in, c_out, s_in, s_out = (ssl.MemoryBIO() for _ in range(4))
    c = client.wrap_bio(c_in, c_out, server_hostname=name)
    s = server.wrap_bio(s_in, s_out, server_side=True)
    for _ in range(10):
        for side in (c, s):
            with contextlib.suppress(ssl.SSLWantReadError):
                side.do_handshake()
        s_in.write(c_out.read())
        c_in.write(s_out.read())
    c.do_handshake()
    return c, s


def _contexts(
    ca: trustme.CA, leaf: trustme.LeafCert, *, trust: bool = True
) -> tuple[ssl.SSLContext, ssl.SSLContext]:
    server = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    leaf.configure_cert(server)
    client = ssl.create_default_context()
    if trust:
        ca.configure_trust(client)
    else:
        client.check_hostname = False
        client.verify_mode = ssl.CERT_NONE
    return server, client


def test_this_python_can_read_the_presented_chain():
    """The chain a server sends is readable here: public in 3.13, the private _sslobj before.

    Fails on a Python that offers neither, so the loss of the private method is noticed.
    """
    ca = trustme.CA()
    intermediate = ca.create_child_ca()
    leaf = intermediate.issue_cert("mail.example")
    server, client = _contexts(ca, leaf)
    tls, _ = _handshake(server, client, "mail.example")
    if sys.version_info < (3, 13):
        assert hasattr(tls._sslobj, "get_unverified_chain")  # type: ignore[attr-defined]
    chain = presented_chain(tls)
    assert chain is not None
    assert len(chain) == 2  # the leaf, then the intermediate the server sent with it
    assert chain[0] == ssl.PEM_cert_to_DER_cert(leaf.cert_chain_pems[0].bytes().decode())


def test_verified_certificate_names_issuer_and_expiry():
    """A verified session's certificate gives its DNS names, its issuer and its expiry."""
    ca = trustme.CA(organization_name="World CA")
    leaf = ca.issue_cert("imap.example", "mail.example")
    tls, _ = _handshake(*_contexts(ca, leaf), "imap.example")
    cert = verified_certificate(tls)
    assert cert is not None
    assert cert.valid
    assert cert.subject_names == ["imap.example", "mail.example"]
    assert cert.not_after is not None
    assert cert.issuer
    assert verified_certificate(None) is None


def test_refused_certificate_is_read_from_its_bytes():
    """A refused certificate's names and expiry come from its DER; without it, the kind only."""
    ca = trustme.CA()
    leaf = ca.issue_cert("smtp.example")
    der = ssl.PEM_cert_to_DER_cert(leaf.cert_chain_pems[0].bytes().decode())
    cert = refused_certificate(der, CertificateKind.UNTRUSTED)
    assert not cert.valid
    assert cert.kind is CertificateKind.UNTRUSTED
    assert cert.subject_names == ["smtp.example"]
    assert cert.not_after is not None
    bare = refused_certificate(None, CertificateKind.EXPIRED)
    assert (bare.kind, bare.subject_names, bare.not_after) == (CertificateKind.EXPIRED, [], None)
    assert refused_certificate(b"not a certificate", CertificateKind.OTHER).subject_names == []


def test_a_lone_leaf_not_signed_by_itself_is_told_from_a_self_signed_one():
    """One certificate signed by another is a missing intermediate; a CA's own is not."""
    ca = trustme.CA()
    leaf = ca.issue_cert("imap.example")
    leaf_der = ssl.PEM_cert_to_DER_cert(leaf.cert_chain_pems[0].bytes().decode())
    root_der = ssl.PEM_cert_to_DER_cert(ca.cert_pem.bytes().decode())
    assert sends_leaf_only([leaf_der])
    assert not sends_leaf_only([root_der])
    assert not sends_leaf_only([leaf_der, root_der])
    assert not sends_leaf_only(None)


@pytest.mark.parametrize("key_type", [trustme.KeyType.RSA, trustme.KeyType.ECDSA])
def test_the_key_is_read_as_it_stands_in_the_certificate(key_type: trustme.KeyType) -> None:
    """The SubjectPublicKeyInfo read from the DER headers is the one ``cryptography`` gives;
    anything that is not a certificate, or is cut short, gives None."""
    from cryptography import x509
    from cryptography.hazmat.primitives import serialization

    ca = trustme.CA(key_type=key_type)
    der = ca.issue_cert("mail.example.com", key_type=key_type).cert_chain_pems[0].bytes()
    der = ssl.PEM_cert_to_DER_cert(der.decode())
    key = x509.load_der_x509_certificate(der).public_key()
    info = key.public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    assert subject_public_key_info(der) == info
    for broken in (b"", b"\x30", b"\x30\x82\xff\xff" + der[4:], der[: len(der) // 3], b"x" * 40):
        assert subject_public_key_info(broken) is None


def test_a_verified_certificate_is_read_without_cryptography() -> None:
    """The digest every verified probe reports does not load ``cryptography`` (about 9 MiB a
    process; it stays for refused certificates and DANE)."""
    ca = trustme.CA()
    pem = ca.issue_cert("mail.example.com").cert_chain_pems[0].bytes().decode()
    code = (
        "import ssl, sys\n"
        "from autoconf.net.certificates import spki_sha256\n"
        f"der = ssl.PEM_cert_to_DER_cert({pem!r})\n"
        "assert spki_sha256(der) is not None\n"
        "print(sorted(m for m in sys.modules if m.startswith('cryptography')))\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=60
    )
    assert done.stdout.strip() == "[]"
