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
- ``pacc-oauth*.test``: documents naming an OAuth issuer whose RFC 8414 metadata matches (with
  a path in the issuer), names another issuer, is missing, or does not serve a public client;
  and JMAP/CalDAV/CardDAV URLs that answer 401 with or without a challenge, or 404.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import TYPE_CHECKING

from autoconf.parsers.pacc import PACC_PATH, record_for

if TYPE_CHECKING:
    from tests.world.scenarios import Zone, _Builder

    Serve = Callable[..., None]

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
    "pacc-oauth",
    "pacc-oauth-mismatch",
    "pacc-oauth-missing",
    "pacc-oauth-profile",
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
    "pacc-oauth-metadata": "pacc-oauth-missing",
    "pacc-oauth-mismatch": "pacc-oauth-mismatch",
    "pacc-oauth-profile": "pacc-oauth-profile",
    "service-unreachable": "pacc-oauth",
    "service-no-challenge": "pacc-oauth",
    "service-well-known": "pacc-oauth-profile",
}

DECOY = "decoy.pacc-elsewhere.test"


def document(imap: str, submit: str, name: str, *, issuer: str | None = None, **urls: str) -> bytes:
    """A PACC document in the draft's deterministic form (sorted keys, compact, UTF-8)."""
    protocols: dict[str, dict[str, str]] = {"imap": {"host": imap}, "submit": {"host": submit}}
    protocols.update({kind: {"url": url} for kind, url in urls.items()})
    authentication: dict[str, object] = {"password": True}
    if issuer is not None:
        authentication["oauth-public"] = {"issuer": issuer}
    value = {
        "protocols": protocols,
        "authentication": authentication,
        "info": {"provider": {"name": name}},
    }
    return _json(value)


def _json(value: object) -> bytes:
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


def metadata(issuer: str, /, **changes: object) -> bytes:
    """RFC 8414 metadata for ``issuer`` that serves a public client, with ``changes``."""
    value: dict[str, object] = {
        "issuer": issuer,
        "authorization_endpoint": f"{issuer}/authorize",
        "token_endpoint": f"{issuer}/token",
        "registration_endpoint": f"{issuer}/register",
        "grant_types_supported": ["authorization_code", "refresh_token"],
        "code_challenge_methods_supported": ["S256"],
        "token_endpoint_auth_methods_supported": ["none"],
    }
    value.update(changes)
    return _json(value)


BASIC = 'Basic realm="mail"'


def add(b: _Builder) -> None:
    """Add the PACC scenarios to the world being built."""
    from tests.world.scenarios import (
        AUTOCONFIG_PATH,
        HTML_PAGE,
        Expect,
        Scenario,
        WebFile,
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
    b.webhost(z, f"jmap.{z.origin}").challenges["/session"] = BASIC
    b.webhost(z, f"dav.{z.origin}").challenges["/calendars/"] = BASIC

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
    # The JMAP well-known URL redirects to the session resource (RFC 8620 §2.2), which asks
    # for credentials; the CalDAV context path asks for them too.
    jmap = b.webhost(z, f"jmap.{d}")
    jmap.redirects["/.well-known/jmap"] = (307, f"https://jmap.{d}/jmap/session")
    jmap.challenges["/jmap/session"] = "Bearer"
    b.webhost(z, f"dav.{d}").challenges["/dav/calendars/"] = BASIC
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

    add_oauth(b, working, serve, vouch)


def add_oauth(b: _Builder, working: Callable[..., Zone], serve: Serve, vouch: Serve) -> None:
    """The OAuth issuer scenarios (RFC 8414 metadata) and their JMAP/DAV URLs."""
    from tests.world.scenarios import WebFile

    def published(name: str, description: str, meta: Callable[[str], bytes | None]) -> Zone:
        """A vouched document on ``name``.test naming an issuer on auth.``name``.test, whose
        metadata ``meta(issuer)`` gives (None: no metadata)."""
        z = working(name, f"{name}.test", description, srv=False)
        d = z.origin
        issuer = f"https://auth.{d}/tenant" if name == "pacc-oauth" else f"https://auth.{d}"
        urls = {
            "jmap": f"https://jmap.{d}/session",
            "caldav": f"https://dav.{d}/calendars/",
            "carddav": f"https://dav.{d}/contacts/",
        }
        body = document(f"imap.{d}", f"smtp.{d}", name, issuer=issuer, **urls)
        serve(z, body)
        vouch(z, body)
        auth = b.webhost(z, f"auth.{d}")
        content = meta(issuer)
        if content is not None:
            path = "/.well-known/oauth-authorization-server" + issuer.partition(f"auth.{d}")[2]
            auth.files[path] = WebFile(content, "application/json")
        b.webhost(z, f"jmap.{d}").challenges["/session"] = "Bearer"
        b.webhost(z, f"dav.{d}").challenges["/calendars/"] = BASIC
        b.webhost(z, f"dav.{d}").challenges["/contacts/"] = BASIC
        return z

    z = published(
        "pacc-oauth",
        "a PACC document naming an issuer with a path, whose RFC 8414 metadata matches; its "
        "CalDAV URL answers 401 without a challenge and its CardDAV URL 404",
        metadata,
    )
    dav = b.web[f"dav.{z.origin}"]
    dav.challenges["/calendars/"] = None
    del dav.challenges["/contacts/"]
    published(
        "pacc-oauth-mismatch",
        "the issuer's metadata names the issuer with a trailing slash: another issuer",
        lambda issuer: metadata(issuer, issuer=f"{issuer}/"),
    )
    published("pacc-oauth-missing", "the issuer's host serves no metadata at all", lambda _: None)
    z = published(
        "pacc-oauth-profile",
        "the issuer's metadata offers PKCE 'plain' only and needs a client secret; an SRV "
        "record for CalDAV without a TXT path, whose well-known URL answers itself",
        lambda issuer: metadata(
            issuer,
            code_challenge_methods_supported=["plain"],
            token_endpoint_auth_methods_supported=["client_secret_basic"],
        ),
    )
    z.add(f"_caldavs._tcp.{z.origin}", "SRV", f"0 1 443 dav.{z.origin}.")
    b.web[f"dav.{z.origin}"].challenges["/.well-known/caldav"] = BASIC
