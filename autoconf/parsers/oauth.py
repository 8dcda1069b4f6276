"""OAuth 2.0 authorization-server metadata (RFC 8414), as PACC's OAuth section uses it (pure).

A PACC document names an issuer (``authentication.oauth-public.issuer``); a client reads the
issuer's metadata from ``https://HOST/.well-known/oauth-authorization-server[/PATH]`` (RFC 8414
§3) or, as the alternative the draft allows, from OpenID Connect discovery
(``ISSUER/.well-known/openid-configuration``), and uses it only when its ``issuer`` member is
the published issuer exactly (RFC 8414 §3.3). Bytes in, an :class:`OAuthMetadata` out.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

from ..errors import ParseError
from ..models import OAuth2Info, OAuthMetadataStatus
from ._json import load_object
from ._urls import https_url

__all__ = [
    "MAX_METADATA",
    "PACC_SCOPES",
    "OAuthMetadata",
    "metadata_urls",
    "oauth_info",
    "parse_metadata",
]

MAX_METADATA = 256 * 1024  # bytes; real metadata documents are a few kilobytes
MAX_LIST = 64  # entries kept from each list member

# The scopes of draft-ietf-mailmaint-oauth-public that a mail client asks for, and the one
# that brings a refresh token (pacc.md §3.2).
MAIL_SCOPE = "urn:ietf:params:oauth:scope:mail"
PACC_SCOPES = {
    "mail": MAIL_SCOPE,
    "caldav": "urn:ietf:params:oauth:scope:calendars",
    "carddav": "urn:ietf:params:oauth:scope:contacts",
}
OFFLINE_SCOPE = "offline_access"


def metadata_urls(issuer: str) -> list[str]:
    """Where ``issuer``'s metadata is published: RFC 8414's URL first, then OpenID's.

    RFC 8414 §3.1 inserts the well-known segment between host and path; OpenID Connect
    Discovery appends it to the issuer.
    """
    parts = urlsplit(issuer)
    path = parts.path.rstrip("/")
    base = f"https://{parts.netloc}"
    return [
        f"{base}/.well-known/oauth-authorization-server{path}",
        f"{base}{path}/.well-known/openid-configuration",
    ]


@dataclass(frozen=True, slots=True)
class OAuthMetadata:
    """The members of an issuer's metadata a public mail client needs."""

    issuer: str
    authorization_endpoint: str | None = None
    token_endpoint: str | None = None
    registration_endpoint: str | None = None
    grant_types: list[str] = field(default_factory=list)
    pkce_methods: list[str] = field(default_factory=list)
    token_auth_methods: list[str] = field(default_factory=list)
    scopes: list[str] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)  # members dropped, and why

    @property
    def public_client_ready(self) -> bool:
        """What the OAuth profile for open public clients needs: the authorization code grant
        with PKCE S256 and no client secret (RFC 8414 defaults apply to absent members)."""
        grants = self.grant_types or ["authorization_code", "implicit"]
        methods = self.token_auth_methods or ["client_secret_basic"]
        return (
            self.authorization_endpoint is not None
            and self.token_endpoint is not None
            and "authorization_code" in grants
            and "S256" in self.pkce_methods
            and "none" in methods
        )


def parse_metadata(body: bytes, *, issuer: str, origin: str | None = None) -> OAuthMetadata:
    """Parse metadata bytes for ``issuer``.

    Raises ParseError when the body is not a JSON object, has no ``issuer`` string, or names
    another issuer (``ParseError.where == "issuer"`` then: the one mismatch a caller tells apart).
    """
    top = load_object(body, origin, limit=MAX_METADATA)
    published = top.get("issuer")
    if not isinstance(published, str):
        raise ParseError("no 'issuer' string", where="issuer-missing", source=origin)
    if published != issuer:  # RFC 8414 §3.3: identical, no normalisation
        raise ParseError(
            f"metadata for issuer {published[:200]!r}, not {issuer!r}",
            where="issuer",
            source=origin,
        )
    problems: list[str] = []
    return OAuthMetadata(
        issuer=published,
        authorization_endpoint=_endpoint(top, "authorization_endpoint", problems),
        token_endpoint=_endpoint(top, "token_endpoint", problems),
        registration_endpoint=_endpoint(top, "registration_endpoint", problems),
        grant_types=_strings(top, "grant_types_supported", problems),
        pkce_methods=_strings(top, "code_challenge_methods_supported", problems),
        token_auth_methods=_strings(top, "token_endpoint_auth_methods_supported", problems),
        scopes=_strings(top, "scopes_supported", problems),
        problems=problems,
    )


def _endpoint(top: Mapping[str, Any], name: str, problems: list[str]) -> str | None:
    value = top.get(name)
    if value is None:
        return None
    checked = https_url(value) if isinstance(value, str) else None
    if checked is None:
        problems.append(f"{name} is not an absolute https URL")
        return None
    return checked[0]


def _strings(top: Mapping[str, Any], name: str, problems: list[str]) -> list[str]:
    value = top.get(name)
    if value is None:
        return []
    if not isinstance(value, list):
        problems.append(f"{name} is not a list")
        return []
    kept = [v for v in value[:MAX_LIST] if isinstance(v, str) and v.isprintable() and len(v) < 200]
    if len(kept) != len(value):
        problems.append(f"{name}: {len(value) - len(kept)} entries dropped")
    return kept


def oauth_info(
    issuer: str,
    metadata: OAuthMetadata | None,
    status: OAuthMetadataStatus,
    *,
    services: frozenset[str] = frozenset(),
) -> OAuth2Info:
    """The OAuth2Info a client uses: the endpoints only from metadata that matched the issuer.

    The scopes are the draft's mail scope, those of the other ``services`` offered (``caldav``,
    ``carddav``) and ``offline_access``; when the metadata lists its scopes, only those listed.
    """
    if metadata is None:
        return OAuth2Info(issuer=issuer, metadata=status)
    wanted = [MAIL_SCOPE, *(PACC_SCOPES[k] for k in ("caldav", "carddav") if k in services)]
    wanted.append(OFFLINE_SCOPE)
    if metadata.scopes:
        wanted = [s for s in wanted if s in metadata.scopes]
    return OAuth2Info(
        issuer=issuer,
        scopes=wanted,
        auth_url=metadata.authorization_endpoint,
        token_url=metadata.token_endpoint,
        registration_url=metadata.registration_endpoint,
        grant_types=metadata.grant_types,
        pkce_methods=metadata.pkce_methods,
        metadata=status,
    )
