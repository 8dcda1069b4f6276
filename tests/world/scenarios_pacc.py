"""PACC scenarios (draft-ietf-mailmaint-pacc): documents nginx serves byte for byte, with
their SHA-256 digests in Knot's TXT records.

- ``pacc.test``: a valid document and a matching record (and a stale one beside it, as during a
  rollover); nothing else published.
- ``pacc-decoy.test``: a document naming decoy hosts whose digest matches no record (a record
  for other bytes is published), beside a correct autoconfig file: the decoy never appears.
- ``pacc-no-txt.test``: a document naming decoy hosts and no TXT record at all, beside correct
  SRV records: the document is not used.
- ``pacc-redirect.test``: the PACC URL answers 301 to a host serving a document its TXT record
  vouches for; redirects are not followed, so nothing is found through PACC (SRV answers).
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING

from autoconf.parsers.pacc import PACC_PATH, record_for

if TYPE_CHECKING:
    from tests.world.scenarios import _Builder

# Every PACC scenario (all have working imap./smtp. hosts), and the check finding each makes.
NAMES = (
    "pacc",
    "pacc-mismatch",
    "pacc-no-txt",
    "pacc-redirect",
    "dav-services",
    "pacc-records-only",
    "pacc-wrong-cert",
    "pacc-not-json",
    "pacc-entries",
)
FINDINGS = {
    "pacc-stale-record": "pacc",
    "pacc-digest-mismatch": "pacc-mismatch",
    "pacc-no-record": "pacc-no-txt",
    "pacc-redirect": "pacc-redirect",
    "pacc-unreachable": "pacc-records-only",
    "pacc-certificate": "pacc-wrong-cert",
    "pacc-bad-document": "pacc-not-json",
    "pacc-bad-record": "pacc-entries",
    "pacc-entry-ignored": "pacc-entries",
    "pacc-one-revision": "pacc-entries",
}

DECOY = "decoy.pacc-elsewhere.test"


def document(imap: str, submit: str, name: str, **urls: str) -> bytes:
    """A PACC document in the draft's deterministic form (sorted keys, compact, UTF-8)."""
    protocols: dict[str, dict[str, str]] = {"imap": {"host": imap}, "submit": {"host": submit}}
    protocols.update({kind: {"url": url} for kind, url in urls.items()})
    value = {
        "protocols": protocols,
        "authentication": {"password": True},
        "info": {"provider": {"name": name}},
    }
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


