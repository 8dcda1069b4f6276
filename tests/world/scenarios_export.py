"""The export tests' scenario: a domain whose autoconfig and Autodiscover documents the tests
write at run time (tests/integration/test_export_clients.py).

``export-roundtrip.test`` publishes SRV records for its own imap./smtp. hosts, so discovery
finds servers there; the tests export them as a clientConfig and an Autodiscover response,
write those over the placeholders below (nginx reads static files at each request), and let
the library fetch them back. The placeholders are not documents, so a discovery that finds
servers through them proves it read the exported file.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from tests.world.scenarios import _Builder

DOMAIN = "export-roundtrip.test"
PLACEHOLDER = b"not a document yet: the export tests write the exported file here\n"


def add(b: _Builder) -> None:
    """Add the export scenario to the world being built."""
    from tests.world.scenarios import (
        AUTOCONFIG_PATH,
        AUTODISCOVER_PATH,
        Expect,
        Scenario,
        WebFile,
    )

    p = b.plan
    d = DOMAIN
    z = b.zone(d)
    b.mail_hosts(z, d, p.dovecot, p.postfix)
    z.add(f"_submissions._tcp.{d}", "SRV", f"0 1 465 smtp.{d}.")
    z.add(f"_submission._tcp.{d}", "SRV", f"10 1 587 smtp.{d}.")
    z.add(f"_imaps._tcp.{d}", "SRV", f"0 1 993 imap.{d}.")
    z.add(f"_imap._tcp.{d}", "SRV", f"10 1 143 imap.{d}.")
    z.add(f"_pop3s._tcp.{d}", "SRV", f"20 1 995 pop.{d}.")
    b.webhost(z, f"autoconfig.{d}").files[AUTOCONFIG_PATH] = WebFile(PLACEHOLDER)
    b.webhost(z, f"autodiscover.{d}").files[AUTODISCOVER_PATH] = WebFile(
        PLACEHOLDER, allow_post=True
    )
    b.add(
        Scenario(
            "export",
            d,
            "SRV records; autoconfig. and autodiscover. serve what the export tests write",
            Expect(f"imap.{d}", 993, "tls"),
            Expect(f"smtp.{d}", 465, "tls"),
        )
    )
