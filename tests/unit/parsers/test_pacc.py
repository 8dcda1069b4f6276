"""PACC's integrity record and document, against the reference's vectors (pure, no network)."""

from __future__ import annotations

import contextlib
import json

import pytest
from hypothesis import given
from hypothesis import strategies as st

from autoconf.address import parse_address
from autoconf.errors import ParseError
from autoconf.models import AuthMethod, PaccRecordProblem, Protocol, Security, SourceName, Trust
from autoconf.parsers.pacc import (
    digest_of,
    document_url,
    matching_record,
    parse_document,
    parse_integrity_record,
    record_for,
    settings_from_pacc,
    txt_name,
)

BODY1 = (
    b'{"protocols":{"imap":{"host":"imap.example.com"},"submit":{"host":"smtp.example.com"}},'
    b'"authentication":{"password":true},"info":{"provider":{"name":"Example Mail"}}}'
)
BODY3 = (
    b'{"protocols":{"jmap":{"url":"https://jmap.example.com/session"},"caldav":{"url":'
    b'"https://dav.example.com/calendars/"},"carddav":{"url":"https://dav.example.com/contacts/"}}'
    b',"authentication":{"oauth-public":{"issuer":"https://auth.example.com"},"password":false},'
    b'"info":{"provider":{"name":"Example Mail","shortName":"Example"}}}'
)
D1 = "zjQukrYVZ8PbEFpdpZu6YRPKTw3HQsLeF4Lw1+fHj/w="
D2 = "UweoRkQUMX3YssQbEfKVsZbgS1wJTfmM5I7nvPog+48="
ADDRESS = parse_address("jane@example.com")


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        (BODY1, D1),
        (BODY1 + b"\n", D2),
        (BODY3, "6yrIiCqZZILdgY/KZlHAfDF+pkabRJhbmdrN0ZXjGn0="),
        (b"", "47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU="),
    ],
)
def test_digest_vectors(body: bytes, expected: str):
    """Each of the reference's bodies has the reference's digest (sizes 166, 167, 328, 0)."""
    assert digest_of(body) == expected
    assert len(BODY1) == 166
    assert len(BODY3) == 328


def _rr(*strings: str) -> tuple[bytes, ...]:
    return tuple(s.encode() for s in strings)


@pytest.mark.parametrize(
    "rrset",
    [
        [_rr(f"v=UAAC1; a=sha256; d={D1}")],
        [_rr(f"v=UAAC1;a=sha256;d={D1};")],
        [_rr(f"d={D1}; a=sha256; v=UAAC1")],
        [_rr("v=UAAC1; a=sha256; ", f"d={D1}")],
        [_rr(f"v=UAAC1; a=sha256; d={D1}; x=1")],
        [_rr(f"V=uaac1; A=SHA256; d={D1}")],
        [_rr(f"v=UAAC1; a=sha256; d={D2}"), _rr(f"v=UAAC1; a=sha256; d={D1}")],
    ],
)
def test_txt_sets_that_vouch_for_body1(rrset: list[tuple[bytes, ...]]):
    """Every TXT set the reference calls verified vouches for body 1 (order, case, rollover)."""
    records = [parse_integrity_record(rr) for rr in rrset]
    assert matching_record(BODY1, records) is not None


@pytest.mark.parametrize(
    ("rrset", "problems"),
    [
        ([_rr(f"v=UAAC1; a=sha256; d={D2}")], [None]),
        ([_rr(f"v=UAAC2; a=sha256; d={D1}")], [PaccRecordProblem.BAD_VERSION]),
        ([_rr(f"v=UAAC1; a=sha512; d={D1}")], [PaccRecordProblem.BAD_ALGORITHM]),
        ([_rr("v=UAAC1; a=sha256; d=!!")], [PaccRecordProblem.BAD_BASE64]),
        ([_rr("v=UAAC1; a=sha256")], [PaccRecordProblem.NO_DIGEST]),
        ([], []),
        ([_rr("v=spf1 -all")], [PaccRecordProblem.NOT_UAAC]),
        ([_rr("v=UAAC1; a=sha256; d=AAAA")], [PaccRecordProblem.WRONG_LENGTH]),
        ([(b"v=UAAC1; a=sha256; d=\xff",)], [PaccRecordProblem.NOT_TEXT]),
    ],
)
def test_txt_sets_that_do_not_vouch(rrset, problems):
    """Every TXT set the reference refuses vouches for nothing, and each record says why."""
    records = [parse_integrity_record(rr) for rr in rrset]
    assert matching_record(BODY1, records) is None
    assert [r.problem for r in records] == problems


def test_a_published_record_vouches_for_exactly_its_bytes():
    """record_for gives the TXT text whose digest matches these bytes and no others."""
    record = parse_integrity_record(_rr(record_for(BODY1)))
    assert matching_record(BODY1, [record]) is record
    assert matching_record(BODY1 + b" ", [record]) is None


