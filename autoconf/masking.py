"""Masking a password out of text a server sent back, and addresses out of logs (pure).

A server may echo what it was sent: ``NO bad credentials <token> = <decoded>``. Whatever the
library keeps of a server's words after a login (``Verification.login_detail``, its error
and greeting, the trace, logs) goes through :func:`mask_password` first, so neither the
password nor any encoding of it that this library sends is ever shown or stored.
"""

from __future__ import annotations

import base64
import re

from .models import Verification

__all__ = ["MASK", "mask_addresses", "mask_password", "masked_verification"]

MASK = "********"

# The local part of an address in a log line: the text before an '@' (or its URL encoding
# %40) back to a separator that cannot be part of an address in a URL or a message.
_LOCAL_PART = re.compile(r"[^\s@/?&=;,:\"'<>()\[\]]+(?=@|%40)", re.IGNORECASE)


def _b64(data: bytes) -> list[str]:
    """``data`` in base64, with and without its padding (servers echo either)."""
    encoded = base64.b64encode(data).decode("ascii")
    return [encoded, encoded.rstrip("=")]


def _forms(username: str, password: str) -> list[str]:
    """Every form in which the library sends ``password``, longest first.

    The password itself (POP3 PASS, and what a server decodes), as IMAP LOGIN quotes it,
    base64 alone (SMTP AUTH LOGIN) and the SASL PLAIN token (IMAP, POP3 and SMTP AUTH PLAIN).
    """
    raw = password.encode()
    quoted = password.replace("\\", "\\\\").replace('"', '\\"')
    forms = [password, quoted, *_b64(raw), *_b64(b"\0" + username.encode() + b"\0" + raw)]
    return sorted({f for f in forms if f}, key=len, reverse=True)


def mask_password(text: str, *, username: str, password: str) -> str:
    """``text`` with the password and every encoding of it the library sends replaced by
    :data:`MASK` (the plain password matched without regard to case)."""
    if not password or not text:
        return text
    pattern = "|".join(re.escape(form) for form in _forms(username, password))
    masked = re.sub(pattern, MASK, text)
    # A server that changes the case of what it echoes still must not show the password.
    return re.sub(re.escape(password), MASK, masked, flags=re.IGNORECASE)


def masked_verification(
    verification: Verification, *, username: str, password: str
) -> Verification:
    """``verification`` with :func:`mask_password` applied to every text a server sent."""
    update: dict[str, object] = {}
    for name in ("login_detail", "greeting", "error"):
        value = getattr(verification, name)
        if value:
            update[name] = mask_password(value, username=username, password=password)
    for name in ("capabilities", "capabilities_before_tls", "sasl_mechanisms"):
        values: list[str] = getattr(verification, name)
        update[name] = [mask_password(v, username=username, password=password) for v in values]
    return verification.model_copy(update=update)


def mask_addresses(text: str) -> str:
    """``text`` with the local part of every email address in it (also URL-encoded) replaced
    by ``***``: the domain stays readable, the person does not (the service's access log)."""
    return _LOCAL_PART.sub("***", text)
