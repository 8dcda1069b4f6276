"""DANE on the command line: ``dane`` in the JSON, plain words in the human view."""

from __future__ import annotations

import json

from autoconf import Certificate, Protocol, SourceName, TlsStatus, Verification
from autoconf.models import CertificateKind, DaneStatus, FailureKind

from ..fakes import ScriptedSource, server
from .test_cli import run

RECORD = "3 1 1 " + "ab" * 32
PINNED = Verification(
    reachable=True,
    tls=TlsStatus.OK,
    certificate=Certificate(valid=True, subject_names=["imap.example.com"]),
    dane=DaneStatus.VERIFIED,
    dane_record=RECORD,
)
MISMATCH = Verification(
    reachable=True,
    tls=TlsStatus.FAILED,
    certificate=Certificate(valid=False, error="dane-mismatch", kind=CertificateKind.DANE_MISMATCH),
    failure=FailureKind.CERTIFICATE,
    error="certificate refused (dane-mismatch): the certificate matches none of the 1 TLSA record",
    dane=DaneStatus.FAILED,
    dane_record=RECORD,
)


def _sources() -> list[ScriptedSource]:
    return [
        ScriptedSource(
            SourceName.AUTOCONFIG,
            incoming=[server(verification=PINNED)],
            outgoing=[server(Protocol.SMTP, "smtp.example.com", 465, verification=MISMATCH)],
        )
    ]


def test_json_carries_dane_and_the_matching_record():
    """--json: each verification has ``dane`` and ``dane_record``."""
    _, out, _ = run("jane@example.com", "--json", "--no-verify", sources=_sources())
    data = json.loads(out)
    imap, smtp = data["incoming"][0]["verification"], data["outgoing"][0]["verification"]
    assert (imap["dane"], imap["dane_record"]) == ("verified", RECORD)
    assert (smtp["dane"], smtp["failure"]) == ("failed", "certificate")
    assert smtp["certificate"]["kind"] == "dane-mismatch"


def test_human_view_says_pinned_in_dns_and_why_a_mismatch_failed():
    """The human view: "certificate pinned in DNS (DANE)"; a mismatch in plain words."""
    _, out, _ = run("jane@example.com", "--no-verify", sources=_sources())
    flat = " ".join(out.split())  # the table may wrap a cell
    assert "certificate pinned in DNS (DANE)" in flat
    assert "not the one its domain pins in DNS (DANE)" in flat
