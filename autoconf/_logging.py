"""The library's loggers: ``logging.getLogger("autoconf")`` and its children.

The library only creates records; where they go is the embedding application's choice. A
:class:`logging.NullHandler` on ``autoconf`` keeps an application without logging
configuration quiet. What is logged, and what never is:

- one DEBUG record per source attempt (``autoconf.sources``: source, target, status, time)
  and one per probe (``autoconf.probe``: protocol, host, port, outcome, time);
- at INFO and above, never the local part of an address (a DEBUG record's target may be an
  autoconfig URL that carries ``?emailaddress=``); at no level a password: credentials are
  ``SecretStr`` and never formatted into a record.
"""

from __future__ import annotations

import logging

from .models import ServerSettings, SourceAttempt, Verification

__all__ = ["LOGGER", "PROBE_LOGGER", "SOURCE_LOGGER", "log_attempt", "log_probe"]

LOGGER = logging.getLogger("autoconf")
LOGGER.addHandler(logging.NullHandler())

SOURCE_LOGGER = LOGGER.getChild("sources")
"""One DEBUG record per source attempt, as it ends."""

PROBE_LOGGER = LOGGER.getChild("probe")
"""One DEBUG record per probe of a server, as it ends."""


def log_attempt(attempt: SourceAttempt) -> None:
    """One DEBUG record for a source attempt that has ended."""
    if not SOURCE_LOGGER.isEnabledFor(logging.DEBUG):
        return  # about twenty attempts a discovery: not even their arguments are built
    SOURCE_LOGGER.debug(
        "%s %s: %s in %.0f ms%s",
        attempt.source.value,
        attempt.target,
        attempt.status.value,
        attempt.elapsed_ms,
        f" ({attempt.detail})" if attempt.detail else "",
    )


def log_probe(server: ServerSettings, verification: Verification) -> Verification:
    """One DEBUG record for a probe that has ended; returns ``verification``."""
    if PROBE_LOGGER.isEnabledFor(logging.DEBUG):
        outcome = "ok" if verification.ok else (verification.failure or "failed")
        PROBE_LOGGER.debug(
            "%s %s:%d (%s): %s, tls %s, login %s in %.0f ms",
            server.protocol.value,
            server.host,
            server.port,
            server.security.value,
            outcome,
            verification.tls.value,
            verification.login.value,
            verification.elapsed_ms,
        )
    return verification
