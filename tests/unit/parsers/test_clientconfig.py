"""clientConfig documents from real servers: socketType by port, authentication, %EMAILDOMAIN%."""

from __future__ import annotations

from autoconf import Protocol, Security, SourceName, Trust, WarningCode, parse_address
from autoconf.parsers.clientconfig import ClientConfigTemplate, parse_clientconfig, parse_template

ALICE = parse_address("alice@automua.test")
JANE = parse_address("jane@example.com")


def _doc(*sections: str, domain: str = "example.com") -> bytes:
    body = "".join(sections)
    return (
        f'<clientConfig version="1.1"><emailProvider id="p"><domain>{domain}</domain>'
        f"{body}</emailProvider></clientConfig>"
    ).encode()


def _server(
    kind: str = "imap",
    port: int = 993,
    socket: str = "SSL",
    auth: str = "<authentication>password-cleartext</authentication>",
    host: str = "mail.example.com",
) -> str:
    tag = "outgoingServer" if kind == "smtp" else "incomingServer"
    return (
        f'<{tag} type="{kind}"><hostname>{host}</hostname><port>{port}</port>'
        f"<socketType>{socket}</socketType>{auth}</{tag}>"
    )


def test_automua_recorded_clientconfig_parses_whole(document):
    """automua 2023.0's recorded Thunderbird XML gives all six servers, without a warning."""
    config = parse_clientconfig(document("automua/config-v1.1.xml"), ALICE)
    got = {(s.protocol, s.port, s.security) for s in config.incoming + config.outgoing}
    assert got == {
        (Protocol.POP3, 995, Security.TLS),
        (Protocol.POP3, 110, Security.STARTTLS),
        (Protocol.IMAP, 993, Security.TLS),
        (Protocol.IMAP, 143, Security.STARTTLS),
        (Protocol.SMTP, 465, Security.TLS),
        (Protocol.SMTP, 587, Security.STARTTLS),
    }
    assert config.warnings == []
    assert config.provider.domains == ["automua.test"]


def test_socket_type_tls_on_well_known_ports_is_read_by_the_port():
    """socketType TLS (current automua) on 993/995/465: implicit TLS, medium trust, warned."""
    doc = _doc(
        _server("imap", 993, "TLS"),
        _server("pop3", 995, "TLS"),
        _server("smtp", 465, "TLS"),
        _server("smtp", 587, "STARTTLS"),
    )
    config = parse_clientconfig(doc, JANE, trust=Trust.HIGH)
    servers = config.incoming + config.outgoing
    assert [(s.port, s.security, s.trust) for s in servers] == [
        (993, Security.TLS, Trust.MEDIUM),
        (995, Security.TLS, Trust.MEDIUM),
        (465, Security.TLS, Trust.MEDIUM),
        (587, Security.STARTTLS, Trust.HIGH),
    ]
    warned = [w for w in config.warnings if w.code is WarningCode.SECURITY_FROM_PORT]
    assert len(warned) == 3
    for warning, port in zip(warned, (993, 995, 465), strict=True):
        assert "'TLS'" in warning.message
        assert f"port {port}" in warning.message
        assert warning.host == "mail.example.com"


def test_startssl_on_a_starttls_port_is_starttls_and_low_trust_stays_low():
    """STARTSSL (one ISPDB file) on 587 reads as STARTTLS; a low-trust source is not raised."""
    doc = _doc(_server("imap", 993), _server("smtp", 587, "STARTSSL"))
    config = parse_clientconfig(doc, JANE, source=SourceName.AUTOCONFIG_HTTP, trust=Trust.LOW)
    (smtp,) = config.outgoing
    assert (smtp.security, smtp.trust) == (Security.STARTTLS, Trust.LOW)
    assert "'STARTSSL'" in config.warnings[0].message


def test_unknown_socket_type_on_another_port_is_skipped_with_the_value():
    """An unknown socketType on a port that says nothing skips the server, naming the value."""
    doc = _doc(_server("imap", 993), _server("smtp", 2525, "STARTSSL"))
    config = parse_clientconfig(doc, JANE)
    assert config.outgoing == []
    skipped = [w for w in config.warnings if w.code is WarningCode.SKIPPED_SERVER]
    assert len(skipped) == 1
    assert "'STARTSSL'" in skipped[0].message
    assert "2525" in skipped[0].message


def test_port_decided_security_survives_the_json_round_trip():
    """The bundled index keeps the port-decided note, so its warning and trust cap stay."""
    template = parse_template(_doc(_server("imap", 993, "TLS"), _server("smtp", 465)))
    again = ClientConfigTemplate.from_json(template.to_json())
    assert again == template
    config = again.resolve(JANE, source=SourceName.ISPDB_BUNDLED, trust=Trust.HIGH)
    assert config.incoming[0].trust is Trust.MEDIUM
    assert config.warnings[0].code is WarningCode.SECURITY_FROM_PORT


def test_server_without_authentication_is_skipped_with_a_reason():
    """No <authentication> element (Thunderbird: "need proper <authentication>"): skipped."""
    doc = _doc(_server("imap", 993, auth=""), _server("imap", 143, "STARTTLS"), _server("smtp"))
    config = parse_clientconfig(doc, JANE)
    assert [s.port for s in config.incoming] == [143]
    (warning,) = config.warnings
    assert warning.code is WarningCode.SKIPPED_SERVER
    assert "no <authentication>" in warning.message


def test_empty_authentication_beside_a_valid_one_is_ignored():
    """An empty <authentication/> next to a known method is ignored, as K-9 does."""
    auth = "<authentication/><authentication>password-cleartext</authentication>"
    config = parse_clientconfig(_doc(_server("imap", 993, auth=auth), _server("smtp")), JANE)
    assert [s.port for s in config.incoming] == [993]
    assert config.warnings == []


def test_no_outgoing_server_is_warned():
    """A document with incoming servers only parses, with an incomplete-document warning."""
    config = parse_clientconfig(_doc(_server("imap", 993)), JANE)
    assert config.outgoing == []
    (warning,) = config.warnings
    assert warning.code is WarningCode.INCOMPLETE_DOCUMENT
    assert "outgoing" in warning.message


def test_complete_document_has_no_incomplete_warning():
    """A document with both directions carries no incomplete-document warning."""
    config = parse_clientconfig(_doc(_server("imap", 993), _server("smtp", 465)), JANE)
    assert config.warnings == []


def test_emaildomain_placeholder_means_the_fetched_domain():
    """<domain>%EMAILDOMAIN%</domain> (mailcow, Mailu) resolves to the address's own domain."""
    doc = _doc(_server("imap", 993), _server("smtp", 465), domain="%EMAILDOMAIN%")
    template = parse_template(doc)
    assert template.domain_placeholder is True
    assert template.provider.domains == []  # names no domain by itself (--config-dir: none)
    assert ClientConfigTemplate.from_json(template.to_json()) == template
    config = template.resolve(JANE, source=SourceName.AUTOCONFIG, trust=Trust.HIGH)
    assert config.provider.domains == ["example.com"]
    assert config.warnings == []
