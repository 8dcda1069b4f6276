"""Scenarios about whom the password goes to and what is kept of a server's words (issue 19).

Hooked into :func:`tests.world.scenarios.build`:

* ``mx-workspace``: a company on Google Workspace, whose only record is an MX to
  ``aspmx.l.google.com``. The bundled data knows Google's servers; the world serves
  ``imap.gmail.com``, ``pop.gmail.com`` and ``smtp.gmail.com`` on loopback (each name a zone of
  its own, so ``gmail.com`` itself stays outside the world) with its Dovecot and Postfix.
* ``trust-agree``: two hints that are each refused name the same host. The MX points at
  ``mx.agree-evil.test``, whose autoconfig host names ``imap.agree-evil.test``; the domain's
  Autodiscover redirects (``redirectUrl`` on the bare domain, ``redirectAddr`` on
  ``autodiscover.``) to ``agree-evil.test``, whose answer names the same servers. The servers
  are the world's real Dovecot and Postfix, which would take the password.
* ``echo-login``: the provider's own HTTPS autoconfig names POP3 and SMTP servers that refuse
  every login by echoing it back (tests/world/hostile.py, ``echo``).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from tests.world.scenarios import _Builder

__all__ = ["ECHO", "add"]

ECHO = "echo-login"


def add(b: _Builder) -> None:
    """Add the trust scenarios to the world being built."""
    _mx_workspace(b)
    _trust_agree(b)
    _echo_login(b)


def _scenario(
    b: _Builder, name_domain: tuple[str, str], about: str, first: list[tuple[str, int]]
) -> None:
    """Register a scenario whose first incoming and outgoing servers use implicit TLS."""
    from tests.world.scenarios import Expect, Scenario

    (in_host, in_port), (out_host, out_port) = first
    name, domain = name_domain
    incoming, outgoing = Expect(in_host, in_port, "tls"), Expect(out_host, out_port, "tls")
    b.add(Scenario(name, domain, about, incoming, outgoing))


def _mx_workspace(b: _Builder) -> None:
    p = b.plan
    for name, ip in (
        ("imap.gmail.com", p.dovecot),
        ("pop.gmail.com", p.dovecot),
        ("smtp.gmail.com", p.postfix),
    ):
        b.a(b.zone(name), name, ip)
    d = "mx-workspace.test"
    b.zone(d).add(d, "MX", "1 aspmx.l.google.com.")
    _scenario(
        b,
        ("mx-workspace", d),
        "only an MX to aspmx.l.google.com (Google Workspace); the bundled data knows Google",
        [("imap.gmail.com", 993), ("smtp.gmail.com", 465)],
    )


def _trust_agree(b: _Builder) -> None:
    from tests.world.scenarios import (
        AUTOCONFIG_PATH,
        AUTODISCOVER_PATH,
        USER,
        Server,
        WebFile,
        autodiscover_redirect_addr,
        autodiscover_redirect_url,
        autodiscover_settings,
        clientconfig,
    )

    p = b.plan
    d, evil = "agree-victim.test", "agree-evil.test"
    servers = [
        Server("imap", f"imap.{evil}", 993, "tls"),
        Server("smtp", f"smtp.{evil}", 465, "tls"),
    ]
    ez = b.zone(evil)
    b.mail_hosts(ez, evil, p.dovecot, p.postfix)
    b.a(ez, f"mx.{evil}", p.postfix)
    b.webhost(ez, f"autoconfig.{evil}").files[AUTOCONFIG_PATH] = WebFile(
        clientconfig(evil, [evil], servers)
    )
    b.webhost(ez, f"autodiscover.{evil}").files[AUTODISCOVER_PATH] = WebFile(
        autodiscover_settings(f"{USER}@{d}", servers), allow_post=True
    )
    z = b.zone(d)
    z.add(d, "MX", f"10 mx.{evil}.")
    b.webhost(z, d).files[AUTODISCOVER_PATH] = WebFile(
        autodiscover_redirect_url(f"https://autodiscover.{evil}{AUTODISCOVER_PATH}"),
        allow_post=True,
    )
    b.webhost(z, f"autodiscover.{d}").files[AUTODISCOVER_PATH] = WebFile(
        autodiscover_redirect_addr(f"{USER}@{evil}"), allow_post=True
    )
    _scenario(
        b,
        ("trust-agree", d),
        f"MX -> mx.{evil} (autoconfig there names imap./smtp.{evil}) and Autodiscover "
        f"redirectUrl/redirectAddr -> {evil} naming the same: never gets the password",
        [(f"imap.{evil}", 993), (f"smtp.{evil}", 465)],
    )


def _echo_login(b: _Builder) -> None:
    from tests.world.scenarios import (
        AUTOCONFIG_PATH,
        Server,
        WebFile,
        clientconfig,
    )

    p = b.plan
    d = f"{ECHO}.test"
    z = b.zone(d)
    b.a(z, f"pop.{d}", p.capabilities)
    b.a(z, f"smtp.{d}", p.capabilities)
    servers = [Server("pop3", f"pop.{d}", 995, "tls"), Server("smtp", f"smtp.{d}", 465, "tls")]
    b.webhost(z, f"autoconfig.{d}").files[AUTOCONFIG_PATH] = WebFile(clientconfig(d, [d], servers))
    _scenario(
        b,
        (ECHO, d),
        "HTTPS autoconfig names POP3 995 and SMTP 465 servers that refuse every login by "
        "echoing it back (the AUTH PLAIN token, AUTH LOGIN's base64, decoded too)",
        [(f"pop.{d}", 995), (f"smtp.{d}", 465)],
    )
