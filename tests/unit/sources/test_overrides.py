"""The reviewed overrides (data/overrides.yaml): each one in the bundled answer, and the
compiler's refusals that keep them from going stale silently (issue 20.7)."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest

from autoconf._data import default_ispdb
from autoconf.cli import main
from autoconf.models import AuthMethod, Protocol, Security
from autoconf.parsers.clientconfig import ClientConfigTemplate, ServerTemplate
from tests.unit.scripts import SCRIPTS, load_script

compiler = load_script(SCRIPTS / "compile_providers.py")


def endpoints(domain: str) -> list[tuple[Protocol, str, int, Security]]:
    template = default_ispdb().lookup(domain)
    assert template is not None
    return [(s.protocol, s.hostname, s.port, s.security) for s in template.servers]


def offline_json(address: str) -> tuple[int, dict[str, object]]:
    out = io.StringIO()
    code = main([address, "--offline", "--json"], stdout=out, stderr=io.StringIO(), environ={})
    return code, json.loads(out.getvalue())


@pytest.mark.parametrize(
    ("new", "old"), [("proton.me", "protonmail.com"), ("tuta.com", "tutanota.com")]
)
def test_the_current_domains_are_answered_like_the_old_ones(new: str, old: str):
    """proton.me and tuta.com, offline: exit 1, no servers, "no IMAP" with the advice what
    to use instead, exactly as protonmail.com and tutanota.com."""
    index = default_ispdb()
    assert index.provider_key(new) == index.provider_key(old)
    code, data = offline_json(f"someone@{new}")
    assert code == 1
    assert data["incoming"] == data["outgoing"] == []
    provider = data["provider"]
    assert isinstance(provider, dict)
    assert provider["no_imap"] is True
    assert provider["no_imap_advice"]
    _, before = offline_json(f"someone@{old}")
    assert before["provider"] == provider


@pytest.mark.parametrize("domain", ["gmail.com", "googlemail.com", "nyu.edu"])
def test_gmail_signs_in_by_oauth2_or_an_app_password(domain: str):
    """Every domain of Google's record says, in fields, that the sign-in is OAuth2 (its
    oauth2 block and mechanism) or an app password (required, and where to make it)."""
    template = default_ispdb().lookup(domain)
    assert template is not None
    provider = template.provider
    assert provider.app_password_required is True
    assert provider.app_password_url == "https://myaccount.google.com/apppasswords"
    assert provider.oauth2 is not None
    assert provider.oauth2.issuer == "accounts.google.com"
    assert all(s.auth[0] is AuthMethod.OAUTH2 for s in template.servers)


def test_fastmail_lists_its_documented_pop3_server():
    """Fastmail's POP3 server is listed (SSL/TLS); its 465 SMTP stays the only one, since its
    page lists no 587."""
    found = endpoints("fastmail.com")
    assert (Protocol.POP3, "pop.fastmail.com", 995, Security.TLS) in found
    assert [e for e in found if e[0] is Protocol.SMTP] == [
        (Protocol.SMTP, "smtp.fastmail.com", 465, Security.TLS)
    ]


def test_mailbox_org_lists_its_documented_pop3_and_587_servers():
    """mailbox.org: POP3 on 995 (SSL/TLS) and SMTP on 587 (STARTTLS) after 465, offline."""
    assert endpoints("mailbox.org") == [
        (Protocol.IMAP, "imap.mailbox.org", 993, Security.TLS),
        (Protocol.SMTP, "smtp.mailbox.org", 465, Security.TLS),
        (Protocol.POP3, "pop3.mailbox.org", 995, Security.TLS),
        (Protocol.SMTP, "smtp.mailbox.org", 587, Security.STARTTLS),
    ]
    code, data = offline_json("someone@mailbox.org")
    assert code == 0
    assert [s["port"] for s in data["outgoing"]] == [465, 587]  # type: ignore[union-attr,index]


def test_every_override_cites_a_page_and_a_date_and_is_in_the_report():
    """Each entry names its source page and the day it was read; the compile report and
    data/SOURCES.md list every record it changes."""
    import yaml

    data = compiler.ROOT / "data"
    entries = yaml.safe_load((data / "overrides.yaml").read_text())["overrides"]
    report = (data / "compile-report.md").read_text()
    sources = (data / "SOURCES.md").read_text()
    for entry in entries:
        assert entry["source"].startswith("https://")
        assert str(entry["read"]) == "2026-12-07"
        assert f"- {entry['record']} ({entry['source']}, read {entry['read']})" in report
        assert f"`{entry['record']}`" in sources
        assert entry["source"] in sources


def _one_record() -> object:
    """A Compiled holding one Delta Chat-like record for example.net (IMAP 993)."""
    from autoconf.models import ProviderDatabase, ProviderInfo

    info = ProviderInfo(id="example.net", domains=["example.net"])
    server = ServerTemplate(
        Protocol.IMAP, "imap.example.net", 993, Security.TLS, "%EMAILADDRESS%", compiler.PASSWORD
    )
    record = compiler.Record(
        ProviderDatabase.DELTACHAT,
        "deltachat/example.net",
        "deltachat/_providers/example.net.md",
        ClientConfigTemplate(info, (server,)),
        ["example.net"],
    )
    return compiler.Compiled(records={ProviderDatabase.DELTACHAT: [record]})


def _apply(tmp_path: Path, entry: str) -> object:
    path = tmp_path / "overrides.yaml"
    path.write_text("overrides:\n  - " + entry.replace("\n", "\n    ") + "\n")
    compiled = _one_record()
    compiler.apply_overrides(path, compiled)
    return compiled


HEAD = "record: {record}\nsource: https://example.net/help\nread: 2026-12-07\n"


def test_an_override_adds_domains_servers_and_fields(tmp_path: Path):
    """Domains, servers and provider fields land on the record, and the change is listed."""
    compiled = _apply(
        tmp_path,
        HEAD.format(record="deltachat/example.net")
        + "add_domains: [example.org]\n"
        + "add_servers:\n  - {protocol: pop3, hostname: pop.example.net, port: 995, "
        "security: tls}\nprovider: {app_password_required: true}",
    )
    (record,) = compiled.records[next(iter(compiled.records))]  # type: ignore[attr-defined]
    assert record.domains == ["example.net", "example.org"]
    assert record.template.provider.domains == ["example.net", "example.org"]
    assert record.template.provider.app_password_required is True
    assert record.template.servers[-1].hostname == "pop.example.net"
    assert "pop3 pop.example.net:995 (tls)" in compiled.overridden[0]  # type: ignore[attr-defined]


@pytest.mark.parametrize(
    ("entry", "said"),
    [
        (HEAD.format(record="deltachat/nowhere"), "no record"),
        (HEAD.format(record="deltachat/example.net") + "add_domains: [example.net]", "already"),
        (
            HEAD.format(record="deltachat/example.net")
            + "add_servers:\n  - {protocol: imap, hostname: imap.example.net, port: 993, "
            "security: tls}",
            "already",
        ),
        (HEAD.format(record="deltachat/example.net") + "colour: blue", "unknown keys"),
        ("record: deltachat/example.net", "needs record, source and read"),
        (HEAD.format(record="deltachat/example.net") + "provider: {no_such_field: 1}", "entry 1"),
    ],
)
def test_the_compiler_refuses_a_stale_or_unknown_override(tmp_path: Path, entry: str, said: str):
    """A missing record, a domain or server the record already has (upstream fixed it), an
    unknown key or field, or a missing source/date stops the compiler, naming the entry."""
    with pytest.raises(SystemExit, match=said):
        _apply(tmp_path, entry)
