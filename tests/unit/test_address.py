from __future__ import annotations

import pytest

from autoconf import AddressFailure, InvalidAddress, parse_address
from autoconf.address import is_within, normalize_domain, normalize_host


def test_idn_domain_is_lowercased_and_idna_encoded():
    """A Unicode domain becomes lower-case punycode; the local part is kept as typed."""
    address = parse_address("  User.Name@Bücher.Example \n")
    assert address.local_part == "User.Name"
    assert address.domain == "xn--bcher-kva.example"
    assert str(address) == "User.Name@xn--bcher-kva.example"


def test_trailing_dot_is_dropped():
    """A fully qualified domain with a trailing dot is the same domain."""
    assert parse_address("a@Example.COM.").domain == "example.com"


def test_plus_and_unicode_local_parts_are_kept():
    """Sub-addressing and internationalised local parts (RFC 6531) pass unchanged."""
    assert parse_address("me+tag@example.com").local_part == "me+tag"
    assert parse_address("jösé@example.com").local_part == "jösé"


@pytest.mark.parametrize(
    ("text", "reason", "kind"),
    [
        ("", "empty", AddressFailure.EMPTY),
        ("   ", "empty", AddressFailure.EMPTY),
        ("no-at-sign", "no '@'", AddressFailure.NO_AT),
        ("a@b@example.com", "more than one '@'", AddressFailure.MANY_AT),
        ("@example.com", "before '@' is empty", AddressFailure.BAD_LOCAL_PART),
        ("user@", "domain after '@' is empty", AddressFailure.BAD_DOMAIN),
        ("us er@example.com", "spaces", AddressFailure.SPACE),
        ("user@exa mple.com", "spaces", AddressFailure.SPACE),
        ("user@192.0.2.1", "IP address", AddressFailure.BAD_DOMAIN),
        ("user@[192.0.2.1]", "IP address", AddressFailure.BAD_DOMAIN),
        ("user@[IPv6:2001:db8::1]", "IP address", AddressFailure.BAD_DOMAIN),
        ("user@example..com", "empty label", AddressFailure.BAD_DOMAIN),
        ("user@.example.com", "empty label", AddressFailure.BAD_DOMAIN),
        ("user@localhost", "at least two labels", AddressFailure.BAD_DOMAIN),
        ("user@" + "a" * 64 + ".com", "longer than 63", AddressFailure.TOO_LONG),
        (
            "user@" + ".".join(["abcdefghij"] * 25) + ".com",
            "longer than 253",
            AddressFailure.TOO_LONG,
        ),
        ("a" * 65 + "@example.com", "longer than 64", AddressFailure.TOO_LONG),
        ("user@exam_ple.com", "letters, digits", AddressFailure.BAD_DOMAIN),
        ("user@-example.com", "letters, digits", AddressFailure.BAD_DOMAIN),
        ("user@xn--zz.com", "punycode", AddressFailure.BAD_DOMAIN),
        ("user@example.123", "all digits", AddressFailure.BAD_DOMAIN),
        ("us<er@example.com", "not allowed", AddressFailure.BAD_LOCAL_PART),
        (".user@example.com", "misplaced dot", AddressFailure.BAD_LOCAL_PART),
        ("us..er@example.com", "misplaced dot", AddressFailure.BAD_LOCAL_PART),
    ],
)
def test_malformed_addresses_are_refused_with_a_reason(
    text: str, reason: str, kind: AddressFailure
):
    """Each malformed address raises InvalidAddress whose message and kind say what is wrong."""
    with pytest.raises(InvalidAddress) as info:
        parse_address(text)
    assert reason in str(info.value)
    assert info.value.kind is kind
    assert isinstance(info.value, ValueError)


def test_non_text_input_is_refused():
    """Passing bytes or None is an InvalidAddress, not a TypeError deep inside."""
    with pytest.raises(InvalidAddress) as info:
        parse_address(b"a@example.com")  # type: ignore[arg-type]
    assert info.value.kind is AddressFailure.NOT_TEXT


def test_normalize_host_accepts_ip_and_names():
    """Server hosts may be IP addresses (canonicalised) or names (IDNA, lower case)."""
    assert normalize_host("[2001:DB8::1]") == "2001:db8::1"
    assert normalize_host("192.0.2.7") == "192.0.2.7"
    assert normalize_host("IMAP.Bücher.example.") == "imap.xn--bcher-kva.example"


def test_is_within():
    """A host is within a domain when it is the domain or below it, not a lookalike."""
    assert is_within("imap.example.com", "example.com")
    assert is_within("example.com", "example.com")
    assert not is_within("badexample.com", "example.com")


@pytest.mark.parametrize(
    ("text", "shown"),
    [
        ("\udcffu@example.com", "\\xffu@example.com"),  # b"\xff" from sys.argv
        ("jane@exa\udce9mple.com", "jane@exa\\xe9mple.com"),  # Latin-1 é in a UTF-8 world
        ("a\ud800@example.com", "aU+D800@example.com"),  # any other lone surrogate
    ],
)
def test_text_that_is_not_unicode_is_an_invalid_address(text: str, shown: str):
    """A lone surrogate (an undecodable byte) is InvalidAddress, shown visibly, not a crash."""
    with pytest.raises(InvalidAddress) as info:
        parse_address(text)
    assert info.value.address == shown
    assert "not valid UTF-8" in info.value.reason
    assert info.value.kind is AddressFailure.NOT_UTF8
    info.value.address.encode("utf-8")  # printable and encodable, unlike the input


def test_discover_raises_only_invalid_address_for_undecodable_text():
    """The API's contract holds for an argv-style surrogate: InvalidAddress, no UnicodeError."""
    from autoconf import Options, discover_sync

    with pytest.raises(InvalidAddress):
        discover_sync("\udcffu@example.com", options=Options(offline=True))


def test_a_name_refused_once_is_refused_again_and_good_names_stay_canonical():
    """Host and domain names are judged once each; a refusal is not kept as an answer."""
    for _ in range(2):
        assert normalize_host(" Mail.Example.COM.\n") == "mail.example.com"
        assert normalize_host("[2001:DB8::1]") == "2001:db8::1"
        assert normalize_domain("BÜCHER.example") == "xn--bcher-kva.example"
        with pytest.raises(ValueError, match="empty label"):
            normalize_host("mail..example.com")
        with pytest.raises(ValueError, match="IP address"):
            normalize_domain("192.0.2.1")
    with pytest.raises(ValueError, match="text"):
        normalize_host(["not", "text"])  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="text"):
        normalize_domain(b"example.com")  # type: ignore[arg-type]
