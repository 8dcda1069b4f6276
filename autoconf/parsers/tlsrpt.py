"""SMTP TLS Reporting (RFC 8460 §3): the ``_smtp._tls.DOMAIN`` TXT record. PURE."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from urllib.parse import urlsplit

from ..errors import ParseError
from .mtasts import tag_fields

__all__ = ["TlsRptRecord", "parse_tlsrpt_record", "tlsrpt_record"]

_SCHEMES = ("mailto", "https")


@dataclass(frozen=True, slots=True)
class TlsRptRecord:
    """A ``v=TLSRPTv1`` record: where the reports go (``rua``: mailto: and https: URIs)."""

    rua: tuple[str, ...]
    text: str


def parse_tlsrpt_record(text: str) -> TlsRptRecord:
    """One TXT record's text as a TLS-RPT record; raises :class:`ParseError`."""
    fields = tag_fields(text, "v=TLSRPTv1", "_smtp._tls TXT")
    rua = fields.get("rua")
    if not rua:
        raise ParseError("no rua field: nowhere to send reports", where="_smtp._tls TXT")
    uris = tuple(u.strip(" \t") for u in rua.split(","))
    for uri in uris:
        parts = urlsplit(uri)
        if parts.scheme.lower() not in _SCHEMES or not (parts.netloc or parts.path):
            raise ParseError(f"rua must be mailto: or https: URIs, not {uri!r}", where="rua")
        if parts.scheme.lower() == "https" and not parts.hostname:
            raise ParseError(f"an https: URI without a host: {uri!r}", where="rua")
        if parts.scheme.lower() == "mailto" and "@" not in parts.path:
            raise ParseError(f"a mailto: URI without an address: {uri!r}", where="rua")
    return TlsRptRecord(rua=uris, text=text)


def tlsrpt_record(records: Iterable[Sequence[bytes]]) -> TlsRptRecord | None:
    """The TLS-RPT record among a name's TXT records: None when none starts ``v=TLSRPTv1``;
    raises :class:`ParseError` for two or more (then senders see none, §3) or a bad one."""
    texts = [b"".join(strings).decode("utf-8", "replace") for strings in records]
    ours = [t for t in texts if t.startswith("v=TLSRPTv1")]
    if not ours:
        return None
    if len(ours) > 1:
        raise ParseError(f"{len(ours)} records start with v=TLSRPTv1; senders ignore them all")
    return parse_tlsrpt_record(ours[0])
