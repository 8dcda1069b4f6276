from __future__ import annotations

from collections import Counter

import pytest
from hypothesis import given
from hypothesis import strategies as st

from autoconf import (
    DnssecStatus,
    Protocol,
    Security,
    SourceName,
    Trust,
    WarningCode,
    parse_address,
)
from autoconf.parsers.srv import SrvRecord, order_records, settings_from_srv

ADDRESS = parse_address("jane@example.com")


def test_priority_orders_first():
    """Lower priority values come first regardless of weight."""
    records = [SrvRecord(10, 100, 993, "b.example.com."), SrvRecord(0, 0, 993, "a.example.com.")]
    assert [r.target for r in order_records(records)] == ["a.example.com.", "b.example.com."]


def test_order_is_deterministic_for_equal_input():
    """The same records in any input order give the same output order."""
    records = [SrvRecord(0, w, 993, f"h{w}.example.com.") for w in (1, 5, 10, 20)]
    first = order_records(records)
    assert order_records(list(reversed(records))) == first


def test_weights_spread_choices_across_record_sets():
    """Across many different record sets, the heavier record is chosen first more often."""
    firsts: Counter[str] = Counter()
    for n in range(400):
        records = [
            SrvRecord(0, 90, n + 1, "heavy.example.com."),
            SrvRecord(0, 10, n + 1, "light.example.com."),
        ]
        firsts[order_records(records)[0].target] += 1
    assert firsts["heavy.example.com."] > 300
    assert firsts["light.example.com."] > 10


@given(
    st.lists(
        st.builds(
            SrvRecord,
            st.integers(0, 3),
            st.integers(0, 5),
            st.integers(1, 9),
            st.sampled_from(["a.", "b.", "c."]),
        ),
        max_size=8,
    )
)
def test_ordering_is_a_permutation_sorted_by_priority(records):
    """Ordering keeps every record once and never breaks priority order."""
    ordered = order_records(records)
    assert Counter(ordered) == Counter(records)
    assert [r.priority for r in ordered] == sorted(r.priority for r in records)


def test_services_map_to_settings_with_rfc8314_preference():
    """Implicit TLS services come before STARTTLS ones; the username is the full address."""
    answers = {
        "_submission._tcp": [SrvRecord(0, 1, 587, "mail.example.com.")],
        "_submissions._tcp": [SrvRecord(0, 1, 465, "mail.example.com.")],
        "_imap._tcp": [SrvRecord(0, 1, 143, "mail.example.com.")],
        "_imaps._tcp": [SrvRecord(0, 1, 993, "mail.example.com.")],
        "_pop3s._tcp": [SrvRecord(5, 1, 995, "mail.example.com.")],
    }
    r = settings_from_srv(answers, ADDRESS)
    assert [(s.protocol, s.port, s.security) for s in r.incoming] == [
        (Protocol.IMAP, 993, Security.TLS),
        (Protocol.POP3, 995, Security.TLS),
        (Protocol.IMAP, 143, Security.STARTTLS),
    ]
    assert [(s.port, s.security) for s in r.outgoing] == [
        (465, Security.TLS),
        (587, Security.STARTTLS),
    ]
    assert all(s.username == "jane@example.com" for s in r.incoming + r.outgoing)
    assert all(s.sources == [SourceName.SRV] and s.trust is Trust.MEDIUM for s in r.incoming)
    assert r.warnings == []


def test_dot_target_means_not_offered():
    """A lone '.' target says the service is not offered; nothing is proposed for it."""
    r = settings_from_srv({"_pop3._tcp": [SrvRecord(0, 0, 0, ".")]}, ADDRESS)
    assert r.not_offered == ["_pop3._tcp"]
    assert r.incoming == []


def test_target_outside_domain_lowers_trust_and_warns():
    """A target outside the queried domain is low trust with a host-outside-domain warning."""
    r = settings_from_srv({"_imaps._tcp": [SrvRecord(0, 0, 993, "imap.provider.net.")]}, ADDRESS)
    assert r.incoming[0].trust is Trust.LOW
    assert r.warnings[0].code is WarningCode.HOST_OUTSIDE_DOMAIN
    assert r.warnings[0].host == "imap.provider.net"


def test_bad_target_is_skipped_with_warning():
    """A target that is not a host name is skipped, not fatal."""
    r = settings_from_srv({"_imaps._tcp": [SrvRecord(0, 0, 993, "bad_name.example.com.")]}, ADDRESS)
    assert r.incoming == []
    assert r.warnings[0].code is WarningCode.SKIPPED_SERVER


def test_jmap_and_dav_services_from_srv_and_txt_path():
    """_jmap._tcp gives the target's well-known JMAP URL; _caldavs._tcp with a TXT path the
    context URL; a '.' target nothing; a target outside the domain or plain HTTP low trust."""
    from autoconf.models import ServiceKind, Trust
    from autoconf.parsers.srv import services_from_srv, txt_path

    answers = {
        "_jmap._tcp": [SrvRecord(0, 1, 443, "jmap.example.com.")],
        "_caldavs._tcp": [SrvRecord(0, 1, 8443, "dav.example.com.")],
        "_carddavs._tcp": [SrvRecord(0, 0, 0, ".")],
        "_carddav._tcp": [SrvRecord(0, 1, 80, "dav.elsewhere.example.")],
    }
    paths = {"_caldavs._tcp": txt_path([(b"txtvers=1",), (b"path=/dav/calendars/",)])}
    services = services_from_srv(answers, paths, parse_address("jane@example.com"))
    assert [(s.kind, s.url, s.trust) for s in services] == [
        (ServiceKind.JMAP, "https://jmap.example.com/.well-known/jmap", Trust.MEDIUM),
        (ServiceKind.CALDAV, "https://dav.example.com:8443/dav/calendars/", Trust.MEDIUM),
        (ServiceKind.CARDDAV, "http://dav.elsewhere.example/.well-known/carddav", Trust.LOW),
    ]


@pytest.mark.parametrize(
    "strings", [[(b"path=dav",)], [(b"path=/a b",)], [(b"path=/a\nb",)], [], [(b"\xff=/x",)]]
)
def test_a_txt_path_must_be_an_absolute_clean_path(strings):
    """A path that is not absolute or holds spaces or controls is ignored (well-known used)."""
    from autoconf.parsers.srv import txt_path

    assert txt_path(strings) is None


@pytest.mark.parametrize(
    ("status", "trust"),
    [
        (DnssecStatus.SECURE, Trust.HIGH),
        (DnssecStatus.INSECURE, Trust.LOW),
        (DnssecStatus.UNKNOWN, Trust.LOW),
        (None, Trust.LOW),
    ],
)
def test_a_secure_answer_raises_a_target_outside_the_domain_to_high_trust(status, trust):
    """DNSSEC proof that the domain named the server outweighs its being outside the domain."""
    r = settings_from_srv(
        {"_imaps._tcp": [SrvRecord(0, 0, 993, "imap.provider.net.")]},
        ADDRESS,
        signed={"_imaps._tcp": status},
    )
    assert (r.incoming[0].trust, r.incoming[0].dnssec) == (trust, status)
    signed = "the delegation is DNSSEC-signed" in r.warnings[0].message
    assert signed is (status is DnssecStatus.SECURE)
