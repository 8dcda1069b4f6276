"""The merged provider index: every database's domains by precedence, trust, MX patterns."""

from __future__ import annotations

import importlib.util
from pathlib import Path
from types import SimpleNamespace

import pytest

from autoconf import Options, parse_address
from autoconf._data import DATABASE_TRUST, default_ispdb
from autoconf.engine.rank import merge
from autoconf.models import (
    AttemptStatus,
    Protocol,
    ProviderDatabase,
    Security,
    ServerSettings,
    SourceName,
    Trust,
)
from autoconf.net.dns import MxRecord
from autoconf.options import Deadline
from autoconf.sources.base import SourceContext, SourceOutcome
from autoconf.sources.ispdb_bundled import bundled_lookup, bundled_resolve
from autoconf.sources.mx import MxSource
from tests.unit.scripts import compiler as load_compiler

from ..fakes import FakeDns

ROOT = Path(__file__).resolve().parents[3]
ORDER = [ProviderDatabase.ISPDB, ProviderDatabase.DELTACHAT, ProviderDatabase.K9]
ORDER.append(ProviderDatabase.MAILCORE2)


def _ctx(address: str, dns: FakeDns | None = None) -> SourceContext:
    return SourceContext(
        address=parse_address(address),
        options=Options(offline=dns is None),
        deadline=Deadline(10.0),
        ispdb=default_ispdb(),
        network=lambda: SimpleNamespace(dns=dns),  # type: ignore[arg-type,return-value]
    )


def _expected(records: list) -> object:
    """The precedence rule, restated: ISPDB with servers; else Delta Chat with servers or
    saying no IMAP; else the first of K-9 and mailcore2 with servers; else Delta Chat's hints."""
    ispdb = [r for r in records if r.database is ProviderDatabase.ISPDB and r.has_servers]
    if ispdb:
        return ispdb[0]
    deltachat = [r for r in records if r.database is ProviderDatabase.DELTACHAT]
    if deltachat and (deltachat[0].has_servers or deltachat[0].template.provider.no_imap):
        return deltachat[0]
    return next((r for r in records if r.has_servers), records[0])


def test_every_domain_of_every_database_resolves_by_precedence():
    """Each domain any bundled database lists gives the servers its precedence rule picks,
    each server naming that database and trusted no more than it is."""
    compiled = load_compiler().read_all(ROOT / "data")
    claims: dict[str, list] = {}
    for database in ORDER:
        for record in compiled.records[database]:
            for domain in record.domains:
                if all(r.database is not database for r in claims.get(domain, [])):
                    claims.setdefault(domain, []).append(record)
    assert len(claims) == len(default_ispdb()) == 1304
    seen: set[ProviderDatabase] = set()
    for domain, records in claims.items():
        want = _expected(records)
        ctx = _ctx(f"someone@{domain}")
        attempt, config = bundled_lookup(ctx, SourceName.ISPDB_BUNDLED, domain, Trust.HIGH)
        assert config is not None, domain
        expected = want.template.resolve(
            ctx.address, source=SourceName.ISPDB_BUNDLED, trust=Trust.HIGH
        )
        got = config.incoming + config.outgoing
        assert sorted(s.endpoint for s in got) == sorted(
            s.endpoint for s in expected.incoming + expected.outgoing
        ), domain
        assert config.provider.database is want.database, domain
        assert want.file in config.provider.records, domain
        for server in got:
            assert server.database is want.database, domain
            assert server.trust is not Trust.HIGH or DATABASE_TRUST[want.database] is Trust.HIGH
        assert attempt.status is AttemptStatus.OK
        hinting = [r for r in records if r.database is ProviderDatabase.DELTACHAT]
        if hinting:  # Delta Chat's hints ride along whoever serves the domain
            assert config.provider.hints_database is ProviderDatabase.DELTACHAT, domain
            assert hinting[0].file in config.provider.records, domain
        seen.add(want.database)
    assert seen == set(ORDER)


def test_deltachat_hints_ride_on_ispdb_servers():
    """gmx.net keeps ISPDB's servers and gets Delta Chat's "allow IMAP first" hint, with both
    records named as provenance."""
    template = default_ispdb().lookup("gmx.net")
    assert template is not None
    provider = template.provider
    assert provider.database is ProviderDatabase.ISPDB
    assert provider.hints_database is ProviderDatabase.DELTACHAT
    assert provider.status is not None
    assert provider.status.value == "preparation"
    assert "allow IMAP access" in (provider.before_login_hint or "")
    assert provider.records == ["ispdb/gmx.net.xml", "deltachat/_providers/gmx.net.md"]
    assert provider.no_imap is None


