"""PACC (draft-ietf-mailmaint-pacc): the integrity record and the document (pure).

A provider publishes one JSON document at
``https://ua-auto-config.DOMAIN/.well-known/user-agent-configuration.json`` and the SHA-256 of
its exact bytes in TXT records at ``_ua-auto-config.DOMAIN``
(``v=UAAC1; a=sha256; d=<base64>``). A document is used only when one of those records matches
it. Everything here works on bytes and strings already fetched: no I/O, no clock.

The wire format read is that of revisions -02 and -03 (``submit``, and the older ``smtp``).
Unknown members, protocol keys and values are ignored, never errors.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

from ..address import EmailAddress, normalize_host
from ..errors import ParseError
from ..models import (
    AuthMethod,
    Documentation,
    OAuth2Info,
    PaccRecordProblem,
    Protocol,
    ProviderInfo,
    Security,
    ServerSettings,
    SourceName,
    Trust,
)
from ._json import load_object
from ._urls import host_name, https_url

__all__ = [
    "PACC_PATH",
    "PACC_PORTS",
    "TXT_PREFIX",
    "IntegrityRecord",
    "PaccDocument",
    "PaccEndpoint",
    "PaccUrl",
    "digest_of",
    "document_url",
    "matching_record",
    "parse_document",
    "parse_integrity_record",
    "record_for",
    "settings_from_pacc",
    "txt_name",
]

PACC_PATH = "/.well-known/user-agent-configuration.json"
TXT_PREFIX = "_ua-auto-config"
MAX_DOCUMENT = 1 << 20  # bytes; the fetch caps the body at the same size

# The text protocols: implicit TLS on the default port, always (draft §3.1).
PACC_PORTS: dict[str, tuple[Protocol, int]] = {
    "imap": (Protocol.IMAP, 993),
    "pop3": (Protocol.POP3, 995),
    "submit": (Protocol.SMTP, 465),
}
LEGACY_SUBMIT = "smtp"  # the -02 name of ``submit``
URL_KINDS = ("jmap", "caldav", "carddav")  # the URL endpoints this library uses


def document_url(domain: str) -> str:
    """Where ``domain`` publishes its PACC document."""
    return f"https://ua-auto-config.{domain}{PACC_PATH}"


def txt_name(domain: str) -> str:
    """The owner name of ``domain``'s integrity records."""
    return f"{TXT_PREFIX}.{domain}"


# --- the integrity record (draft §2) -------------------------------------------------------


@dataclass(frozen=True, slots=True)
class IntegrityRecord:
    """One TXT record as read: its text, its digest when usable, or why it is not usable."""

    text: str
    digest: bytes | None = None
    problem: PaccRecordProblem | None = None

    @property
    def usable(self) -> bool:
        return self.digest is not None


def parse_integrity_record(strings: Sequence[bytes]) -> IntegrityRecord:
    """Read one TXT record given as its character-strings (joined with no separator)."""
    try:
        text = b"".join(strings).decode("utf-8")
    except UnicodeDecodeError:
        return IntegrityRecord(text=repr(b"".join(strings)), problem=PaccRecordProblem.NOT_TEXT)
    tags: dict[str, str] = {}
    for part in text.split(";"):
        name, sep, value = part.partition("=")
        if sep:
            tags.setdefault(name.strip(" \t").lower(), value.strip(" \t"))
    problem = _tag_problem(tags)
    if problem is not None:
        return IntegrityRecord(text=text, problem=problem)
    try:
        digest = base64.b64decode(tags["d"], validate=True)
    except (binascii.Error, ValueError):
        return IntegrityRecord(text=text, problem=PaccRecordProblem.BAD_BASE64)
    if len(digest) != hashlib.sha256().digest_size:
        return IntegrityRecord(text=text, problem=PaccRecordProblem.WRONG_LENGTH)
    return IntegrityRecord(text=text, digest=digest)


def _tag_problem(tags: Mapping[str, str]) -> PaccRecordProblem | None:
    version = tags.get("v", "").lower()
    if not version.startswith("uaac"):  # SPF and the like share the name: not ours
        return PaccRecordProblem.NOT_UAAC
    if version != "uaac1":
        return PaccRecordProblem.BAD_VERSION
    if tags.get("a", "").lower() != "sha256":
        return PaccRecordProblem.BAD_ALGORITHM
    if "d" not in tags:
        return PaccRecordProblem.NO_DIGEST
    return None


