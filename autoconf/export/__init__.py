"""Turn a discovery result into a real mail client's configuration file (pure: no I/O).

>>> from autoconf.export import FORMATS, export
>>> text = export(result, "msmtp", password_command="pass show mail")  # doctest: +SKIP

:data:`FORMATS` maps each format's name to one line saying what it is. :func:`export` writes
the chosen incoming and outgoing servers (by default the recommended ones: the first of
``result.incoming`` and ``result.outgoing``); the publishing formats (``thunderbird``,
``autodiscover``, ``srv-zone``, ``pacc``) write every server of the result, the chosen ones first.

No password is ever written. ``password_command`` goes into the format's own mechanism for
fetching one (msmtp ``passwordeval``, mbsync ``PassCmd``, ...); without it a commented
placeholder (``pass show email/ADDRESS``) shows where it goes. ``ca_file`` names the CA
certificates the client should trust, in the format's own trust setting. A format that cannot
express the settings raises :class:`~autoconf.errors.ExportError` with a ``reason``.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from os import PathLike
from types import MappingProxyType

from ..errors import ExportError, ExportFailure
from ..models import DiscoveryResult, ServerSettings
from . import (
    aerc,
    autodiscover,
    fetchmail,
    getmail,
    mbsync,
    mobileconfig,
    msmtp,
    neomutt,
    offlineimap,
    pacc,
    srvzone,
    thunderbird,
)
from ._common import Account, Kind, Reader, check_hosts, check_lines, check_values

__all__ = ["FORMATS", "Account", "export"]

_MODULES = {
    "thunderbird": thunderbird,
    "autodiscover": autodiscover,
    "mobileconfig": mobileconfig,
    "msmtp": msmtp,
    "mbsync": mbsync,
    "getmail": getmail,
    "neomutt": neomutt,
    "mutt": neomutt,
    "aerc": aerc,
    "fetchmail": fetchmail,
    "offlineimap": offlineimap,
    "srv-zone": srvzone,
    "pacc": pacc,
}
# Every format: its description, its writer, and its reader's rules (what it takes back).
_WRITERS: dict[str, tuple[str, Callable[[Account], str], Reader]] = {
    name: (module.DESCRIPTION, module.render, module.READER) for name, module in _MODULES.items()
}
_WRITERS["mutt"] = (neomutt.MUTT_DESCRIPTION, neomutt.render_mutt, neomutt.READER)

#: Every format's name → one line saying what it writes.
FORMATS: Mapping[str, str] = MappingProxyType({n: d for n, (d, _, _) in _WRITERS.items()})


def export(
    result: DiscoveryResult,
    format: str,
    *,
    incoming: ServerSettings | None = None,
    outgoing: ServerSettings | None = None,
    password_command: str | None = None,
    ca_file: str | PathLike[str] | None = None,
    maildir: str | PathLike[str] | None = None,
) -> str:
    """The configuration file for ``format`` (a key of :data:`FORMATS`), as text.

    ``incoming`` and ``outgoing`` choose servers of ``result`` (default: the recommended
    ones). ``maildir`` is where the sync tools keep mail (default ``~/Mail/ADDRESS/``).
    Raises :class:`~autoconf.errors.ExportError`: an unknown format, a chosen server that is
    not in the result, or settings the format cannot express (``reason`` says which).
    """
    entry = _WRITERS.get(format)
    if entry is None:
        raise ExportError(
            f"there is no export format {format!r}; the formats are {', '.join(FORMATS)}",
            reason=ExportFailure.UNKNOWN_FORMAT,
            format=format,
        )
    account = Account(
        format=format,
        address=result.address,
        domain=result.domain,
        provider=result.provider,
        incoming=_chosen(incoming, result.incoming, format),
        outgoing=_chosen(outgoing, result.outgoing, format),
        all_incoming=_first(incoming, result.incoming),
        all_outgoing=_first(outgoing, result.outgoing),
        password_command=password_command,
        ca_file=None if ca_file is None else str(ca_file),
        maildir=None if maildir is None else str(maildir),
    )
    _, render, reader = entry
    check_values(format, reader, _values(account))
    check_hosts(format, _hosts(account))
    return check_lines(format, reader, render(account))


def _values(account: Account) -> list[tuple[str, str | None, Kind]]:
    """Every value taken from the result or the caller that a writer puts into the file."""
    values: list[tuple[str, str | None, Kind]] = [
        ("address", account.address, Kind.TEXT),
        ("password command", account.password_command, Kind.TEXT),
        ("CA file", account.ca_file, Kind.PATH),
        ("mail folder", account.mail_folder, Kind.PATH),  # the default holds the address
    ]
    for server in (*account.all_incoming, *account.all_outgoing):
        values.append((f"user name of {server.host!r}", server.username, Kind.USER))
    return values


def _hosts(account: Account) -> list[tuple[str, str]]:
    """Every name a writer puts into the file as a host or domain name."""
    names = [("domain", account.domain)]
    names += [("server name", s.host) for s in (*account.all_incoming, *account.all_outgoing)]
    return names  # the provider's own domains: thunderbird writes only the plain ones


def _chosen(
    choice: ServerSettings | None, servers: list[ServerSettings], format: str
) -> ServerSettings | None:
    if choice is None:
        return servers[0] if servers else None
    if choice not in servers:
        raise ExportError(
            f"the chosen server {choice.host} port {choice.port} is not one the result found",
            reason=ExportFailure.NOT_IN_RESULT,
            format=format,
        )
    return choice


def _first(
    choice: ServerSettings | None, servers: list[ServerSettings]
) -> tuple[ServerSettings, ...]:
    if choice is None:
        return tuple(servers)
    return (choice, *(s for s in servers if s != choice))
