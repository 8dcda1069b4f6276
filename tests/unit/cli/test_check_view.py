"""The human ``--check`` view: where server findings go, how fixes end, how an IDN reads."""

from __future__ import annotations

import io

from autoconf.check.report import Finding, FindingCode, Mechanism, Severity
from autoconf.cli.render.check import render_report
from autoconf.cli.render.terminal import Terminal
from tests.unit.check.samples import sample_report

TERM = Terminal(tty=False, colour=False, width=80, unicode=True)


def _view(**changes: object) -> str:
    out = io.StringIO()
    render_report(sample_report().model_copy(update=changes), out, TERM)
    return out.getvalue()


def _section(text: str, title: str) -> str:
    """The lines of one section (from its title to the next blank line)."""
    start = text.index(title)
    end = text.find("\n\n", start)
    return text[start : end if end != -1 else None]


def test_a_server_finding_goes_under_mail_servers_not_the_mechanism_that_named_it():
    """A server finding carries the naming mechanisms (autoconfig, srv), yet it is shown in
    the Mail servers section, whose mark then says the error."""
    finding = Finding(
        code=FindingCode.PLAINTEXT_LOGIN_BEFORE_TLS,
        severity=Severity.ERROR,
        mechanisms=[Mechanism.AUTOCONFIG, Mechanism.SRV],
        message="IMAP server imap.example.com:143 offers LOGIN before STARTTLS.",
        host="imap.example.com",
        port=143,
    )
    text = _view(findings=[finding])
    assert "[plaintext-login-before-tls]" in _section(text, "Mail servers")
    assert "[plaintext-login-before-tls]" not in _section(text, "Autoconfig")
    assert "✗ Mail servers" in text
    assert "✓ Autoconfig" in text


def test_a_fix_that_ends_with_a_full_stop_gets_no_second_one():
    """Fixes written as sentences ("... stop publishing it.") are not shown with "..";
    fixes without a stop get one."""
    found = [
        Finding(
            code=FindingCode.MX_NONE,
            severity=Severity.WARNING,
            mechanisms=[Mechanism.MX],
            message="No MX.",
            fix="publish an MX record naming your mail server",
        ),
        Finding(
            code=FindingCode.SERVER_UNREACHABLE,
            severity=Severity.ERROR,
            mechanisms=[Mechanism.SRV],
            message="Down.",
            fix="Make sure it runs, or stop publishing it.",
        ),
    ]
    text = _view(findings=found)
    assert ".." not in text
    assert "Fix: publish an MX record naming your mail server." in text
    assert "Fix: Make sure it runs, or stop publishing it." in text


def test_an_idn_domain_is_shown_in_unicode_with_its_ascii_form():
    """The title shows bücher.example as a person wrote it, and the ASCII form beside it."""
    text = _view(domain="xn--bcher-kva.example", address="jane@xn--bcher-kva.example")
    first = " ".join(text.split("\n\n", 1)[0].split())
    assert first.startswith(
        "Mail settings check for bücher.example (xn--bcher-kva.example) "
        "(asked as jane@bücher.example)"
    )


def test_unprobed_servers_are_not_marked_as_fine():
    """With --no-verify the servers are listed as not probed, not under a ✓."""
    report = sample_report()
    servers = [s.model_copy(update={"verification": None}) for s in report.servers]
    text = _view(servers=servers, findings=[])
    assert "– Mail servers (not probed)" in text
    assert "✓ Mail servers" not in text


def test_a_problem_with_srv_points_at_the_zone_to_publish():
    """An SRV warning: the view ends with the command that prints the SRV records; a clean
    SRV section gets no such line."""
    warn = Finding(
        code=FindingCode.SRV_STARTTLS_PREFERRED,
        severity=Severity.WARNING,
        mechanisms=[Mechanism.SRV],
        message="STARTTLS first.",
    )
    text = " ".join(_view(findings=[warn]).split())
    assert "python -m autoconf --check example.com --format srv-zone" in text
    assert "--format srv-zone" not in _view(findings=[])


def test_the_pacc_section_shows_the_oauth_metadata_and_each_service():
    """The PACC section says how the issuer's metadata was read and where, and what each
    JMAP/DAV URL answered without credentials (status, challenges, redirects)."""
    from autoconf.check.report import (
        HttpLookup,
        LookupOutcome,
        MechanismReport,
        OAuthCheck,
        PaccDetails,
        ServiceCheck,
    )
    from autoconf.models import OAuthMetadataStatus, ServiceKind

    meta = "https://auth.example.com/.well-known/oauth-authorization-server"
    jmap = HttpLookup(
        url="https://example.com/.well-known/jmap",
        outcome=LookupOutcome.OK,
        status=401,
        final_url="https://jmap.example.com/session",
        redirects=["https://example.com/.well-known/jmap"],
    )
    dav = HttpLookup(
        url="https://dav.example.com/cal/", outcome=LookupOutcome.NOT_FOUND, status=404
    )
    pacc = MechanismReport(
        mechanism=Mechanism.PACC,
        published=True,
        pacc=PaccDetails(
            oauth=OAuthCheck(
                issuer="https://auth.example.com", status=OAuthMetadataStatus.MISMATCH, url=meta
            )
        ),
        services=[
            ServiceCheck(kind=ServiceKind.JMAP, lookup=jmap, challenges=['Basic realm="x"']),
            ServiceCheck(kind=ServiceKind.CALDAV, lookup=dav),
        ],
    )
    text = _view(mechanisms=[*sample_report().mechanisms, pacc])
    section = _section(text, "PACC")
    assert "OAuth issuer https://auth.example.com: metadata mismatch" in section
    assert meta in section
    assert "jmap: https://example.com/.well-known/jmap: HTTP 401" in section
    assert 'redirected to https://jmap.example.com/session, WWW-Authenticate: Basic realm="x"' in (
        " ".join(line.strip() for line in section.splitlines())
    )
    assert "caldav: https://dav.example.com/cal/: HTTP 404, not found" in section
