"""The fixed discovery results the export tests write files from."""

from __future__ import annotations

from autoconf.models import (
    AuthMethod,
    DiscoveryResult,
    OAuth2Info,
    Protocol,
    ProviderInfo,
    Security,
    ServerSettings,
    SourceName,
)

ADDRESS = "alice@example.net"
PASSWORD = "s3cret-Pa55word"  # what the password command prints; never in any output
PASSWORD_COMMAND = "cat /run/user/1000/mail-password"
CA_FILE = "/etc/ssl/world-ca.pem"
MAILDIR = "/home/alice/Mail/example/"


def server(
    protocol: Protocol,
    host: str,
    port: int,
    security: Security,
    auth: tuple[AuthMethod, ...] = (AuthMethod.PASSWORD_CLEARTEXT,),
    username: str | None = ADDRESS,
) -> ServerSettings:
    return ServerSettings(
        protocol=protocol,
        host=host,
        port=port,
        security=security,
        username=username,
        auth=list(auth),
        sources=[SourceName.AUTOCONFIG],
    )


def result(
    incoming: list[ServerSettings] | None = None,
    outgoing: list[ServerSettings] | None = None,
    provider: ProviderInfo | None = None,
    address: str = ADDRESS,
) -> DiscoveryResult:
    """A result for ``address``: by default IMAP 993/143, POP3 995, SMTP 465/587."""
    domain = address.rsplit("@", 1)[1]
    if incoming is None:
        incoming = [
            server(Protocol.IMAP, f"imap.{domain}", 993, Security.TLS),
            server(Protocol.IMAP, f"imap.{domain}", 143, Security.STARTTLS),
            server(Protocol.POP3, f"pop.{domain}", 995, Security.TLS),
        ]
    if outgoing is None:
        outgoing = [
            server(Protocol.SMTP, f"smtp.{domain}", 465, Security.TLS),
            server(Protocol.SMTP, f"smtp.{domain}", 587, Security.STARTTLS),
        ]
    if provider is None:
        provider = ProviderInfo(
            id=domain, display_name="Example Mail", display_short_name="Example", domains=[domain]
        )
    return DiscoveryResult(
        address=address, domain=domain, provider=provider, incoming=incoming, outgoing=outgoing
    )


def oauth2_result() -> DiscoveryResult:
    """A provider that wants OAuth2 first and still takes a password (as Gmail's ISPDB entry)."""
    both = (AuthMethod.OAUTH2, AuthMethod.PASSWORD_CLEARTEXT)
    provider = ProviderInfo(
        id="oauth.example",
        display_name="OAuth Mail",
        domains=["oauth.example"],
        oauth2=OAuth2Info(
            issuer="accounts.oauth.example",
            scopes=["https://mail.oauth.example/"],
            auth_url="https://accounts.oauth.example/auth",
            token_url="https://accounts.oauth.example/token",
        ),
    )
    return result(
        [server(Protocol.IMAP, "imap.oauth.example", 993, Security.TLS, both, "bob@oauth.example")],
        [server(Protocol.SMTP, "smtp.oauth.example", 465, Security.TLS, both, "bob@oauth.example")],
        provider,
        address="bob@oauth.example",
    )
