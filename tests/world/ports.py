"""Who holds a TCP port: listening sockets from /proc/net/tcp{,6}, their owners from /proc/*/fd.

Read-only on purpose: the world names a process that is in its way and never signals it.
"""

from __future__ import annotations

import dataclasses
import ipaddress
import os
from pathlib import Path

_LISTEN = "0A"


@dataclasses.dataclass(frozen=True)
class Listener:
    """One listening TCP socket: the address it is bound to, its port and its socket inode."""

    address: ipaddress.IPv4Address | ipaddress.IPv6Address
    port: int
    inode: int


def _decode(hex_address: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address:
    """/proc/net/tcp{,6} print addresses as host-order 32-bit words in hex."""
    raw = bytes.fromhex(hex_address)
    swapped = b"".join(raw[i : i + 4][::-1] for i in range(0, len(raw), 4))
    if len(swapped) == 4:
        return ipaddress.IPv4Address(swapped)
    return ipaddress.IPv6Address(swapped)


def listeners(proc: Path = Path("/proc")) -> list[Listener]:
    """Every listening TCP socket in this network namespace (empty if /proc has no tables)."""
    found = []
    for table in ("net/tcp", "net/tcp6"):
        try:
            lines = (proc / table).read_text().splitlines()[1:]
        except OSError:
            continue
        for line in lines:
            fields = line.split()
            if len(fields) < 10 or fields[3] != _LISTEN:
                continue
            address, port = fields[1].rsplit(":", 1)
            found.append(Listener(_decode(address), int(port, 16), int(fields[9])))
    return found


def _covers(listener: Listener, ip: ipaddress.IPv4Address | ipaddress.IPv6Address) -> bool:
    """True if `listener` accepts connections to `ip` (exact, wildcard, or v4-mapped)."""
    bound = listener.address
    if isinstance(ip, ipaddress.IPv6Address):
        return bound == ip or (bound.version == 6 and bound.is_unspecified)
    if isinstance(bound, ipaddress.IPv6Address):
        if bound.ipv4_mapped is not None:
            return bound.ipv4_mapped == ip
        return bound.is_unspecified  # a dual-stack [::] socket takes IPv4 too
    return bound == ip or bound.is_unspecified


def _owner(inode: int, proc: Path) -> tuple[int, str] | None:
    """(pid, command line) of a process holding socket `inode`, if this user can see it."""
    target = f"socket:[{inode}]"
    with os.scandir(proc) as processes:
        pids = [int(entry.name) for entry in processes if entry.name.isdigit()]
    for pid in pids:
        try:
            fds = os.listdir(proc / str(pid) / "fd")
        except OSError:
            continue
        for fd in fds:
            try:
                if os.readlink(proc / str(pid) / "fd" / fd) == target:
                    return pid, _command(proc / str(pid))
            except OSError:
                continue
    return None


def _command(process: Path) -> str:
    try:
        argv = (process / "cmdline").read_bytes().rstrip(b"\0").split(b"\0")
    except OSError:
        return "?"
    text = " ".join(" ".join(a.decode(errors="replace") for a in argv).split())
    if not text:
        try:
            text = "[" + (process / "comm").read_text().strip() + "]"
        except OSError:
            text = "?"
    return text if len(text) <= 160 else text[:157] + "..."


def holder(ip: str, port: int, proc: Path = Path("/proc")) -> str:
    """Who listens on ip:port, for a person: 'pid 123 (dovecot -c ...)' or why it is unknown."""
    wanted = ipaddress.ip_address(ip)
    matches = [s for s in listeners(proc) if s.port == port and _covers(s, wanted)]
    if not matches:
        return "a process whose socket is not in /proc/net/tcp"
    for socket_ in matches:
        owner = _owner(socket_.inode, proc)
        if owner is not None:
            pid, command = owner
            bound = socket_.address
            where = f"[{bound}]" if bound.version == 6 else str(bound)
            return f"pid {pid} ({command}, listening on {where}:{port})"
    return f"a process this user cannot see (socket inode {matches[0].inode})"
