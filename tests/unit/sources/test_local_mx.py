"""``<domain purpose="mx">``: a local document applies to addresses whose MX lies in its domain."""

from __future__ import annotations

import dataclasses

from autoconf.models import AttemptStatus, SourceName, Trust
from autoconf.net.dns import MxRecord
from autoconf.parsers.clientconfig import parse_template
from autoconf.sources.local import LocalSource
from tests.unit.check.test_mechanisms import ScriptedDns, ScriptedHttp, context

HOSTED = b"""<?xml version="1.0"?>
<clientConfig version="1.1"><emailProvider id="hoster.example">
  <domain>hoster.example</domain>
  <domain purpose="mx">mx.hoster.example</domain>
  <domain purpose="MX">%EMAILDOMAIN%</domain>
  <incomingServer type="imap"><hostname>imap.hoster.example</hostname><port>993</port>
    <socketType>SSL</socketType><username>%EMAILADDRESS%</username>
    <authentication>password-cleartext</authentication></incomingServer>
  <outgoingServer type="smtp"><hostname>smtp.hoster.example</hostname><port>465</port>
    <socketType>SSL</socketType><username>%EMAILADDRESS%</username>
    <authentication>password-cleartext</authentication></outgoingServer>
</emailProvider></clientConfig>"""


def test_an_mx_domain_is_read_apart_from_the_email_domains():
    """purpose="mx" (any case) goes to mx_domains, never to domains; an MX placeholder is no
    email-domain placeholder."""
    template = parse_template(HOSTED)
    assert template.provider.domains == ["hoster.example"]
    assert template.provider.mx_domains == ["mx.hoster.example"]
    assert not template.domain_placeholder


async def _run(*mx: MxRecord, offline: bool = False):
    dns = ScriptedDns(mx=list(mx))
    ctx = context(ScriptedHttp({}), dns)
    options = dataclasses.replace(ctx.options, local_documents=(HOSTED,), offline=offline)
    return await LocalSource().run(dataclasses.replace(ctx, options=options))


async def test_a_document_applies_when_the_mx_host_is_within_its_mx_domain():
    """jane@example.com, MX eu1.mx.hoster.example: the hoster's document, at medium trust
    (unauthenticated DNS chose it), the match said in the attempt."""
    outcome = await _run(MxRecord(10, "eu1.mx.hoster.example"), MxRecord(20, "other.example"))
    assert [s.host for s in outcome.incoming] == ["imap.hoster.example"]
    assert outcome.incoming[0].trust is Trust.MEDIUM
    assert outcome.incoming[0].sources == [SourceName.LOCAL]
    assert outcome.incoming[0].username == "jane@example.com"
    assert "eu1.mx.hoster.example" in (outcome.attempts[0].detail or "")


async def test_no_match_for_another_mx_a_lower_preference_one_or_offline():
    """Only the lowest-preference MX counts, and only within the MX domain (not a suffix
    lookalike); offline, no MX lookup happens at all."""
    for records in (
        [MxRecord(10, "mx.other.example")],
        [MxRecord(10, "mx.other.example"), MxRecord(20, "a.mx.hoster.example")],
        [MxRecord(10, "evilmx.hoster.example")],
        [MxRecord(0, "")],
        [],
    ):
        outcome = await _run(*records)
        assert outcome.incoming == []
        assert outcome.attempts[0].status is AttemptStatus.EMPTY
    offline = await _run(MxRecord(10, "eu1.mx.hoster.example"), offline=True)
    assert offline.incoming == []


def test_the_bundled_index_takes_an_ispdb_mx_domain_as_an_mx_pattern(tmp_path):
    """An ISPDB file with <domain purpose="mx"> gives the compiled index an MX pattern for
    every host within that domain (and only those), so the MX source finds the provider."""
    import re

    from tests.unit.scripts import SCRIPTS, load_script

    compiler = load_script(SCRIPTS / "compile_providers.py")
    (tmp_path / "hoster.example.xml").write_bytes(HOSTED)
    compiled = compiler.Compiled()
    compiler.read_ispdb(tmp_path, compiled)
    ((pattern, key),) = compiled.mx
    assert key == "hoster.example"
    for host, matches in (
        ("eu1.mx.hoster.example", True),
        ("mx.hoster.example", True),
        ("evilmx.hoster.example", False),
        ("mx.hoster.example.evil.test", False),
    ):
        assert bool(re.fullmatch(pattern, host, re.IGNORECASE)) is matches, host