def digest_of(body: bytes) -> str:
    """The standard base64 (with padding) of ``body``'s SHA-256, as a record's ``d`` holds it."""
    return base64.b64encode(hashlib.sha256(body).digest()).decode("ascii")


def record_for(body: bytes) -> str:
    """The TXT record text that vouches for exactly ``body``."""
    return f"v=UAAC1; a=sha256; d={digest_of(body)}"


def matching_record(body: bytes, records: Iterable[IntegrityRecord]) -> IntegrityRecord | None:
    """The first usable record whose digest equals ``body``'s SHA-256 (constant-time compare).

    Every record is compared, so the time taken does not tell which one matched.
    """
    actual = hashlib.sha256(body).digest()
    found: IntegrityRecord | None = None
    for record in records:
        if record.digest is not None and hmac.compare_digest(record.digest, actual):
            found = found or record
    return found


# --- the document (draft §3) -----------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class PaccEndpoint:
    """A text-protocol endpoint: a host on the protocol's implicit-TLS port."""

    key: str  # the document's key: imap, pop3, submit or smtp
    protocol: Protocol
    host: str
    port: int


@dataclass(frozen=True, slots=True)
class PaccUrl:
    """A URL endpoint (``jmap``, ``caldav``, ``carddav``)."""

    kind: str
    url: str
    explicit_port: bool = False  # the draft asks for the default port


@dataclass(frozen=True, slots=True)
class PaccDocument:
    """What a PACC document says, checked and normalised; ``problems`` lists what was dropped."""

    endpoints: list[PaccEndpoint] = field(default_factory=list)
    urls: list[PaccUrl] = field(default_factory=list)
    password: bool | None = None  # None: the document does not say
    oauth_issuer: str | None = None
    provider_name: str | None = None
    provider_short_name: str | None = None
    documentation_url: str | None = None
    keys: frozenset[str] = frozenset()  # every key under ``protocols``, as published
    problems: list[str] = field(default_factory=list)


def parse_document(body: bytes, *, origin: str | None = None) -> PaccDocument:
    """Parse a PACC document's bytes. Invalid JSON or a non-object top level is a ParseError."""
    top = load_object(body, origin, limit=MAX_DOCUMENT)
    problems: list[str] = []
    protocols = top.get("protocols")
    if not isinstance(protocols, dict):
        raise ParseError("no 'protocols' object", where="protocols", source=origin)
    endpoints = _endpoints(protocols, problems)
    urls = _urls(protocols, problems)
    password, issuer = _authentication(top.get("authentication"), problems)
    name, short_name, docs = _info(top.get("info"), problems)
    return PaccDocument(
        endpoints=endpoints,
        urls=urls,
        password=password,
        oauth_issuer=issuer,
        provider_name=name,
        provider_short_name=short_name,
        documentation_url=docs,
        keys=frozenset(str(k) for k in protocols),
        problems=problems,
    )


def _endpoints(protocols: Mapping[str, Any], problems: list[str]) -> list[PaccEndpoint]:
    keys = [k for k in PACC_PORTS if k in protocols]
    if "submit" not in protocols and LEGACY_SUBMIT in protocols:
        keys.append(LEGACY_SUBMIT)  # -02's name, read when -03's is absent
    endpoints: list[PaccEndpoint] = []
    for key in keys:
        protocol, port = PACC_PORTS["submit" if key == LEGACY_SUBMIT else key]
        entry = protocols[key]
        host = entry.get("host") if isinstance(entry, dict) else None
        if not isinstance(host, str):
            problems.append(f"protocols.{key} has no 'host' string")
            continue
        try:
            host = host_name(host)
        except ValueError as exc:
            problems.append(f"protocols.{key}.host {host!r} refused: {exc}")
            continue
        endpoints.append(PaccEndpoint(key=key, protocol=protocol, host=host, port=port))
    return endpoints


