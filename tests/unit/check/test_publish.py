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
