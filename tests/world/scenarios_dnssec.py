"""DNSSEC and DANE scenarios (issue 23): signed zones, TLSA records, a bogus zone, MTA-STS.

Hooked into :func:`tests.world.scenarios.build`. Knot signs the zones marked ``signing`` here
(and the world's root and ``test.``, tests/world/dnssec.py), so a validator that starts at the
world's root key (``WorldInfo.trust_anchor``) proves them; every other zone stays unsigned,
proven insecure by the signed ``test.`` zone's delegation without a DS.

- ``dnssec-srv``: a signed domain with SRV records only, whose targets are in another signed
  domain (a target outside the domain that DNSSEC vouches for);
- ``dane``: a signed domain whose servers present a certificate of a second CA, not in the CA
  file, pinned by TLSA ``3 1 1`` (only DANE can verify them);
- ``dane-mismatch``: a signed domain whose servers present the world CA's certificate, while
  their TLSA ``3 1 1`` pins another key (DANE says no);
- ``dnssec-bogus``: signed, but the DS in ``test.`` matches no key the zone publishes;
- ``dane-mx``: for the admin's check, a signed domain whose MX speaks STARTTLS on port 25 with
  a TLSA ``_25._tcp`` record, an MTA-STS policy whose ``mx:`` pattern does not match that MX,
  and a TLS-RPT record;
- ``dane-unsigned``: for the check, TLSA ``3 1 1`` records in a zone that is not signed
  (everyone ignores them);
- ``dane-odd``: for the check, a signed domain whose servers have PKIX-EE TLSA records
  (usage 1, which mail should not use) and whose MX is a host of the bogus zone (its TLSA
  answer fails validation);
- the unsigned domain is the existing ``srv`` scenario (srv-only.test).

:data:`CHECK_FINDINGS` says which of them produces each DNSSEC and DANE finding of the
admin's check with ``--dnssec validate`` (tests/integration/test_check.py).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from tests.world.scenarios import Expect, Scenario, WebFile, Zone

if TYPE_CHECKING:
    from tests.world.scenarios import _Builder

__all__ = [
    "ALIAS",
    "CHECK_FINDINGS",
    "DNSSEC_SCENARIOS",
    "MTA_STS_ID",
    "MTA_STS_MX",
    "MTA_STS_PATH",
    "PROVIDER",
    "TLSRPT",
    "UNSIGNED",
    "add",
]

# scenario name -> what a validating client should make of it
DNSSEC_SCENARIOS = {
    "dnssec-srv": "secure SRV records whose targets lie outside the domain",
    "dane": "servers whose certificate only a TLSA 3 1 1 record vouches for",
    "dane-mismatch": "servers whose TLSA 3 1 1 record pins another key",
    "dnssec-bogus": "a zone whose DS matches no key it publishes",
    "dane-mx": "an MX with STARTTLS and TLSA; an MTA-STS policy naming another MX",
    "dane-unsigned": "TLSA 3 1 1 records in a zone that is not signed",
    "dane-odd": "PKIX-EE (usage 1) TLSA records; an MX host in the bogus zone",
}
# finding code of the admin's check -> the scenario that produces it with --dnssec validate
CHECK_FINDINGS = {
    "zone-dnssec-bogus": "dnssec-bogus",
    "mechanisms-bogus": "dnssec-bogus",
    "tlsa-missing": "dnssec-srv",
    "certificate-dane-only": "dane",
    "tlsa-mismatch": "dane-mismatch",
    "tlsa-not-secure": "dane-unsigned",
    "tlsa-usage-discouraged": "dane-odd",
    "tlsa-bogus": "dane-odd",
}
UNSIGNED = "srv"  # the unsigned scenario (srv-only.test), under the signed test. zone
PROVIDER = "dnssec-provider.test"  # the signed zone of dnssec-srv's servers
MTA_STS_PATH = "/.well-known/mta-sts.txt"
MTA_STS_ID = "20261207T000000"
MTA_STS_MX = "mx.elsewhere.test"  # the policy's only mx: pattern (the real MX differs)
TLSRPT = "v=TLSRPTv1; rua=mailto:tls-reports@dane-mx.test"
ALIAS = "mail"  # in dane and dane-mismatch: mail.DOMAIN is a CNAME of imap.DOMAIN


def _srv(z: Zone, d: str, imap: str, smtp: str) -> None:
    """SRV for IMAP 993 and SMTP 465 (RFC 8314) at ``imap`` and ``smtp``."""
    z.add(f"_imaps._tcp.{d}", "SRV", f"0 1 993 {imap}.")
    z.add(f"_submissions._tcp.{d}", "SRV", f"0 1 465 {smtp}.")


def _signed(b: _Builder, d: str, signing: str = "signed") -> Zone:
    z = b.zone(d)
    z.signing = signing  # type: ignore[assignment]
    return z


def _scenario(b: _Builder, name: str, d: str, imap: str, smtp: str) -> None:
    b.add(
        Scenario(
            name,
            d,
            DNSSEC_SCENARIOS[name],
            Expect(imap, 993, "tls"),
            Expect(smtp, 465, "tls"),
        )
    )


def _pinned(b: _Builder, name: str, z: Zone) -> Zone:
    """A domain whose SRV records name the world's Dovecot and Postfix, with TLSA records of
    the keys they present (the world CA's certificates)."""
    d = z.origin
    b.mail_hosts(z, d, b.plan.dovecot, b.plan.postfix)
    _srv(z, d, f"imap.{d}", f"smtp.{d}")
    z.tlsa += [(f"_993._tcp.imap.{d}", "dovecot"), (f"_465._tcp.smtp.{d}", "postfix")]
    _scenario(b, name, d, f"imap.{d}", f"smtp.{d}")
    return z


def add(b: _Builder) -> None:
    """Add the DNSSEC and DANE scenarios to the world being built."""
    p = b.plan

    provider = _signed(b, PROVIDER)
    b.mail_hosts(provider, PROVIDER, p.dovecot, p.postfix)
    d = "dnssec-srv.test"
    z = _signed(b, d)
    _srv(z, d, f"imap.{PROVIDER}", f"smtp.{PROVIDER}")
    _scenario(b, "dnssec-srv", d, f"imap.{PROVIDER}", f"smtp.{PROVIDER}")

    for name, ip in (("dane", p.dane), ("dane-mismatch", p.dovecot)):
        d = f"{name}.test"
        z = _signed(b, d)
        b.a(z, f"imap.{d}", ip)
        b.a(z, f"smtp.{d}", ip if ip == p.dane else p.postfix)
        _srv(z, d, f"imap.{d}", f"smtp.{d}")
        # Both pin the second CA's server key: right for `dane`, another key for the mismatch.
        z.tlsa += [(f"_993._tcp.imap.{d}", "dane"), (f"_465._tcp.smtp.{d}", "dane")]
        # A signed alias of the IMAP host: its TLSA is found at the name it expands to.
        z.add(f"{ALIAS}.{d}", "CNAME", f"imap.{d}.")
        _scenario(b, name, d, f"imap.{d}", f"smtp.{d}")

    bogus = "dnssec-bogus.test"
    z = _signed(b, bogus, "bogus")
    b.mail_hosts(z, bogus, p.dovecot, p.postfix)
    b.a(z, f"mx.{bogus}", p.postfix)  # dane-odd's MX
    _srv(z, bogus, f"imap.{bogus}", f"smtp.{bogus}")
    _scenario(b, "dnssec-bogus", bogus, f"imap.{bogus}", f"smtp.{bogus}")

    _pinned(b, "dane-unsigned", b.zone("dane-unsigned.test"))
    z = _pinned(b, "dane-odd", _signed(b, "dane-odd.test"))
    z.tlsa_usage = 1  # PKIX-EE
    z.add(z.origin, "MX", f"10 mx.{bogus}.")

    d = "dane-mx.test"
    z = _signed(b, d)
    b.mail_hosts(z, d, p.dovecot, p.postfix)
    _srv(z, d, f"imap.{d}", f"smtp.{d}")
    b.a(z, f"mx.{d}", p.dane)
    z.add(d, "MX", f"10 mx.{d}.")
    z.tlsa.append((f"_25._tcp.mx.{d}", "dane"))
    z.add(f"_mta-sts.{d}", "TXT", f'"v=STSv1; id={MTA_STS_ID}"')
    z.add(f"_smtp._tls.{d}", "TXT", f'"{TLSRPT}"')
    policy = f"version: STSv1\r\nmode: enforce\r\nmx: {MTA_STS_MX}\r\nmax_age: 86400\r\n"
    b.webhost(z, f"mta-sts.{d}", http=False).files[MTA_STS_PATH] = WebFile(
        policy.encode(), "text/plain"
    )
    _scenario(b, "dane-mx", d, f"imap.{d}", f"smtp.{d}")
