"""The export tests' scenario: a domain whose autoconfig, Autodiscover and PACC documents the
tests write at run time (tests/integration/test_export_clients.py).

``export-roundtrip.test`` publishes SRV records for its own imap./smtp. hosts, so discovery
finds servers there; the tests export them as a clientConfig and an Autodiscover response,
write those over the placeholders below (nginx reads static files at each request), and let
the library fetch them back. The placeholders are not documents, so a discovery that finds
servers through them proves it read the exported file.
"""

from __future__ import annotations

import base64
import hashlib
import json
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from tests.world.scenarios import _Builder

DOMAIN = "export-roundtrip.test"
PLACEHOLDER = b"not a document yet: the export tests write the exported file here\n"


def expected_pacc() -> bytes:
    """The PACC document `--format pacc` must write for this domain's SRV servers: sorted keys,
    compact, UTF-8, one final newline. Its digest is in the zone before any test runs, so the
    exported bytes are found back only if they are exactly these."""
    d = DOMAIN
    value = {
        "authentication": {"password": True},
        "info": {"provider": {"name": d}},
        "protocols": {
            "imap": {"host": f"imap.{d}"},
            "pop3": {"host": f"pop.{d}"},
            "submit": {"host": f"smtp.{d}"},
        },
    }
    return (json.dumps(value, sort_keys=True, separators=(",", ":")) + "\n").encode()


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
    pacc_path = "/.well-known/user-agent-configuration.json"
    b.webhost(z, f"ua-auto-config.{d}").files[pacc_path] = WebFile(PLACEHOLDER, "application/json")
    digest = base64.b64encode(hashlib.sha256(expected_pacc()).digest()).decode()
    z.add(f"_ua-auto-config.{d}", "TXT", f'"v=UAAC1; a=sha256; d={digest}"')
    b.add(
        Scenario(
            "export",
            d,
            "SRV records; autoconfig. and autodiscover. serve what the export tests write",
            Expect(f"imap.{d}", 993, "tls"),
            Expect(f"smtp.{d}", 465, "tls"),
        )
    )
