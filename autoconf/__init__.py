"""mail-autoconf: find and verify the IMAP, POP3 and SMTP settings for an email address.

>>> import autoconf
>>> result = autoconf.discover_sync("someone@gmail.com", options=autoconf.Options(offline=True))
>>> result.incoming[0].host
'imap.gmail.com'
"""

from __future__ import annotations

TYPE_CHECKING = False  # not typing.TYPE_CHECKING: importing typing alone costs milliseconds
# The public names are imported on first use, not here: ``python -m autoconf`` must be able to
# handle Ctrl-C before the heavy imports (pydantic, httpx, dnspython) run, and a program that
# only wants ``autoconf.errors`` should not pay for them.
if TYPE_CHECKING:
    from ._data import BundledIspdb
    from .address import EmailAddress, parse_address
    from .api import (
        Session,
        check_domain,
        check_domain_sync,
        discover,
        discover_events,
        discover_sync,
    )
    from .check import DomainReport, Finding, FindingCode, Severity
    from .engine import default_sources
    from .engine.runner import new_event_loop
    from .errors import (
        AddressFailure,
        AutoconfError,
        DeadlineExceeded,
        DnsError,
        DnsFailure,
        DnsTimeout,
        ExportError,
        ExportFailure,
        FetchError,
        FetchFailure,
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
    from .export import FORMATS as export_formats
    from .export import export as export_config
    from .models import (
        AttemptStatus,
        AuthMethod,
        Certificate,
        CertificateKind,
        DaneStatus,
        DiscoveryResult,
        DiscoveryWarning,
        DnssecStatus,
        Documentation,
        DomainStatus,
        EnableInstructions,
        FailureKind,
        LocalizedText,
        LoginStatus,
        NotProbed,
        OAuth2Info,
        PaccRecordProblem,
        Pop3Options,
        Protocol,
        ProviderDatabase,
        ProviderInfo,
        ProviderStatus,
        ReasonCode,
        Recommendation,
        RecommendationReason,
        Security,
        ServerSettings,
        Service,
        ServiceKind,
        SignIn,
        SourceAttempt,
        SourceName,
        TlsStatus,
        Trust,
        Verdict,
        Verification,
        WarningCode,
    )
    from .options import Credentials, Deadline, DnssecMode, Mode, Options
    from .sources.base import Source, SourceContext, SourceOutcome

_EXPORTS = {  # name -> module it comes from; imported on first use (PEP 562)
    "EmailAddress": ".address",
    "parse_address": ".address",
    "AddressFailure": ".errors",
    "AutoconfError": ".errors",
    "DeadlineExceeded": ".errors",
    "DnsError": ".errors",
    "DnsFailure": ".errors",
    "DnsTimeout": ".errors",
    "ExportError": ".errors",
    "ExportFailure": ".errors",
    "FetchError": ".errors",
    "FetchFailure": ".errors",
    "HostNotFound": ".errors",
    "InvalidAddress": ".errors",
    "NetworkError": ".errors",
    "OptionsError": ".errors",
    "ParseError": ".errors",
    "TLSError": ".errors",
    "AttemptStatus": ".models",
    "AuthMethod": ".models",
    "Certificate": ".models",
    "CertificateKind": ".models",
    "DaneStatus": ".models",
    "DnssecStatus": ".models",
    "DiscoveryResult": ".models",
    "Documentation": ".models",
    "DomainStatus": ".models",
    "EnableInstructions": ".models",
    "FailureKind": ".models",
    "LocalizedText": ".models",
    "LoginStatus": ".models",
    "NotProbed": ".models",
    "OAuth2Info": ".models",
    "OAuthMetadataStatus": ".models",
    "PaccRecordProblem": ".models",
    "Pop3Options": ".models",
    "Protocol": ".models",
    "ProviderDatabase": ".models",
    "ProviderInfo": ".models",
    "ProviderStatus": ".models",
    "Security": ".models",
    "ServerSettings": ".models",
    "Service": ".models",
    "ServiceKind": ".models",
    "SourceAttempt": ".models",
    "SourceName": ".models",
    "TlsStatus": ".models",
    "Trust": ".models",
    "Verification": ".models",
    "Verdict": ".models",
    "SignIn": ".models",
    "ReasonCode": ".models",
    "Recommendation": ".models",
    "RecommendationReason": ".models",
    "DiscoveryWarning": ".models",
    "WarningCode": ".models",
    "Credentials": ".options",
    "Deadline": ".options",
    "DnssecMode": ".options",
    "Mode": ".options",
    "Options": ".options",
    "CandidateFound": ".events",
    "DiscoveryEvent": ".events",
    "DiscoveryFinished": ".events",
    "ProbeFinished": ".events",
    "ProbeStarted": ".events",
    "SourceFinished": ".events",
    "SourceStarted": ".events",
    "discover": ".api",
    "discover_events": ".api",
    "discover_sync": ".api",
    "Session": ".api",
    "default_sources": ".engine",
    "new_event_loop": ".engine.runner",
    "export_config": ".export",  # the function autoconf.export.export
    "export_formats": ".export",  # autoconf.export.FORMATS
    "DomainReport": ".check",
    "Finding": ".check",
    "FindingCode": ".check",
    "Severity": ".check",
    "check_domain": ".api",
    "check_domain_sync": ".api",
    "BundledIspdb": "._data",
    "Source": ".sources.base",
    "SourceContext": ".sources.base",
    "SourceOutcome": ".sources.base",
}


_RENAMED = {"export_config": "export", "export_formats": "FORMATS"}  # public name -> own name


def __getattr__(name: str) -> object:
    if name == "Warning":  # deprecated: it shadowed the builtin in ``from autoconf import *``
        from . import models

        return models.__getattr__("Warning")
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    from importlib import import_module

    value = getattr(import_module(module, __name__), _RENAMED.get(name, name))
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted({*globals(), *_EXPORTS})


__version__ = "0.1.0"

__all__ = [
    "AddressFailure",
    "AttemptStatus",
    "AuthMethod",
    "AutoconfError",
    "BundledIspdb",
    "CandidateFound",
    "Certificate",
    "CertificateKind",
    "Credentials",
    "DaneStatus",
    "Deadline",
    "DeadlineExceeded",
    "DiscoveryEvent",
    "DiscoveryFinished",
    "DiscoveryResult",
    "DiscoveryWarning",
    "DnsError",
    "DnsFailure",
    "DnsTimeout",
    "DnssecMode",
    "DnssecStatus",
    "Documentation",
    "DomainReport",
    "DomainStatus",
    "EmailAddress",
    "EnableInstructions",
    "ExportError",
    "ExportFailure",
    "FailureKind",
    "FetchError",
    "FetchFailure",
    "Finding",
    "FindingCode",
    "HostNotFound",
    "InvalidAddress",
    "LocalizedText",
    "LoginStatus",
    "Mode",
    "NetworkError",
    "NotProbed",
    "OAuth2Info",
    "OAuthMetadataStatus",
    "Options",
    "OptionsError",
    "PaccRecordProblem",
    "ParseError",
    "Pop3Options",
    "ProbeFinished",
    "ProbeStarted",
    "Protocol",
    "ProviderDatabase",
    "ProviderInfo",
    "ProviderStatus",
    "ReasonCode",
    "Recommendation",
    "RecommendationReason",
    "Security",
    "ServerSettings",
    "Service",
    "ServiceKind",
    "Session",
    "Severity",
    "SignIn",
    "Source",
    "SourceAttempt",
    "SourceContext",
    "SourceFinished",
    "SourceName",
    "SourceOutcome",
    "SourceStarted",
    "TLSError",
    "TlsStatus",
    "Trust",
    "Verdict",
    "Verification",
    "WarningCode",
    "__version__",
    "check_domain",
    "check_domain_sync",
    "default_sources",
    "discover",
    "discover_events",
    "discover_sync",
    "export_config",
    "export_formats",
    "new_event_loop",
    "parse_address",
]