def test_no_imap_provider_has_no_servers_and_advice():
    """protonmail.com resolves to Delta Chat's record: no servers, no IMAP, the bridge named."""
    ctx = _ctx("someone@protonmail.com")
    _, config = bundled_lookup(ctx, SourceName.ISPDB_BUNDLED, "protonmail.com", Trust.HIGH)
    assert config is not None
    assert config.incoming == []
    assert config.outgoing == []
    assert config.warnings == []  # a record of hints, not an incomplete document
    assert config.provider.no_imap is True
    assert "bridge" in (config.provider.no_imap_advice or "")


def test_secondary_databases_rank_below_network_sources():
    """Network sources always beat a secondary database: SRV's STARTTLS server and even plain
    HTTP autoconfig (low trust) rank above Delta Chat's medium-trust TLS one, and K-9 comes last."""

    def srv(name, host, security, trust, database=None):
        return ServerSettings(
            protocol=Protocol.IMAP,
            host=host,
            port=993 if security is Security.TLS else 143,
            security=security,
            sources=[name],
            trust=trust,
            database=database,
        )

    bundled = SourceOutcome(
        source=SourceName.ISPDB_BUNDLED,
        attempts=[],
        incoming=[
            srv(
                SourceName.ISPDB_BUNDLED,
                "imap.dc.example",
                Security.TLS,
                Trust.MEDIUM,
                ProviderDatabase.DELTACHAT,
            ),
            srv(
                SourceName.ISPDB_BUNDLED,
                "imap.k9.example",
                Security.TLS,
                Trust.LOW,
                ProviderDatabase.K9,
            ),
        ],
    )
    network = SourceOutcome(
        source=SourceName.SRV,
        attempts=[],
        incoming=[srv(SourceName.SRV, "imap.srv.example", Security.STARTTLS, Trust.MEDIUM)],
    )
    http = SourceOutcome(
        source=SourceName.AUTOCONFIG_HTTP,
        attempts=[],
        incoming=[
            srv(SourceName.AUTOCONFIG_HTTP, "imap.http.example", Security.STARTTLS, Trust.LOW)
        ],
    )
    ranked = merge([bundled, network, http], use_verification=False)
    assert [s.host for s in ranked.incoming] == [
        "imap.srv.example",
        "imap.http.example",
        "imap.dc.example",
        "imap.k9.example",
    ]


class _MxDns(FakeDns):
    def __init__(self, mx: dict[str, list[MxRecord]]) -> None:
        super().__init__()
        self.mx_records = mx

    async def mx(self, domain, deadline, *, limit=None):
        return self.mx_records.get(domain, [])


async def test_mx_source_uses_mailcore2_mx_patterns():
    """An MX host matching a mailcore2 pattern (mx1.comcast.net) gives that provider's servers,
    even with the MX host inside the email domain, from the mailcore2 database at low trust."""
    dns = _MxDns({"comcast.net": [MxRecord(5, "mx1.comcast.net")]})
    outcome = await MxSource().run(_ctx("someone@comcast.net", dns))
    hosts = {s.host for s in outcome.incoming + outcome.outgoing}
    assert hosts == {"imap.comcast.net", "mail.comcast.net", "smtp.comcast.net"}
    assert all(s.database is ProviderDatabase.MAILCORE2 for s in outcome.incoming)
    assert all(s.trust is Trust.LOW for s in outcome.incoming)
    assert any("matches provider mailcore2/comcast" in (a.detail or "") for a in outcome.attempts)


@pytest.mark.parametrize(
    ("mx_host", "provider"),
    [("mx1.sub4.homie.mail.dreamhost.com", "dreamhost"), ("mx3.ovh.net", "ovh")],
)
def test_mailcore2_servers_named_after_the_domain_are_filled_in(mx_host, provider):
    """mailcore2 names some servers after the customer's domain (``mail.{domain}``): the
    customer's domain is filled in, and no entry is skipped for an unknown placeholder."""
    key = default_ispdb().mx_provider(mx_host)
    assert key == f"mailcore2/{provider}"
    ctx = _ctx("someone@customer.example")
    config = bundled_resolve(ctx, default_ispdb().template(key), SourceName.MX, Trust.MEDIUM)
    assert config is not None
    hosts = {(s.protocol, s.host, s.port) for s in config.incoming + config.outgoing}
    assert (Protocol.IMAP, "mail.customer.example", 993) in hosts
    assert (Protocol.SMTP, "mail.customer.example", 465) in hosts
    assert {host for _, host, _ in hosts} == {"mail.customer.example"}
    assert not config.warnings, config.warnings


