"""mail-autoconf: find and verify the IMAP, POP3 and SMTP settings for an email address.

>>> import autoconf
>>> result = autoconf.discover_sync("someone@gmail.com", options=autoconf.Options(offline=True))
>>> result.incoming[0].host
'imap.gmail.com'
"""

from __future__ import annotations

from .address import EmailAddress, parse_address
from .api import Session, discover, discover_events, discover_sync
from .errors import (
    AutoconfError,
    DeadlineExceeded,
    FetchError,
    HostNotFound,
    InvalidAddress,
    NetworkError,
    OptionsError,
    ParseError,
    TLSError,
)
from .events import (
    CandidateFound,
    DiscoveryEvent,
    DiscoveryFinished,
    ProbeFinished,
    ProbeStarted,
    SourceFinished,
    SourceStarted,
)
from .models import (
    AttemptStatus,
    AuthMethod,
    Certificate,
    DiscoveryResult,
    Documentation,
    EnableInstructions,
    LocalizedText,
    LoginStatus,
    OAuth2Info,
    Pop3Options,
    Protocol,
    ProviderInfo,
    Security,
    ServerSettings,
    SourceAttempt,
    SourceName,
    TlsStatus,
    Trust,
    Verification,
    Warning,
    WarningCode,
)
from .options import Credentials, Deadline, Mode, Options

__version__ = "0.1.0"

__all__ = [
    "AttemptStatus",
    "AuthMethod",
    "AutoconfError",
    "CandidateFound",
    "Certificate",
    "Credentials",
    "Deadline",
    "DeadlineExceeded",
    "DiscoveryEvent",
    "DiscoveryFinished",
    "DiscoveryResult",
    "Documentation",
    "EmailAddress",
    "EnableInstructions",
    "FetchError",
    "HostNotFound",
    "InvalidAddress",
    "LocalizedText",
    "LoginStatus",
    "Mode",
    "NetworkError",
    "OAuth2Info",
    "Options",
    "OptionsError",
    "ParseError",
    "Pop3Options",
    "ProbeFinished",
    "ProbeStarted",
    "Protocol",
    "ProviderInfo",
    "Security",
    "ServerSettings",
    "Session",
    "SourceAttempt",
    "SourceFinished",
    "SourceName",
    "SourceStarted",
    "TLSError",
    "TlsStatus",
    "Trust",
    "Verification",
    "Warning",
    "WarningCode",
    "__version__",
    "discover",
    "discover_events",
    "discover_sync",
    "parse_address",
]
