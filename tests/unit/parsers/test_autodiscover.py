"""Autodiscover POX answers of real server software, read by the port-first security rule."""

from __future__ import annotations

from autoconf import Protocol, Security, WarningCode, parse_address
from autoconf.parsers.autodiscover import parse_autodiscover

JANE = parse_address("jane@example.com")
ALICE = parse_address("alice@automua.test")


def _entries(response) -> list[tuple[Protocol, int, Security]]:
    return [(s.protocol, s.port, s.security) for s in response.incoming + response.outgoing]


def test_stalwart_answer_reads_all_five_entries_right(document):
    """Stalwart's SSL on + Encryption TLS (993/995/465) and bare SSL off (143/587) read right."""
    r = parse_autodiscover(document("stalwart/autodiscover-pox.xml"), JANE)
    assert _entries(r) == [
        (Protocol.IMAP, 993, Security.TLS),
        (Protocol.IMAP, 143, Security.STARTTLS),
        (Protocol.POP3, 995, Security.TLS),
        (Protocol.SMTP, 465, Security.TLS),
        (Protocol.SMTP, 587, Security.STARTTLS),
    ]
    assert {w.code for w in r.warnings} == {WarningCode.SECURITY_FROM_PORT}
    messages = [w.message for w in r.warnings]
    assert len(messages) == 5
    for port in (993, 995, 465):
        assert any(f"port {port}" in m and "<Encryption>TLS</Encryption>" in m for m in messages)
    for port in (143, 587):
        assert any(f"port {port}" in m and "<SSL>off</SSL>" in m for m in messages)


def test_automua_recorded_answer_gives_implicit_tls_with_a_warning(document):
    """automua 2023.0's recorded answer: 993/995/465 are implicit TLS, each disagreement warned."""
    r = parse_autodiscover(document("automua/autodiscover-pox.xml"), ALICE)
    by_port = {s.port: s for s in r.incoming + r.outgoing}
    assert {p: s.security for p, s in by_port.items()} == {
        993: Security.TLS,
        995: Security.TLS,
        465: Security.TLS,
        143: Security.STARTTLS,
        110: Security.STARTTLS,
        587: Security.STARTTLS,
    }
    assert by_port[995].protocol is Protocol.POP3
    assert by_port[993].username == "alice@automua.test"
    warned = sorted(int(w.message.split("port ")[1].split()[0]) for w in r.warnings)
    assert warned == [465, 993, 995]  # SSL=off + Encryption=STARTTLS on 143/110/587 agree
    for w in r.warnings:
        assert w.code is WarningCode.SECURITY_FROM_PORT
        assert "<SSL>on</SSL> <Encryption>TLS</Encryption>" in w.message
        assert w.host is not None
        assert w.host.endswith(".automua.test")


def test_modoboa_ssl_off_on_starttls_ports_is_never_plain(document):
    """Modoboa's SSL=off for its STARTTLS services reads as STARTTLS, not as cleartext."""
    r = parse_autodiscover(document("modoboa/autodiscover-pox.xml"), JANE)
    assert _entries(r) == [
        (Protocol.IMAP, 143, Security.STARTTLS),
        (Protocol.SMTP, 587, Security.STARTTLS),
    ]
    assert [w.code for w in r.warnings] == [WarningCode.SECURITY_FROM_PORT] * 2


def test_type_pop_is_pop3():
    """<Type>POP</Type> (Monogramm's autodiscover-email-settings) is POP3."""
    doc = b"""<Autodiscover><Response><Account><Action>settings</Action>
      <Protocol><Type>POP</Type><Server>pop.example.com</Server><Port>995</Port>
      <SSL>on</SSL></Protocol></Account></Response></Autodiscover>"""
    r = parse_autodiscover(doc, JANE)
    assert _entries(r) == [(Protocol.POP3, 995, Security.TLS)]
    assert r.warnings == []


def test_explicit_encryption_none_is_plain_and_warned():
    """Only Encryption=None makes a well-known port plain, and that disagreement is warned."""
    doc = b"""<Autodiscover><Response><Account><Action>settings</Action>
      <Protocol><Type>SMTP</Type><Server>smtp.example.com</Server><Port>25</Port>
      <Encryption>None</Encryption><AuthRequired>off</AuthRequired></Protocol>
      </Account></Response></Autodiscover>"""
    r = parse_autodiscover(doc, JANE)
    assert _entries(r) == [(Protocol.SMTP, 25, Security.PLAIN)]
    assert "port 25" in r.warnings[0].message
    assert "<Encryption>None</Encryption>" in r.warnings[0].message


def test_other_ports_follow_the_elements_without_warning():
    """On a port that says nothing, Encryption TLS is STARTTLS and SSL off is plain, unwarned."""
    doc = b"""<Autodiscover><Response><Account><Action>settings</Action>
      <Protocol><Type>IMAP</Type><Server>imap.example.com</Server><Port>1143</Port>
      <SSL>on</SSL><Encryption>TLS</Encryption></Protocol>
      <Protocol><Type>SMTP</Type><Server>smtp.example.com</Server><Port>2525</Port>
      <SSL>off</SSL></Protocol></Account></Response></Autodiscover>"""
    r = parse_autodiscover(doc, JANE)
    assert _entries(r) == [
        (Protocol.IMAP, 1143, Security.STARTTLS),
        (Protocol.SMTP, 2525, Security.PLAIN),
    ]
    assert r.warnings == []
