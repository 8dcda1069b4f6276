from __future__ import annotations

import json
import subprocess
import sys

import autoconf


def test_public_api_is_pinned_and_sorted():
    """__all__ is sorted and names exactly the public API (a change here is a decision)."""
    assert autoconf.__all__ == sorted(autoconf.__all__)
    assert set(autoconf.__all__) == {
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
        "DnssecMode",
        "DnssecStatus",
        "DnsError",
        "DnsFailure",
        "DnsTimeout",
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
        "Source",
        "SignIn",
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
        "DiscoveryWarning",
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
    }
    for name in autoconf.__all__:
        assert hasattr(autoconf, name), name


def test_error_tree():
    """Every error derives from AutoconfError and from the builtin it resembles."""
    assert issubclass(autoconf.InvalidAddress, autoconf.AutoconfError)
    assert issubclass(autoconf.InvalidAddress, ValueError)
    assert issubclass(autoconf.ParseError, ValueError)
    assert issubclass(autoconf.DeadlineExceeded, TimeoutError)
    assert issubclass(autoconf.DeadlineExceeded, autoconf.NetworkError)
    assert issubclass(autoconf.NetworkError, OSError)
    assert issubclass(autoconf.TLSError, autoconf.NetworkError)


def test_models_are_frozen_and_strict():
    """Models refuse mutation and unknown fields."""
    import pydantic
    import pytest

    server = autoconf.ServerSettings(
        protocol="imap", host="imap.example.com", port=993, security="tls"
    )
    with pytest.raises(pydantic.ValidationError):
        server.port = 143  # type: ignore[misc]
    with pytest.raises(pydantic.ValidationError):
        autoconf.ServerSettings(
            protocol="imap", host="h.example", port=993, security="tls", colour="blue"
        )  # type: ignore[call-arg]


def test_secrets_never_show_in_reprs():
    """A Credentials repr masks the password."""
    from pydantic import SecretStr

    creds = autoconf.Credentials(username="jane", password=SecretStr("hunter2"))
    assert "hunter2" not in repr(creds)
    assert "hunter2" not in repr(autoconf.Options(credentials=creds))


def _loaded_after(code: str) -> list[str]:
    """Top-level packages among httpx, httpcore, dns and rich that `code` leaves imported."""
    script = (
        "import sys, io, json, autoconf, autoconf.cli\n"
        f"{code}\n"
        "print(json.dumps(sorted({m.split('.')[0] for m in sys.modules} & "
        "{'httpx', 'httpcore', 'dns', 'rich'})))"
    )
    proc = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, timeout=60, check=False
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
    return list(json.loads(proc.stdout.strip().splitlines()[-1]))


def test_offline_path_imports_no_network_or_terminal_library():
    """import autoconf, offline --json and --batch load neither httpx, dnspython nor rich."""
    assert _loaded_after("pass") == []
    assert (
        _loaded_after(
            "autoconf.cli.main(['someone@gmail.com', '--offline', '--json'], stdout=io.StringIO())"
        )
        == []
    )
    assert (
        _loaded_after(
            "autoconf.cli.main(['--batch', '-', '--offline'], stdout=io.StringIO(), "
            "stderr=io.StringIO(), stdin=io.StringIO('someone@gmail.com\\nbad line\\n'))"
        )
        == []
    )


def test_human_offline_path_imports_no_network_library():
    """The human view offline loads rich (to draw) but neither httpx nor dnspython."""
    assert _loaded_after(
        "autoconf.cli.main(['someone@gmail.com', '--offline'], stdout=io.StringIO())"
    ) == ["rich"]


class DirectorySource:
    """A caller's own source, written against the public names only (docs/wizards.md)."""

    name = autoconf.SourceName.LOCAL

    async def run(self, ctx: autoconf.SourceContext) -> autoconf.SourceOutcome:
        host = f"mail.{ctx.address.domain}"
        incoming = autoconf.ServerSettings(
            protocol=autoconf.Protocol.IMAP,
            host=host,
            port=993,
            security=autoconf.Security.TLS,
            username=str(ctx.address),
            sources=[self.name],
            trust=autoconf.Trust.HIGH,
        )
        outgoing = incoming.model_copy(update={"protocol": autoconf.Protocol.SMTP, "port": 465})
        attempt = autoconf.SourceAttempt(
            source=self.name, target="corporate directory", status=autoconf.AttemptStatus.OK
        )
        return autoconf.SourceOutcome(
            source=self.name, attempts=[attempt], incoming=[incoming], outgoing=[outgoing]
        )


def _own_and_builtin() -> list[autoconf.Source]:
    builtin = autoconf.default_sources()
    return [DirectorySource(), *(s for s in builtin if s.name is not autoconf.SourceName.LOCAL)]


def test_a_source_of_your_own_is_ranked_into_the_result():
    """A user-written Source passed with the built-in ones: its servers lead the result."""
    options = autoconf.Options(offline=True)
    result = autoconf.discover_sync("jane@gmail.com", options=options, sources=_own_and_builtin())
    assert result.incoming[0].host == "mail.gmail.com"
    assert result.incoming[0].sources == [autoconf.SourceName.LOCAL]
    assert result.outgoing[0].port == 465
    assert any(a.target == "corporate directory" for a in result.attempts)
    assert any(s.host == "imap.gmail.com" for s in result.incoming)  # bundled ISPDB still ran


def test_two_sources_with_one_name_are_an_options_error():
    """A user source reporting `local` next to the built-in local source is refused by name."""
    import pytest

    sources = [DirectorySource(), *autoconf.default_sources()]
    with pytest.raises(autoconf.OptionsError, match="'local'"):
        autoconf.discover_sync(
            "jane@gmail.com", options=autoconf.Options(offline=True), sources=sources
        )


def test_warning_is_a_deprecated_alias_that_no_longer_shadows_the_builtin():
    """autoconf.Warning works (with a DeprecationWarning); a star import leaves the builtin."""
    import pytest

    from autoconf.models import DiscoveryWarning

    with pytest.warns(DeprecationWarning, match="DiscoveryWarning"):
        assert autoconf.Warning is DiscoveryWarning
    namespace: dict[str, object] = {}
    exec("from autoconf import *", namespace)  # noqa: S102 - the point of the test
    assert "Warning" not in namespace
    assert namespace["DiscoveryWarning"] is DiscoveryWarning