def _urls(protocols: Mapping[str, Any], problems: list[str]) -> list[PaccUrl]:
    urls: list[PaccUrl] = []
    for kind in URL_KINDS:
        entry = protocols.get(kind)
        if entry is None:
            continue
        url = entry.get("url") if isinstance(entry, dict) else None
        checked = https_url(url) if isinstance(url, str) else None
        if checked is None:
            problems.append(f"protocols.{kind}.url is not an absolute https URL: {url!r}")
            continue
        urls.append(PaccUrl(kind=kind, url=checked[0], explicit_port=checked[1]))
    return urls


def _authentication(value: Any, problems: list[str]) -> tuple[bool | None, str | None]:
    if not isinstance(value, dict):
        return None, None
    password = value.get("password")
    if not isinstance(password, bool):
        password = None
    oauth = value.get("oauth-public")
    issuer = oauth.get("issuer") if isinstance(oauth, dict) else None
    if issuer is not None:
        issuer = _issuer(issuer, problems)
    return password, issuer


def _issuer(value: Any, problems: list[str]) -> str | None:
    """An https issuer without query or fragment; a bare host name reads as ``https://host``."""
    if not isinstance(value, str):
        problems.append("authentication.oauth-public.issuer is not a string")
        return None
    if "://" not in value:
        try:
            host = normalize_host(value)
        except ValueError:
            problems.append(f"authentication.oauth-public.issuer {value!r} is not a URL")
            return None
        problems.append(f"the OAuth issuer {value!r} is a bare host name; read as https://{host}")
        return f"https://{host}"
    parts = urlsplit(value)
    if https_url(value) is None or parts.query or parts.fragment:
        problems.append(f"the OAuth issuer {value!r} is not an https URL without query/fragment")
        return None
    return value


def _info(value: Any, problems: list[str]) -> tuple[str | None, str | None, str | None]:
    if not isinstance(value, dict):
        return None, None, None
    provider = value.get("provider")
    provider = provider if isinstance(provider, dict) else {}
    name = _text(provider.get("name"))
    short_name = _text(provider.get("shortName"))
    help_ = value.get("help")
    docs = help_.get("documentation") if isinstance(help_, dict) else None
    checked = https_url(docs) if isinstance(docs, str) else None
    documentation = checked[0] if checked else None
    if docs is not None and documentation is None:
        problems.append(f"info.help.documentation is not an https URL: {docs!r}")
    return name, short_name, documentation


def _text(value: Any) -> str | None:
    """A display string without control characters, or None."""
    if not isinstance(value, str):
        return None
    text = "".join(ch for ch in value if ch.isprintable()).strip()
    return text or None


# --- to settings -----------------------------------------------------------------------------


def settings_from_pacc(
    document: PaccDocument, address: EmailAddress, *, trust: Trust = Trust.HIGH
) -> tuple[list[ServerSettings], list[ServerSettings], ProviderInfo | None]:
    """The incoming servers, outgoing servers and provider a verified document gives."""
    auth: list[AuthMethod] = []
    if document.password is not False:  # absent: user name and password, as everywhere else
        auth.append(AuthMethod.PASSWORD_CLEARTEXT)
    if document.oauth_issuer is not None:
        auth.append(AuthMethod.OAUTH2)
    servers = [
        ServerSettings(
            protocol=endpoint.protocol,
            host=endpoint.host,
            port=endpoint.port,
            security=Security.TLS,
            username=str(address),  # always the full address (draft §3.2)
            auth=list(auth),
            sources=[SourceName.PACC],
            trust=trust,
        )
        for endpoint in document.endpoints
    ]
    incoming = [s for s in servers if s.protocol is not Protocol.SMTP]
    outgoing = [s for s in servers if s.protocol is Protocol.SMTP]
    return incoming, outgoing, _provider(document, address)


def _provider(document: PaccDocument, address: EmailAddress) -> ProviderInfo | None:
    if document.provider_name is None and document.oauth_issuer is None:
        return None
    docs = document.documentation_url
    return ProviderInfo(
        display_name=document.provider_name,
        display_short_name=document.provider_short_name,
        domains=[address.domain],
        documentation=[Documentation(url=docs)] if docs else [],
        oauth2=OAuth2Info(issuer=document.oauth_issuer) if document.oauth_issuer else None,
    )
