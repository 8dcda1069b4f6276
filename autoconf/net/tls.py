"""The one TLS trust decision shared by HTTP fetches and mail probes."""

from __future__ import annotations

import ssl
from pathlib import Path

from ..errors import OptionsError

__all__ = ["certificate_kind", "make_ssl_context", "unverified_context"]


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
        raise OptionsError(f"cannot use the CA file {ca_file}: {exc}") from None
    ctx.minimum_version = ssl.TLSVersion.TLSv1_2
    ctx.check_hostname = True
    ctx.verify_mode = ssl.CERT_REQUIRED
    return ctx


def certificate_kind(error: ssl.SSLCertVerificationError) -> str:
    """``hostname-mismatch``, ``expired``, ``self-signed`` or ``untrusted``."""
    message = (error.verify_message or str(error)).lower()
    if "hostname mismatch" in message or "ip address mismatch" in message:
        return "hostname-mismatch"
    if "expired" in message:
        return "expired"
    if "self-signed" in message or "self signed" in message:
        return "self-signed"
    return "untrusted"


def unverified_context() -> ssl.SSLContext:
    """Only for reading a refused certificate's details after verification failed.

    Nothing but the handshake happens on a connection made with it: no command, no
    credential. The trust decision was already taken by the verifying context.
    """
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    ctx.check_hostname = False
    ctx.verify_mode = ssl.CERT_NONE
    return ctx
