"""What to publish: the SRV records matching the servers the domain's own documents name."""

from __future__ import annotations

from autoconf.check.publish import srv_zone, zone_source
from autoconf.check.report import Mechanism
from tests.unit.check.samples import sample_report


def test_the_zone_publishes_the_autoconfig_servers():
    """The sample's autoconfig names IMAP 993 and SMTP 587: the zone has their SRV lines."""
    zone = srv_zone(sample_report())
    assert zone is not None
    lines = [line for line in zone.splitlines() if not line.startswith(";")]
    assert "_imaps._tcp.example.com. 3600 IN SRV 0 1 993 imap.example.com." in lines
    assert "_submission._tcp.example.com. 3600 IN SRV 0 1 587 smtp.example.com." in lines
    assert "_pop3s._tcp.example.com. 3600 IN SRV 0 0 0 ." in lines


def test_without_autoconfig_the_srv_records_themselves_are_the_source():
    """When only SRV names servers, they are the ones published; with none, no zone."""
    report = sample_report()
    rest = [m for m in report.mechanisms if m.mechanism is not Mechanism.AUTOCONFIG]
    only_srv = report.model_copy(update={"mechanisms": rest})
    source = zone_source(only_srv)
    assert source is not None
    assert source.mechanism is Mechanism.SRV
    nothing = report.model_copy(
        update={"mechanisms": [m for m in rest if m.mechanism is not Mechanism.SRV]}
    )
    assert srv_zone(nothing) is None


def test_pacc_publishes_the_autoconfig_servers_it_can_name():
    """--check --format pacc: the document (first line, with its newline) is what the printed
    record vouches for, and names the sample's IMAP 993 (its 587 server is listed as left out)."""
    from autoconf.check.publish import publish
    from autoconf.parsers.pacc import matching_record, parse_document, parse_integrity_record

    report = sample_report().model_copy(update={"address": "jane@example.com"})
    text = publish(report, "pacc")
    assert text is not None
    body = text.splitlines(keepends=True)[0].encode()
    record = next(line for line in text.splitlines() if " IN TXT " in line).split('"')[1]
    assert matching_record(body, [parse_integrity_record((record.encode(),))]) is not None
    assert [e.host for e in parse_document(body).endpoints] == ["imap.example.com"]
    assert "smtp.example.com port 587 (starttls)" in text