def test_names_and_url():
    """The document URL and the TXT owner name follow the draft."""
    assert document_url("example.com") == (
        "https://ua-auto-config.example.com/.well-known/user-agent-configuration.json"
    )
    assert txt_name("example.com") == "_ua-auto-config.example.com"


def test_body1_gives_imap_and_submission_with_a_password():
    """Body 1: IMAP 993 and submission 465, implicit TLS, the address as user, password."""
    incoming, outgoing, provider = settings_from_pacc(parse_document(BODY1), ADDRESS)
    assert [(s.protocol, s.host, s.port, s.security) for s in incoming + outgoing] == [
        (Protocol.IMAP, "imap.example.com", 993, Security.TLS),
        (Protocol.SMTP, "smtp.example.com", 465, Security.TLS),
    ]
    for server in incoming + outgoing:
        assert server.username == "jane@example.com"
        assert server.auth == [AuthMethod.PASSWORD_CLEARTEXT]
        assert server.sources == [SourceName.PACC]
        assert server.trust is Trust.HIGH
    assert provider is not None
    assert provider.display_name == "Example Mail"


def test_body3_has_no_mail_servers_but_three_urls_and_oauth_only():
    """Body 3: no IMAP/POP3/SMTP; JMAP, CalDAV, CardDAV URLs; OAuth only, with its issuer."""
    document = parse_document(BODY3)
    assert document.endpoints == []
    assert [(u.kind, u.url) for u in document.urls] == [
        ("jmap", "https://jmap.example.com/session"),
        ("caldav", "https://dav.example.com/calendars/"),
        ("carddav", "https://dav.example.com/contacts/"),
    ]
    assert document.password is False
    assert document.oauth_issuer == "https://auth.example.com"
    incoming, outgoing, provider = settings_from_pacc(document, ADDRESS)
    assert incoming == []
    assert outgoing == []
    assert provider is not None
    assert provider.oauth2 is not None
    assert provider.oauth2.issuer == "https://auth.example.com"


def test_unknown_members_are_ignored():
    """Unknown protocols and top-level members are ignored, never errors: IMAP only."""
    body = (
        b'{"protocols":{"imap":{"host":"imap.example.com"},"future":{"endpoint":"wss://x"}},'
        b'"info":{"provider":{"name":"T"}},"futureField":42}'
    )
    document = parse_document(body)
    assert [e.protocol for e in document.endpoints] == [Protocol.IMAP]
    assert document.problems == []


def test_the_02_example_with_smtp_gives_every_service():
    """The -02 example read with the legacy key: IMAP, POP3, SMTP, JMAP, CalDAV, CardDAV."""
    body = json.dumps(
        {
            "protocols": {
                "jmap": {"url": "https://jmap.example.com/session"},
                "imap": {"host": "imap.example.com"},
                "pop3": {"host": "pop3.example.com"},
                "smtp": {"host": "smtp.example.com"},
                "caldav": {"url": "https://sync.example.com/calendar/"},
                "carddav": {"url": "https://sync.example.com/contacts/"},
            },
            "authentication": {
                "oauth-public": {"issuer": "https://auth.example.com/"},
                "password": True,
            },
            "info": {"provider": {"name": "Example Provider Name", "shortName": "Example"}},
        }
    ).encode()
    document = parse_document(body)
    assert [(e.key, e.port) for e in document.endpoints] == [
        ("imap", 993),
        ("pop3", 995),
        ("smtp", 465),
    ]
    assert [u.kind for u in document.urls] == ["jmap", "caldav", "carddav"]
    incoming, outgoing, _ = settings_from_pacc(document, ADDRESS)
    assert outgoing[0].auth == [AuthMethod.PASSWORD_CLEARTEXT, AuthMethod.OAUTH2]
    assert [s.protocol for s in incoming] == [Protocol.IMAP, Protocol.POP3]


def test_submit_wins_over_smtp():
    """With both keys, the -03 ``submit`` is read and the -02 ``smtp`` ignored."""
    body = (
        b'{"protocols":{"smtp":{"host":"old.example.com"},"submit":{"host":"new.example.com"}},'
        b'"info":{"provider":{"name":"T"}}}'
    )
    assert [e.host for e in parse_document(body).endpoints] == ["new.example.com"]


@pytest.mark.parametrize(
    "host",
    ["::1%eth0", "imap.example.com\nsource x|", "a b.example", "", "x" * 64 + ".example", 7],
)
def test_a_host_that_is_not_a_host_name_is_dropped(host: object):
    """A host with a zone id, controls, spaces or a bad label is dropped and named in problems."""
    body = json.dumps(
        {"protocols": {"imap": {"host": host}}, "info": {"provider": {"name": "T"}}}
    ).encode()
    document = parse_document(body)
    assert document.endpoints == []
    assert len(document.problems) == 1


