"""The one TLS trust decision shared by HTTP fetches and mail probes."""

from __future__ import annotations

import ssl
from pathlib import Path

from ..errors import OptionsError

__all__ = ["make_ssl_context"]


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
