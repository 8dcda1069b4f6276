"""A throwaway CA and the world's server certificates (trustme), written as PEM files."""

from __future__ import annotations

import dataclasses
import datetime
from collections.abc import Mapping
from pathlib import Path

import trustme

from tests.world import scenarios_audit
from tests.world.scenarios import WRONG_NAME, Content


@dataclasses.dataclass(frozen=True)
class CertFiles:
    """Paths of one leaf certificate: chain (leaf first) and private key."""

    cert: Path
    key: Path
    names: tuple[str, ...]


def write_certs(content: Content, folder: Path) -> tuple[Path, Mapping[str, CertFiles]]:
    """Issue every certificate the world needs; return the CA file and the leaf files by role."""
    folder.mkdir(mode=0o755, parents=True, exist_ok=True)
    plan = content.plan
    ca = trustme.CA(organization_name="mail-autoconf test world")
    ca_file = folder / "ca.pem"
    ca.cert_pem.write_to_path(str(ca_file))

    now = datetime.datetime.now(datetime.UTC)
    web_names = sorted(
        {h.name for h in content.web_hosts if h.cert == "web"} | {content.ispdb_host}
    )
    roles: dict[str, tuple[list[str], datetime.datetime | None, datetime.datetime | None]] = {
        "dovecot": (content.names_on(plan.dovecot), None, None),
        "postfix": (content.names_on(plan.postfix), None, None),
        "web": (web_names, None, None),
        "wrong-name": ([WRONG_NAME], None, None),
        "expired": (
            content.names_on(plan.expired),
            now - datetime.timedelta(days=60),
            now - datetime.timedelta(days=30),
        ),
        # The hostile process serves the endless, gzip-bomb and capabilities hosts alike.
        "endless": (
            content.names_on(plan.endless) + content.names_on(plan.capabilities),
            None,
            None,
        ),
    }
    files: dict[str, CertFiles] = {}
    for role, (names, not_before, not_after) in roles.items():
        leaf = ca.issue_cert(*names, not_before=not_before, not_after=not_after)
        # Leaf first, then nothing else: the CA is the trust anchor the client holds.
        files[role] = _write_leaf(folder, role, leaf, names)
    files.update(_audit_certs(content, ca, folder, now))
    # DANE (issue 23): a second CA, never in the CA file; only a TLSA record vouches for it.
    other = trustme.CA(organization_name="mail-autoconf test world, DANE-only CA")
    other.cert_pem.write_to_path(str(folder / "dane-ca.pem"))
    names = content.names_on(plan.dane)
    files["dane"] = _write_leaf(folder, "dane", other.issue_cert(*names), names)
    return ca_file, files


def _write_leaf(
    folder: Path, role: str, leaf: trustme.LeafCert, names: list[str], *, leaf_only: bool = False
) -> CertFiles:
    """Write the chain (all of trustme's, or with ``leaf_only`` the leaf alone) and the key."""
    cert, key = folder / f"{role}.crt", folder / f"{role}.key"
    pems = leaf.cert_chain_pems[:1] if leaf_only else leaf.cert_chain_pems
    cert.write_bytes(b"".join(blob.bytes() for blob in pems))
    leaf.private_key_pem.write_to_path(str(key))
    # Daemons read keys as root before dropping privileges; nginx workers never need them.
    key.chmod(0o600)
    return CertFiles(cert, key, tuple(names))


def _audit_certs(
    content: Content, ca: trustme.CA, folder: Path, now: datetime.datetime
) -> dict[str, CertFiles]:
    """The domain check's certificates: normal, expiring soon, or of an unsent intermediate."""
    files: dict[str, CertFiles] = {}
    intermediate = ca.create_child_ca()
    for host in scenarios_audit.mail_hosts(content.plan):
        names = content.names_on(host.ip)
        if host.cert == "expiring":
            soon = now + datetime.timedelta(days=scenarios_audit.EXPIRING_DAYS, hours=12)
            leaf = ca.issue_cert(*names, not_after=soon)
        elif host.cert == "chain":
            leaf = intermediate.issue_cert(*names)
        else:
            leaf = ca.issue_cert(*names)
        # "chain": the server sends its leaf only, so the client cannot reach the CA.
        only = host.cert == "chain"
        files[host.cert_role] = _write_leaf(folder, host.cert_role, leaf, names, leaf_only=only)
    return files
