"""What the well-known mail ports mean, shared by the clientConfig and Autodiscover parsers.

RFC 8314 gives 993 (IMAP), 995 (POP3) and 465 (submission) to implicit TLS; 143, 110, 587
(RFC 6409) and 25 speak cleartext first and upgrade with STARTTLS. When a document's own
security setting is missing, unknown or contradicts one of these ports, the parsers read the
port, and never fall back to cleartext on a guess: the probe then shows whether STARTTLS is
really offered.
"""

from __future__ import annotations

from ..models import Security

__all__ = ["IMPLICIT_TLS_PORTS", "STARTTLS_PORTS", "port_security", "security_words"]

IMPLICIT_TLS_PORTS = frozenset({993, 995, 465})
STARTTLS_PORTS = frozenset({143, 110, 587, 25})

_WORDS = {Security.TLS: "implicit TLS", Security.STARTTLS: "STARTTLS", Security.PLAIN: "plain"}


def port_security(port: int | None) -> Security | None:
    """The security a well-known port stands for; None for any other port (or no port)."""
    if port in IMPLICIT_TLS_PORTS:
        return Security.TLS
    if port in STARTTLS_PORTS:
        return Security.STARTTLS
    return None


def security_words(security: Security) -> str:
    """``implicit TLS``, ``STARTTLS`` or ``plain``, for warning messages."""
    return _WORDS[security]
