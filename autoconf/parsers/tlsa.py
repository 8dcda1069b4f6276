"""TLSA records (RFC 6698): the parsed form DANE matching and the admin check share."""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["TlsaRecord"]


@dataclass(frozen=True, slots=True)
class TlsaRecord:
    """One TLSA record: certificate usage, selector, matching type and the association data."""

    usage: int  # 0 PKIX-TA, 1 PKIX-EE, 2 DANE-TA, 3 DANE-EE
    selector: int  # 0 the whole certificate, 1 its SubjectPublicKeyInfo
    matching_type: int  # 0 exact, 1 SHA-256, 2 SHA-512
    data: bytes

    def to_text(self) -> str:
        """Zone-file form, as ``dig`` prints it: ``"3 1 1 ab12…"`` (hex in lower case)."""
        return f"{self.usage} {self.selector} {self.matching_type} {self.data.hex()}"
