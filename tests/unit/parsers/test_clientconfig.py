"""clientConfig documents from real servers: socketType by port, authentication, %EMAILDOMAIN%."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from autoconf import (
    AuthMethod,
    ParseError,
    Protocol,
    Security,
    SourceName,
    Trust,
    WarningCode,
    parse_address,
)
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


ADDRESS = parse_address("jane.doe@example.com")


def test_reads_everything_a_client_can_use(document):
    """Every element a client needs is read, in document order, placeholders filled."""
    config = parse_clientconfig(document("provider-v1.2.xml"), ADDRESS, real_name="Jane Doe")
    p = config.provider
    assert p.id == "example.com"
    assert p.domains == ["example.com"]
    assert p.mx_domains == ["mx.example.net"]  # <domain purpose="mx">: not an email domain
    assert p.display_name == "Example Mail for jane.doe"
    assert p.display_short_name == "Example"
    assert p.documentation[0].url == "https://example.com/help/mail"
    assert [(d.lang, d.text) for d in p.documentation[0].descriptions] == [
        ("en", "How to set up mail"),
        ("de", "So richten Sie E-Mail ein"),
    ]
    assert p.oauth2 is not None
    assert p.oauth2.issuer == "login.example.com"
    assert p.oauth2.scopes == ["mail", "offline_access"]
    assert p.oauth2.auth_url == "https://login.example.com/authorize"
    assert p.oauth2.token_url == "https://login.example.com/token"
    assert p.enable is not None
    assert p.enable.visit_url == "https://example.com/settings/imap"
    assert p.enable.instructions[0].text == "Turn on IMAP first"
    assert p.webmail_url == "https://webmail.example.com/"

    imap1, imap2, pop = config.incoming
    assert (imap1.protocol, imap1.host, imap1.port, imap1.security) == (
        Protocol.IMAP,
        "imap.example.com",
        993,
        Security.TLS,
    )
    assert imap1.username == "jane.doe@example.com"
    assert imap1.auth == [AuthMethod.PASSWORD_ENCRYPTED, AuthMethod.PASSWORD_CLEARTEXT]
    assert (imap2.port, imap2.security, imap2.username) == (143, Security.STARTTLS, "jane.doe")
    assert imap2.auth == [AuthMethod.OAUTH2]
    assert (pop.host, pop.username) == ("pop.example.com", "jane.doe@example.com")
    assert pop.auth == [AuthMethod.PASSWORD_CLEARTEXT, AuthMethod.PASSWORD_ENCRYPTED]
    assert pop.pop3 is not None
    assert pop.pop3.leave_messages_on_server is True
    assert pop.pop3.days_to_leave_messages_on_server == 14
    assert pop.pop3.download_on_biff is False
    assert pop.pop3.check_interval_minutes == 15

    smtp1, smtp2 = config.outgoing
    assert (smtp1.port, smtp1.security, smtp1.auth) == (
        465,
        Security.TLS,
        [AuthMethod.OAUTH2, AuthMethod.PASSWORD_CLEARTEXT],
    )
    assert (smtp2.port, smtp2.username, smtp2.auth) == (587, "Jane Doe", [AuthMethod.NONE])
    for server in config.incoming + config.outgoing:
        assert server.sources == [SourceName.AUTOCONFIG]
        assert server.trust is Trust.HIGH


def test_invalid_server_sections_are_skipped_with_reasons(document):
    """Missing host, bad port, unknown socketType, unknown auth: skipped, each with a warning."""
    config = parse_clientconfig(document("provider-v1.2.xml"), ADDRESS)
    messages = " | ".join(w.message for w in config.warnings)
    assert "no <hostname>" in messages
    assert "99999 is out of range" in messages
    assert "unknown <socketType> 'QUANTUM'" in messages
    assert "no <authentication> method we know" in messages
    assert len(config.warnings) == 4


def test_source_and_trust_are_the_callers(document):
    """The same document can be labelled as any source with any trust."""
    config = parse_clientconfig(
        document("provider-v1.2.xml"), ADDRESS, source=SourceName.AUTOCONFIG_HTTP, trust=Trust.LOW
    )
    assert {s.trust for s in config.incoming} == {Trust.LOW}
    assert {tuple(s.sources) for s in config.outgoing} == {(SourceName.AUTOCONFIG_HTTP,)}


@pytest.mark.parametrize(
    ("name", "domain"),
    [
        ("crlf-no-declaration.xml", "crlf.example"),
        ("bom.xml", "bom.example"),
        ("latin1.xml", "latin1.example"),
        ("cp1252.xml", "cp1252.example"),
    ],
)
def test_encodings_line_endings_and_declarations_parse(document, name: str, domain: str):
    """BOM, CRLF, no XML declaration and declared non-UTF-8 encodings all parse."""
    template = parse_template(document(name))
    assert template.provider.domains == [domain]
    assert template.servers


def test_declared_encodings_are_decoded():
    """Latin-1 and windows-1252 display names come out as the right characters."""
    from pathlib import Path

    here = Path(__file__).parent.parent / "documents"
    assert parse_template((here / "latin1.xml").read_bytes()).provider.display_name == "Müller Mail"
    assert parse_template((here / "cp1252.xml").read_bytes()).provider.display_name == "Café € Mail"
    assert parse_template((here / "bom.xml").read_bytes()).provider.display_name == "Böm Mail"


def test_placeholders_fill_hostnames_too():
    """%EMAILDOMAIN% and %EMAILLOCALPART% are filled in host names as in user names."""
    doc = b"""<clientConfig version="1.1"><emailProvider id="x.example">
      <domain>x.example</domain>
      <incomingServer type="imap"><hostname>mail.%EMAILDOMAIN%</hostname><port>993</port>
      <socketType>SSL</socketType><username>%EMAILLOCALPART%</username>
      <authentication>password-cleartext</authentication></incomingServer>
      <incomingServer type="pop3"><hostname>%EMAILDOMAIN%</hostname><port>995</port>
      <socketType>SSL</socketType><username>%EMAILLOCALPART%.%EMAILDOMAIN%</username>
      <authentication>password-cleartext</authentication></incomingServer>
    </emailProvider></clientConfig>"""
    config = parse_clientconfig(doc, parse_address("Bob@Bücher.Example"))
    assert [s.host for s in config.incoming] == [
        "mail.xn--bcher-kva.example",
        "xn--bcher-kva.example",
    ]
    assert [s.username for s in config.incoming] == ["Bob", "Bob.xn--bcher-kva.example"]


def test_placeholder_that_makes_a_bad_host_is_skipped():
    """A hostname whose filled-in value is not a host name is skipped, not fatal."""
    doc = b"""<clientConfig><emailProvider id="x"><domain>x.example</domain>
      <incomingServer type="imap"><hostname>%EMAILLOCALPART%.x.example</hostname><port>993</port>
      <socketType>SSL</socketType><authentication>password-cleartext</authentication>
      </incomingServer>
      <outgoingServer type="smtp"><hostname>smtp.x.example</hostname><port>465</port>
      <socketType>SSL</socketType><authentication>password-cleartext</authentication>
      </outgoingServer></emailProvider></clientConfig>"""
    config = parse_clientconfig(doc, parse_address("first.last+tag@x.example"))
    assert config.incoming == []
    assert "skipped" in config.warnings[0].message
    assert config.outgoing[0].host == "smtp.x.example"


def test_template_round_trips_through_json(document):
    """A template survives to_json/from_json unchanged (the bundled index relies on it)."""
    template = parse_template(document("provider-v1.2.xml"))
    assert ClientConfigTemplate.from_json(template.to_json()) == template


def test_missing_authentication_skips_the_server():
    """A server section with no <authentication> at all is skipped, with a reason."""
    doc = b"""<clientConfig><emailProvider id="x"><domain>x.example</domain>
      <incomingServer type="imap"><hostname>imap.x.example</hostname><port>993</port>
      <socketType>SSL</socketType><authentication>password-cleartext</authentication>
      </incomingServer>
      <outgoingServer type="smtp"><hostname>smtp.x.example</hostname><port>25</port>
      <socketType>plain</socketType></outgoingServer></emailProvider></clientConfig>"""
    config = parse_clientconfig(doc, parse_address("a@x.example"))
    assert config.outgoing == []
    skipped = [w for w in config.warnings if w.code is WarningCode.SKIPPED_SERVER]
    assert len(skipped) == 1
    assert "no <authentication>" in skipped[0].message


@pytest.mark.parametrize(
    ("name", "reason"),
    [
        ("billion-laughs.xml", "DTD"),
        ("external-entity.xml", "DTD"),
        ("html-page.html", "HTML page"),
    ],
)
def test_hostile_documents_are_refused(document, name: str, reason: str):
    """Entity expansion, external entities and HTML pages raise ParseError naming why."""
    with pytest.raises(ParseError) as info:
        parse_template(document(name))
    assert reason in str(info.value)


def test_entities_without_doctype_are_refused():
    """An undefined entity reference is malformed XML, not an expansion."""
    with pytest.raises(ParseError, match="malformed XML"):
        parse_template(b"<clientConfig>&xxe;</clientConfig>")


def test_oversized_document_is_refused_before_parsing():
    """A 2 MiB document is refused by size, whatever it holds."""
    big = b"<clientConfig>" + b"<!-- padding -->" * (2 * 1024 * 1024 // 16) + b"</clientConfig>"
    with pytest.raises(ParseError, match="more than the 1048576-byte limit"):
        parse_template(big)


def test_deeply_nested_document_is_a_parse_error_not_a_crash():
    """100,000 nested elements inside the size cap end in ParseError, not a crash."""
    depth = 100_000
    doc = b"<clientConfig>" + b"<a>" * depth + b"</a>" * depth + b"</clientConfig>"
    with pytest.raises(ParseError, match="no <emailProvider>"):
        parse_template(doc)


def test_invalid_utf8_is_a_parse_error():
    """Bytes that are not UTF-8 in a UTF-8 document are a ParseError with a position."""
    doc = b'<?xml version="1.0" encoding="UTF-8"?><clientConfig><emailProvider>\xff\xfe'
    with pytest.raises(ParseError) as info:
        parse_template(doc)
    assert info.value.where is not None


@pytest.mark.parametrize(
    ("doc", "reason"),
    [
        (b"", "empty"),
        (b"   \n", "empty"),
        (b"<clientConfig", "malformed XML"),
        (b"<foo/>", "root element is <foo>"),
        (b"<clientConfig/>", "no <emailProvider>"),
        (b"<clientConfig><emailProvider/></clientConfig>", "no usable server"),
        (
            b'<clientConfig><emailProvider><incomingServer type="ews"><url>https://x</url>'
            b"</incomingServer></emailProvider></clientConfig>",
            "no imap, pop3 or smtp",
        ),
        (b'<?xml version="1.0" encoding="no-such-codec"?><clientConfig/>', "XML"),
    ],
)
def test_unusable_documents_raise_parse_error(doc: bytes, reason: str):
    """Empty, malformed, foreign and serverless documents each raise ParseError saying why."""
    with pytest.raises(ParseError) as info:
        parse_template(doc)
    assert reason in str(info.value)


def test_parse_error_names_its_origin():
    """The origin given by the caller appears in the error message."""
    with pytest.raises(ParseError, match=r"^https://autoconfig\.x\.example/"):
        parse_template(b"<html></html>", origin="https://autoconfig.x.example/mail/config-v1.1.xml")


_tags = st.sampled_from(
    [
        "clientConfig",
        "emailProvider",
        "incomingServer",
        "outgoingServer",
        "hostname",
        "port",
        "socketType",
        "authentication",
        "username",
        "domain",
        "x",
    ]
)


@st.composite
def _documents(draw: st.DrawFn) -> bytes:
    def element(depth: int) -> str:
        tag = draw(_tags)
        attrs = draw(st.sampled_from(["", ' type="imap"', ' type="smtp"', ' type="pop3"']))
        if depth > 3 or draw(st.booleans()):
            body = draw(
                st.sampled_from(
                    [
                        "",
                        "993",
                        "SSL",
                        "imap.example.com",
                        "%EMAILADDRESS%",
                        "password-cleartext",
                        "-1",
                        "plain",
                        "\u00e9",
                        "x" * 70,
                        "a..b",
                    ]
                )
            )
        else:
            body = "".join(element(depth + 1) for _ in range(draw(st.integers(0, 4))))
        return f"<{tag}{attrs}>{body}</{tag}>"

    return draw(st.one_of(st.binary(max_size=200), st.just(element(0).encode())))


@settings(max_examples=400, suppress_health_check=[HealthCheck.too_slow], deadline=None)
@given(_documents())
def test_random_documents_only_ever_raise_parse_error(doc: bytes):
    """Whatever the bytes, the parser returns a config or raises ParseError, nothing else."""
    try:
        config = parse_clientconfig(doc, ADDRESS)
    except ParseError:
        return
    assert config.incoming or config.outgoing or config.warnings


def test_enable_without_instructions_is_kept():
    """An <enable visiturl> with no <instruction> children is not dropped."""
    doc = b"""<clientConfig><emailProvider id="x"><domain>x.example</domain>
      <incomingServer type="imap"><hostname>imap.x.example</hostname><port>993</port>
      <socketType>SSL</socketType><authentication>password-cleartext</authentication>
      </incomingServer></emailProvider>
      <enable visiturl="https://x.example/enable"/><webMail><loginPage url="https://w/"/></webMail>
      </clientConfig>"""
    config = parse_clientconfig(doc, parse_address("a@x.example"))
    assert config.provider.enable is not None
    assert config.provider.enable.visit_url == "https://x.example/enable"
    assert config.provider.webmail_url == "https://w/"


def test_placeholders_in_oauth2_urls_are_filled_and_encoded():
    """The OAuth2 URLs get the address filled in (autoconfig draft), percent-encoded so an
    address cannot add a parameter or a fragment."""
    from autoconf.address import EmailAddress
    from autoconf.models import SourceName, Trust
    from autoconf.parsers.clientconfig import parse_template

    doc = b"""<?xml version="1.0"?>
