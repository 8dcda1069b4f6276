"""The one TLS trust decision shared by HTTP fetches and mail probes."""

from __future__ import annotations

import ssl
import warnings
from pathlib import Path

from ..errors import OptionsError
from .certificates import certificate_kind, presented_chain

__all__ = [
    "certificate_kind",  # kept here for callers from before net.certificates
    "legacy_context",
    "make_ssl_context",
    "presented_chain",
    "unverified_context",
]


def make_ssl_context(
    *, ca_file: Path | None = None, context: ssl.SSLContext | None = None
) -> ssl.SSLContext:
    """The caller's context, or one that trusts ``ca_file`` only, or the system store.

    Certificates are always verified against the host name; TLS 1.2 is the floor.
    """
    if context is not None:
        return context
    try:
        ctx = ssl.create_default_context(cafile=str(ca_file) if ca_file is not None else None)
    except (OSError, ssl.SSLError) as exc:
        raise OptionsError(f"cannot use the CA file {ca_file}: {exc}") from exc
    ctx.minimum_version = ssl.TLSVersion.TLSv1_2
    ctx.check_hostname = True
    ctx.verify_mode = ssl.CERT_REQUIRED
    return ctx


def unverified_context() -> ssl.SSLContext:
    """Only for reading a refused certificate's details after verification failed.

    Nothing but the handshake happens on a connection made with it: no command, no
    credential. The trust decision was already taken by the verifying context.
    """
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    ctx.check_hostname = False
    ctx.verify_mode = ssl.CERT_NONE
    return ctx


def legacy_context() -> ssl.SSLContext | None:
    """A client context that offers only TLS 1.0 and 1.1, or None when this OpenSSL cannot.

    Only for asking a server whether it still accepts them: nothing but the handshake happens
    on a connection made with it (no command, no credential), and it verifies nothing. The
    test that it can offer them is local: OpenSSL must write a ClientHello into memory.
    """
    if not (ssl.HAS_TLSv1 or ssl.HAS_TLSv1_1):
        return None
    try:
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
        ctx.check_hostname = False
        ctx.verify_mode = ssl.CERT_NONE
        with warnings.catch_warnings():
            # Python deprecates the very versions this context exists to offer.
            warnings.simplefilter("ignore", DeprecationWarning)
            ctx.minimum_version = ssl.TLSVersion.TLSv1
            ctx.maximum_version = ssl.TLSVersion.TLSv1_1
        ctx.set_ciphers("DEFAULT:@SECLEVEL=0")
        hello = ctx.wrap_bio(ssl.MemoryBIO(), ssl.MemoryBIO())
        hello.do_handshake()
    except ssl.SSLWantReadError:
        return ctx  # the ClientHello was written; OpenSSL waits for the server's answer
    except (ssl.SSLError, ValueError):
        return None  # no protocol or no cipher left to offer: this machine's OpenSSL forbids it
    return None
