"""A provider document naming servers at scoped IPv6 addresses (issue 19, item 1).

``zone-id-host.test``'s autoconfig file lists IMAP servers whose ``<hostname>`` is ``::1%``
followed by a line break and a command, by an empty label, or by a 64-character label (all of
which Python's ``ipaddress`` takes as a zone id), before the domain's real servers. Discovery,
``--check`` and ``--check --format srv-zone`` must exit normally with those candidates refused
(tests/integration/test_world_hosts.py).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from tests.world.scenarios import _Builder

DOMAIN = "zone-id-host.test"
BAD_HOSTS = (
    '::1%\nPassCmd "touch pwned"',
    "::1%a..b",
    "::1%" + "a" * 64,
    "fe80::1%eth0",
)


def add(b: _Builder) -> None:
    """Add the scoped-address scenario to the world being built."""
    from tests.world.scenarios import (
        AUTOCONFIG_PATH,
        Expect,
        Scenario,
        Server,
        WebFile,
        clientconfig,
        standard_servers,
    )

    d = DOMAIN
    z = b.zone(d)
    b.mail_hosts(z, d, b.plan.dovecot, b.plan.postfix)
    bad = [Server("imap", host, 993, "tls") for host in BAD_HOSTS]
    bad.append(Server("smtp", BAD_HOSTS[1], 465, "tls"))
    document = clientconfig(d, [d], bad + standard_servers(d))
    b.webhost(z, f"autoconfig.{d}").files[AUTOCONFIG_PATH] = WebFile(document)
    b.add(
        Scenario(
            "zone-id-host",
            d,
            "autoconfig names servers at scoped IPv6 addresses (::1%...) before the real ones",
            Expect(f"imap.{d}", 993, "tls"),
            Expect(f"smtp.{d}", 465, "tls"),
        )
    )