<clientConfig version="1.1"><emailProvider id="x.example"><domain>x.example</domain>
  <incomingServer type="imap"><hostname>imap.x.example</hostname><port>993</port>
    <socketType>SSL</socketType><authentication>OAuth2</authentication>
    <username>%EMAILADDRESS%</username></incomingServer>
</emailProvider>
<oAuth2><issuer>auth.x.example</issuer><scope>mail</scope>
  <authURL>https://auth.x.example/authorize?login_hint=%EMAILADDRESS%</authURL>
  <tokenURL>https://auth.x.example/%EMAILDOMAIN%/token</tokenURL></oAuth2>
</clientConfig>"""
    config = parse_template(doc).resolve(
        EmailAddress("a&b=c#d", "x.example"), source=SourceName.AUTOCONFIG, trust=Trust.HIGH
    )
    assert config.provider is not None
    assert config.provider.oauth2 is not None
    assert config.provider.oauth2.auth_url == (
        "https://auth.x.example/authorize?login_hint=a%26b%3Dc%23d@x.example"
    )
    assert config.provider.oauth2.token_url == "https://auth.x.example/x.example/token"
    assert config.provider.oauth2.issuer == "auth.x.example"


def test_version_1_2_jmap_caldav_and_carddav_sections_become_services():
    """A 1.2 document's JMAP incoming server, <calendar> and <addressbook> are services, their
    URL placeholders filled and percent-encoded; non-https or URL-less sections are left out."""
    from autoconf.address import EmailAddress
    from autoconf.models import ServiceKind, SourceName, Trust
    from autoconf.parsers.clientconfig import parse_template

    doc = b"""<?xml version="1.0"?>
