"""MTA-STS (RFC 8461): the TXT record, the policy file and MX matching."""

from __future__ import annotations

import pytest

from autoconf.errors import ParseError
from autoconf.parsers.mtasts import (
    MAX_AGE_LIMIT,
    MAX_POLICY_BYTES,
    StsMode,
    mx_matches,
    parse_policy,
    parse_sts_record,
    sts_record,
)
from autoconf.parsers.tlsrpt import parse_tlsrpt_record, tlsrpt_record

POLICY = (
    b"version: STSv1\r\nmode: enforce\r\nmx: mail.example.com\r\nmx: *.example.net\r\n"
    b"max_age: 604800\r\n"
)


def test_a_policy_with_crlf_lines_parses():
    policy = parse_policy(POLICY)
    assert policy.mode is StsMode.ENFORCE
    assert policy.max_age == 604800
    assert policy.mx == ("mail.example.com", "*.example.net")


def test_lf_lines_a_missing_last_newline_and_unknown_keys_are_fine():
    body = b"version: STSv1\nmode: testing\nmx: MX.Example.com.\nfuture_key: x\nmax_age: 0"
    policy = parse_policy(body)
    assert (policy.mode, policy.max_age, policy.mx) == (StsMode.TESTING, 0, ("mx.example.com",))


def test_mode_none_needs_no_mx():
    assert parse_policy(b"version: STSv1\nmode: none\nmax_age: 86400\n").mx == ()


@pytest.mark.parametrize(
    ("body", "where"),
    [
        (b"version: STSv2\nmode: enforce\nmx: a.example\nmax_age: 1\n", "version"),
        (b"mode: enforce\nmx: a.example\nmax_age: 1\n", "version"),
        (b"version: STSv1\nmode: strict\nmx: a.example\nmax_age: 1\n", "mode"),
        (b"version: STSv1\nmode: enforce\nmx: a.example\n", "max_age"),
        (b"version: STSv1\nmode: enforce\nmx: a.example\nmax_age: -1\n", "max_age"),
        (
            b"version: STSv1\nmode: enforce\nmx: a.example\nmax_age: %d\n" % (MAX_AGE_LIMIT + 1),
            "max_age",
        ),
        (b"version: STSv1\nmode: enforce\nmax_age: 86400\n", "mx"),
        (b"version: STSv1\nmode: enforce\nmx: a.*.example\nmax_age: 1\n", "line 3"),
        (b"version: STSv1\nmode: enforce\nmx: *\nmax_age: 1\n", "line 3"),
        (b"version: STSv1\rmode: enforce\nmx: a.example\nmax_age: 1\n", "line 1"),
        (b"version: STSv1\njust words\n", "line 2"),
        (b"version: STSv1\nmode:\n", "line 2"),
    ],
)
def test_a_bad_policy_names_its_fault(body: bytes, where: str):
    with pytest.raises(ParseError) as caught:
        parse_policy(body)
    assert caught.value.where == where


def test_a_policy_over_64_kib_or_not_utf8_is_refused():
    with pytest.raises(ParseError, match="larger"):
        parse_policy(POLICY + b"x-pad: " + b"a" * MAX_POLICY_BYTES + b"\n")
    with pytest.raises(ParseError, match="UTF-8"):
        parse_policy(b"version: STSv1\nmode: \xff\n")


def test_the_sts_record_and_its_id():
    record = parse_sts_record("v=STSv1; id=20240101T000000;")
    assert record.id == "20240101T000000"
    assert sts_record([(b"v=spf1 -all",), (b"v=STSv1; ", b"id=abc")]) == parse_sts_record(
        "v=STSv1; id=abc"
    )
    assert sts_record([(b"v=spf1 -all",)]) is None
    assert sts_record([]) is None


@pytest.mark.parametrize(
    "text",
    [
        "v=STSv1;",
        "v=STSv1; id=",
        "v=STSv1; id=has-dash",
        "v=STSv1; id=" + "a" * 33,
        "id=1; v=STSv1",
    ],
)
def test_a_bad_sts_record_is_refused(text: str):
    with pytest.raises(ParseError):
        parse_sts_record(text)


def test_two_sts_records_are_none_to_senders():
    with pytest.raises(ParseError, match="2 records"):
        sts_record([(b"v=STSv1; id=a",), (b"v=STSv1; id=b",)])


@pytest.mark.parametrize(
    ("pattern", "host", "matches"),
    [
        ("mail.example.com", "mail.example.com", True),
        ("mail.example.com", "MAIL.example.com.", True),
        ("mail.example.com", "mx.example.com", False),
        ("*.example.com", "mx1.example.com", True),
        ("*.example.com", "example.com", False),
        ("*.example.com", "a.b.example.com", False),  # the wildcard is one label only
        ("*.example.com", "mx1.example.net", False),
    ],
)
def test_mx_patterns_match_as_rfc_8461_4_1_says(pattern: str, host: str, matches: bool):
    assert mx_matches(pattern, host) is matches


def test_a_tls_rpt_record_with_mailto_and_https():
    record = parse_tlsrpt_record(
        "v=TLSRPTv1; rua=mailto:tls@example.com,https://reports.example.com/tlsrpt"
    )
    assert record.rua == ("mailto:tls@example.com", "https://reports.example.com/tlsrpt")
    assert tlsrpt_record([(b"v=TLSRPTv1;rua=mailto:a@example.com",)]) is not None
    assert tlsrpt_record([(b"v=STSv1; id=1",)]) is None


@pytest.mark.parametrize(
    "text",
    [
        "v=TLSRPTv1;",
        "v=TLSRPTv1; rua=",
        "v=TLSRPTv1; rua=ftp://example.com/x",
        "v=TLSRPTv1; rua=mailto:nobody",
        "v=TLSRPTv1; rua=https:///path",
        "rua=mailto:a@example.com; v=TLSRPTv1",
    ],
)
def test_a_bad_tls_rpt_record_is_refused(text: str):
    with pytest.raises(ParseError):
        parse_tlsrpt_record(text)


def test_two_tls_rpt_records_are_none_to_senders():
    with pytest.raises(ParseError):
        tlsrpt_record(
            [(b"v=TLSRPTv1; rua=mailto:a@x.example",), (b"v=TLSRPTv1; rua=mailto:b@x.example",)]
        )