async def test_mx_host_matching_no_pattern_adds_nothing():
    """An MX host no pattern matches (inside the domain) gives no servers from the patterns."""
    dns = _MxDns({"example.org": [MxRecord(5, "mx.example.org")]})
    outcome = await MxSource().run(_ctx("someone@example.org", dns))
    assert outcome.incoming == []
    assert outcome.outgoing == []
    assert default_ispdb().mx_provider("mx.example.org") is None


def test_refresh_says_which_domains_were_added_removed_and_changed(tmp_path):
    """refresh_providers.py with a changed mailcore2 file (dry run) lists the new domain and
    leaves data/ as it was."""
    spec = importlib.util.spec_from_file_location(
        "refresh_providers", ROOT / "scripts/refresh_providers.py"
    )
    assert spec is not None
    assert spec.loader is not None
    refresh = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(refresh)
    import json

    data = json.loads((ROOT / "data/mailcore2/providers.json").read_text())
    data["newprovider"] = {
        "servers": {
            "imap": [{"port": 993, "hostname": "imap.new.example", "ssl": True}],
            "smtp": [{"port": 465, "hostname": "smtp.new.example", "ssl": True}],
        },
        "domain-match": ["new\\.example"],
    }
    changed = tmp_path / "providers.json"
    changed.write_text(json.dumps(data))
    before = (ROOT / "data/providers-index.json").read_bytes()
    import contextlib
    import io

    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        assert refresh.main(["--dry-run", "--mailcore2", str(changed)]) == 0
    assert "+ new.example (mailcore2)" in out.getvalue()
    assert "1304 -> 1305 domains" in out.getvalue()
    assert (ROOT / "data/providers-index.json").read_bytes() == before


def test_a_server_the_network_also_proposes_is_not_ranked_down():
    """The same endpoint from SRV and from K-9 keeps K-9 as its database but ranks as SRV's."""
    from autoconf.engine.rank import rank_key

    def imap(name, trust, database=None):
        return ServerSettings(
            protocol=Protocol.IMAP,
            host="imap.shared.example",
            port=993,
            security=Security.TLS,
            sources=[name],
            trust=trust,
            database=database,
        )

    bundled = SourceOutcome(
        source=SourceName.ISPDB_BUNDLED,
        attempts=[],
        incoming=[imap(SourceName.ISPDB_BUNDLED, Trust.LOW, ProviderDatabase.K9)],
    )
    network = SourceOutcome(
        source=SourceName.SRV, attempts=[], incoming=[imap(SourceName.SRV, Trust.MEDIUM)]
    )
    (merged,) = merge([bundled, network], use_verification=False).incoming
    assert merged.database is ProviderDatabase.K9
    assert merged.sources == [SourceName.SRV, SourceName.ISPDB_BUNDLED]
    alone = imap(SourceName.ISPDB_BUNDLED, Trust.MEDIUM, ProviderDatabase.K9)
    assert rank_key(merged)[3] is False
    assert rank_key(alone)[3] is True


def test_provider_lines_are_a_mapping_and_format_1_is_still_read(tmp_path):
    """The index's provider lines iterate and count like a dict; an ISPDB-only index of the
    old format 1 (one JSON document) still loads and answers."""
    import json

    from autoconf._data import BundledIspdb

    index = default_ispdb()
    keys = list(index.providers)
    assert len(keys) == len(index.providers) == 313
    assert index.providers["deltachat/gmx.net"]["provider"]["id"] == "gmx.net"
    old = {
        "format": 1,
        "snapshot": "abc",
        "domains": {"old.example": "old.example"},
        "providers": {"old.example": index.providers["gmx.net"]},
    }
    (tmp_path / "old.json").write_text(json.dumps(old))
    loaded = BundledIspdb.load(tmp_path / "old.json")
    template = loaded.lookup("old.example")
    assert template is not None
    assert template.servers[0].hostname == "imap.gmx.net"


def test_app_password_is_required_only_where_a_step_is_needed():
    """Delta Chat's hints name app passwords for gmail.com (preparation: make one) and for
    outlook.com (broken: "per-app-passwords are currently not working"); only the first is
    an app password the user must make."""
    gmail = default_ispdb().lookup("gmail.com")
    outlook = default_ispdb().lookup("outlook.com")
    assert gmail is not None
    assert outlook is not None
    assert gmail.provider.app_password_required is True
    assert outlook.provider.hints_database is ProviderDatabase.DELTACHAT
    assert "app-passwords" in (outlook.provider.before_login_hint or "")
    assert outlook.provider.app_password_required is None