<clientConfig version="1.2"><emailProvider id="x.example"><domain>x.example</domain>
  <incomingServer type="imap"><hostname>imap.x.example</hostname><port>993</port>
    <socketType>SSL</socketType><authentication>password-cleartext</authentication>
    <username>%EMAILADDRESS%</username></incomingServer>
  <incomingServer type="jmap"><url>https://jmap.x.example/session</url>
    <authentication system="http">Basic</authentication></incomingServer>
</emailProvider>
<calendar type="caldav"><url>https://dav.x.example/cal/%EMAILADDRESS%/</url></calendar>
<addressbook type="carddav"><url>http://dav.x.example/card/</url></addressbook>
<addressbook type="carddav"><username>x</username></addressbook>
</clientConfig>"""
    template = parse_template(doc)
    assert type(template).from_json(template.to_json()) == template  # the index's JSON form
    config = template.resolve(
        EmailAddress("a/b", "x.example"), source=SourceName.AUTOCONFIG, trust=Trust.HIGH
    )
    assert [(s.kind, s.url, s.trust) for s in config.services] == [
        (ServiceKind.JMAP, "https://jmap.x.example/session", Trust.HIGH),
        (ServiceKind.CALDAV, "https://dav.x.example/cal/a%2Fb@x.example/", Trust.HIGH),
    ]


def test_a_document_seen_again_gives_the_same_template_and_its_refusal_names_each_origin():
    """A document's template is kept by its bytes (every discovery at a domain fetches the same
    one again): the same bytes give the same template whatever the URL; a document that is
    refused is refused each time, the message naming the origin of that call."""
    data = _doc(_server("imap", 993), _server("smtp", 465))
    first = parse_template(data, origin="https://a.example/config?emailaddress=a@example.com")
    again = parse_template(data, origin="https://a.example/config?emailaddress=b@example.com")
    assert again is first
    assert [s.hostname for s in again.servers] == ["mail.example.com", "mail.example.com"]
    changed = parse_template(data.replace(b"mail.example.com", b"imap.example.com", 1))
    assert changed is not first
    assert changed.servers[0].hostname == "imap.example.com"
    broken = _doc(domain="example.com")  # no server at all
    for origin in ("https://one.example/x", "https://two.example/y"):
        with pytest.raises(ParseError) as refused:
            parse_template(broken, origin=origin)
        assert refused.value.source == origin