@pytest.mark.parametrize(
    "url",
    ["http://jmap.example.com/", "https://user:pw@jmap.example.com/", "jmap.example.com", 3],
)
def test_a_service_url_that_is_not_plain_https_is_dropped(url: object):
    """Non-https URLs, URLs with credentials and non-strings are dropped with a problem."""
    body = json.dumps({"protocols": {"jmap": {"url": url}}}).encode()
    document = parse_document(body)
    assert document.urls == []
    assert len(document.problems) == 1


def test_a_bare_host_issuer_is_read_as_https_and_flagged():
    """An early deployment's bare host issuer reads as https://host, and the document says so."""
    body = b'{"protocols":{},"authentication":{"oauth-public":{"issuer":"auth.example.com"}}}'
    document = parse_document(body)
    assert document.oauth_issuer == "https://auth.example.com"
    assert document.problems


@pytest.mark.parametrize(
    "issuer", ["https://auth.example.com/?x=1", "https://auth.example.com/#f", "http://a.example"]
)
def test_an_issuer_with_query_fragment_or_http_is_refused(issuer: str):
    """An issuer must be https without query or fragment; otherwise no OAuth is offered."""
    body = json.dumps({"protocols": {}, "authentication": {"oauth-public": {"issuer": issuer}}})
    assert parse_document(body.encode()).oauth_issuer is None


@pytest.mark.parametrize(
    "body",
    [
        b"",
        b"not json",
        b"[1, 2]",
        b'{"info": {}}',
        b'{"protocols": []}',
        b"\xff\xfe{}",
        b"[" * 100_000 + b"]" * 100_000,
        b'{"protocols": {}, "n": ' + b"9" * 10_000 + b"}",
    ],
)
def test_bad_documents_are_a_parse_error(body: bytes):
    """Empty, non-JSON, non-object, protocol-less, non-UTF-8, deep or huge: a ParseError."""
    with pytest.raises(ParseError):
        parse_document(body)


@given(st.binary(max_size=512))
def test_any_bytes_parse_or_raise_parse_error(body: bytes):
    """Whatever the bytes, parsing gives a document or a ParseError, never another exception."""
    with contextlib.suppress(ParseError):
        parse_document(body)


@given(st.lists(st.binary(max_size=80), max_size=4))
def test_any_txt_strings_give_a_record(strings: list[bytes]):
    """Whatever the TXT strings, reading them gives a record, usable only with a 32-byte digest."""
    record = parse_integrity_record(tuple(strings))
    assert (record.digest is None) == (record.problem is not None)
    assert record.digest is None or len(record.digest) == 32


def test_a_document_as_stalwart_serves_it():
    """Stalwart's PACC document (tests/unit/documents/stalwart): IMAP, POP3 and the legacy
    'smtp' key as implicit TLS on one host, JMAP and both DAV URLs (WebDAV and ManageSieve
    known but not used), password and OAuth, its issuer kept exactly as published."""
    from pathlib import Path

    body = (
        Path(__file__).parent.parent / "documents" / "stalwart" / "user-agent-configuration.json"
    ).read_bytes()
    assert not body.endswith(b"\n")  # the digest covers exactly these bytes
    document = parse_document(body)
    assert [(e.key, e.host, e.port) for e in document.endpoints] == [
        ("imap", "mail.example.org", 993),
        ("pop3", "mail.example.org", 995),
        ("smtp", "mail.example.org", 465),
    ]
    assert [(u.kind, u.url) for u in document.urls] == [
        ("jmap", "https://mail.example.org/jmap/session"),
        ("caldav", "https://mail.example.org/dav/cal/"),
        ("carddav", "https://mail.example.org/dav/card/"),
    ]
    assert document.keys >= {"webdav", "managesieve", "smtp"}
    assert "submit" not in document.keys
    assert (document.password, document.oauth_issuer) == (True, "https://mail.example.org")
    assert document.provider_name == "Stalwart"
    assert document.problems == []
    address = parse_address("jane@example.org")
    incoming, outgoing, provider = settings_from_pacc(document, address)
    assert [(s.protocol, s.security) for s in incoming] == [
        (Protocol.IMAP, Security.TLS),
        (Protocol.POP3, Security.TLS),
    ]
    assert outgoing[0].auth == [AuthMethod.PASSWORD_CLEARTEXT, AuthMethod.OAUTH2]
    assert outgoing[0].username == "jane@example.org"
    assert provider is not None
    assert provider.display_name == "Stalwart"
    record = parse_integrity_record([record_for(body).encode()])
    assert matching_record(body, [record]) is record