def add(b: _Builder) -> None:
    """Add the PACC scenarios to the world being built."""
    from tests.world.scenarios import (
        AUTOCONFIG_PATH,
        HTML_PAGE,
        Expect,
        Scenario,
        WebFile,
        Zone,
        clientconfig,
        standard_servers,
    )

    p = b.plan
    decoys = b.zone("pacc-elsewhere.test")
    b.a(decoys, DECOY, p.dovecot)

    def working(name: str, d: str, description: str, *, srv: bool = True) -> Zone:
        """A scenario on ``d`` whose imap./smtp. are the world's Dovecot and Postfix, found
        first (IMAP 993, SMTP 465); ``srv``: published by SRV records too."""
        z = b.zone(d)
        b.mail_hosts(z, d, p.dovecot, p.postfix)
        if srv:
            z.add(f"_imaps._tcp.{d}", "SRV", f"0 1 993 imap.{d}.")
            z.add(f"_submissions._tcp.{d}", "SRV", f"0 1 465 smtp.{d}.")
        expect = (Expect(f"imap.{d}", 993, "tls"), Expect(f"smtp.{d}", 465, "tls"))
        b.add(Scenario(name, d, description, *expect))
        return z

    def serve(z: Zone, body: bytes, *, host: str = "ua-auto-config") -> None:
        """``body`` as the PACC document of ``host``.{zone}."""
        name = f"{host}.{z.origin}"
        b.webhost(z, name).files[PACC_PATH] = WebFile(body, "application/json")

    def vouch(z: Zone, body: bytes) -> None:
        """A _ua-auto-config TXT record whose digest is that of ``body``."""
        z.add(f"_ua-auto-config.{z.origin}", "TXT", f'"{record_for(body)}"')

    z = working(
        "pacc",
        "pacc.test",
        "a PACC document vouched for by its TXT digest (a stale record beside it)",
        srv=False,
    )
    body = document(
        f"imap.{z.origin}",
        f"smtp.{z.origin}",
        "PACC Test Mail",
        jmap=f"https://jmap.{z.origin}/session",
        caldav=f"https://dav.{z.origin}/calendars/",
    )
    serve(z, body)
    vouch(z, body + b" ")  # stale
    vouch(z, body)

    z = working(
        "pacc-mismatch",
        "pacc-decoy.test",
        "a PACC document naming a decoy host whose digest matches no TXT record, beside a "
        "correct autoconfig file",
        srv=False,
    )
    body = document(DECOY, DECOY, "Decoy")
    serve(z, body)
    vouch(z, body + b"tampered")
    b.webhost(z, f"autoconfig.{z.origin}").files[AUTOCONFIG_PATH] = WebFile(
        clientconfig(z.origin, [z.origin], standard_servers(z.origin))
    )

    z = working(
        "pacc-no-txt",
        "pacc-no-txt.test",
        "a PACC document naming a decoy host and no TXT record, beside correct SRV records",
    )
    serve(z, document(DECOY, DECOY, "Decoy"))

    z = working(
        "pacc-redirect",
        "pacc-redirect.test",
        "the PACC URL redirects to a vouched-for document elsewhere (not followed), beside "
        "correct SRV records",
    )
    body = document(DECOY, DECOY, "Decoy")
    b.webhost(z, f"ua-auto-config.{z.origin}").redirects[PACC_PATH] = (
        301,
        f"https://elsewhere.{z.origin}{PACC_PATH}",
    )
    serve(z, body, host="elsewhere")
    vouch(z, body)

    # JMAP (RFC 8620) and CalDAV/CardDAV (RFC 6764) published by SRV, beside mail SRV records.
    z = working(
        "dav-services",
        "dav-services.test",
        "SRV for IMAP and submission, _jmap._tcp, _caldavs._tcp with a TXT path, and "
        "_carddavs._tcp with target '.' (not offered)",
    )
    d = z.origin
    b.webhost(z, f"jmap.{d}")
    b.webhost(z, f"dav.{d}")
    z.add(f"_jmap._tcp.{d}", "SRV", f"0 1 443 jmap.{d}.")
    z.add(f"_caldavs._tcp.{d}", "SRV", f"0 1 443 dav.{d}.")
    z.add(f"_caldavs._tcp.{d}", "TXT", '"path=/dav/calendars/"')
    z.add(f"_carddavs._tcp.{d}", "SRV", "0 0 0 .")

    # The check's PACC findings that the scenarios above do not produce, one domain each;
    # SRV records for the world's Dovecot and Postfix beside them, so mail still works.
    def broken(name: str, description: str) -> Zone:
        return working(name, f"{name}.test", description)

    z = broken("pacc-records-only", "_ua-auto-config TXT records but no ua-auto-config host")
    vouch(z, b"{}")

    z = broken("pacc-wrong-cert", "ua-auto-config.{domain} presents a certificate for another name")
    body = document(f"imap.{z.origin}", f"smtp.{z.origin}", "Wrong Cert")
    host = b.webhost(z, f"ua-auto-config.{z.origin}", p.wrong_name, cert="wrong-name")
    host.files[PACC_PATH] = WebFile(body, "application/json")
    vouch(z, body)

    z = broken("pacc-not-json", "the PACC URL answers an HTML page its TXT record vouches for")
    b.webhost(z, f"ua-auto-config.{z.origin}").files[PACC_PATH] = WebFile(HTML_PAGE, "text/html")
    vouch(z, HTML_PAGE)

    z = broken(
        "pacc-entries",
        "a vouched document naming an IMAP server by IP address and submission only under the "
        "old key 'smtp'; a TXT record with sha512 beside the good one",
    )
    body = json.dumps(
        {
            "protocols": {"imap": {"host": p.dovecot}, "smtp": {"host": f"smtp.{z.origin}"}},
            "info": {"provider": {"name": "Entries"}},
        },
        sort_keys=True,
        separators=(",", ":"),
    ).encode()
    serve(z, body)
    vouch(z, body)
    z.add(f"_ua-auto-config.{z.origin}", "TXT", '"v=UAAC1; a=sha512; d=AAAA"')
