"""Exported files handed to the real clients, which sign in to the test world with them.

The clients (msmtp, mbsync, getmail6, neomutt) resolve names through the system resolver, not
the world's nameserver: each runs in a user and mount namespace of its own (``unshare -rm``,
then a nested user namespace as uid 1000), where a private hosts file mapping the world's
names to their 127.0.N.x addresses is bind-mounted over /etc/hosts. Nothing of the system is
changed. They trust the world's CA through the exported trust setting, and get the password
only through the format's own mechanism: a password command that prints a temporary file.
"""

from __future__ import annotations

import base64
import hashlib
import shutil
import subprocess
import uuid
from email.message import EmailMessage
from pathlib import Path

import pytest

from autoconf import (
    DiscoveryResult,
    Options,
    Protocol,
    Security,
    ServerSettings,
    SourceName,
    discover_sync,
)
from autoconf.export import export
from autoconf.parsers.pacc import PACC_PATH
from tests.world import WorldInfo
from tests.world.client import WorldIMAPS, resolve_a, tls_context
from tests.world.library import library_options
from tests.world.scenarios import AUTOCONFIG_PATH, AUTODISCOVER_PATH
from tests.world.scenarios_export import DOMAIN as EXPORT_DOMAIN
from tests.world.scenarios_export import expected_pacc

pytestmark = pytest.mark.world

CLIENT_TIMEOUT = 60  # seconds for one client run; they take well under one
# The two scenarios the issue names: the provider's own autoconfig, and SRV records only.
SCENARIOS = {"autoconfig": SourceName.AUTOCONFIG, "srv": SourceName.SRV}


def _discover(world: WorldInfo, address: str, source: SourceName) -> DiscoveryResult:
    options: Options = library_options(world, verify=False, sources=frozenset({source}))
    result = discover_sync(address, options=options)
    assert result.found, [a.model_dump() for a in result.attempts]
    return result


@pytest.fixture(scope="module")
def results(world: WorldInfo) -> dict[str, DiscoveryResult]:
    """What the library discovers for each scenario, from the world's published settings."""
    return {name: _discover(world, world.address(name), src) for name, src in SCENARIOS.items()}


@pytest.fixture
def hosts_file(world: WorldInfo, tmp_path: Path) -> Path:
    """A hosts file with every name of the world, for the clients' private /etc/hosts."""
    path = tmp_path / "hosts"
    lines = ["127.0.0.1 localhost", *(f"{ip} {name}" for name, ip in world.hosts.items())]
    path.write_text("\n".join(lines) + "\n")
    return path


def _password_command(tmp_path: Path, password: str) -> str:
    """A command that prints ``password`` from a file only the test writes."""
    secret = tmp_path / "secret"
    secret.mkdir(mode=0o700, exist_ok=True)
    path = secret / "password"
    path.write_text(password + "\n")
    path.chmod(0o600)
    return f"cat {path}"


def _run(hosts: Path, *argv: str, stdin: bytes | None = None) -> subprocess.CompletedProcess[str]:
    """``argv`` in namespaces where ``hosts`` is /etc/hosts, as a non-root user; stdout and
    stderr as text."""
    for tool in ("unshare", argv[0]):
        assert shutil.which(tool), f"{tool} is not installed; run scripts/install-world-deps"
    # The outer namespace mounts the hosts file; the inner one runs the client as an ordinary
    # user (uid 1000 there, the files' owner), as a person would: getmail refuses to deliver
    # mail as root.
    script = 'mount --bind "$0" /etc/hosts && exec unshare --map-user=1000 --map-group=1000 "$@"'
    return subprocess.run(
        ["unshare", "-rm", "sh", "-c", script, str(hosts), *argv],
        input=stdin.decode() if stdin is not None else None,
        capture_output=True,
        text=True,
        timeout=CLIENT_TIMEOUT,
        check=False,
    )


def _write(path: Path, text: str) -> Path:
    path.write_text(text)
    path.chmod(0o600)  # msmtp and getmail refuse or warn about files others can read
    return path


def _no_password_in(text: str, world: WorldInfo) -> None:
    assert world.password not in text


def _maildir(folder: Path) -> Path:
    for sub in ("cur", "new", "tmp"):
        (folder / sub).mkdir(parents=True, exist_ok=True)
    return folder


def _messages(folder: Path) -> list[bytes]:
    return [p.read_bytes() for sub in ("cur", "new") for p in sorted((folder / sub).glob("*"))]


def _append_to_inbox(world: WorldInfo, result: DiscoveryResult, subject: str) -> None:
    """Put a message with ``subject`` into the world user's INBOX (the test's own IMAP)."""
    server = result.incoming[0]
    imap = WorldIMAPS(resolve_a(world, server.host), server.host, server.port, tls_context(world))
    try:
        imap.login(server.username or result.address, world.password)
        message = f"From: {result.address}\r\nSubject: {subject}\r\n\r\nhello\r\n"
        imap.append("INBOX", None, None, message.encode())
    finally:
        imap.logout()


# -- msmtp ----------------------------------------------------------------------------------


@pytest.mark.parametrize("scenario", sorted(SCENARIOS))
@pytest.mark.parametrize("right", [True, False], ids=["right-password", "wrong-password"])
def test_msmtp_sends_through_postfix_with_the_exported_msmtprc(
    world: WorldInfo,
    results: dict[str, DiscoveryResult],
    hosts_file: Path,
    tmp_path: Path,
    scenario: str,
    right: bool,
):
    """msmtp submits a message after AUTH with the right password, and fails with a wrong one."""
    result = results[scenario]
    password = world.password if right else "not the password"
    text = export(
        result,
        "msmtp",
        password_command=_password_command(tmp_path, password),
        ca_file=world.ca_file,
    )
    _no_password_in(text, world)
    rc = _write(tmp_path / "msmtprc", text)
    message = EmailMessage()
    message["From"] = result.address
    message["To"] = result.address
    message["Subject"] = "exported msmtprc"
    message.set_content("sent by msmtp with the file mail-autoconf exported\n")
    done = _run(
        hosts_file,
        "msmtp",
        "-C",
        str(rc),
        "-a",
        result.address,
        result.address,
        stdin=message.as_bytes(),
    )
    if right:
        assert done.returncode == 0, done.stderr
    else:
        assert done.returncode != 0
        assert "authentication failed" in done.stderr.lower(), done.stderr


# -- mbsync ---------------------------------------------------------------------------------


@pytest.mark.parametrize("scenario", sorted(SCENARIOS))
@pytest.mark.parametrize("right", [True, False], ids=["right-password", "wrong-password"])
def test_mbsync_syncs_the_inbox_with_the_exported_mbsyncrc(
    world: WorldInfo,
    results: dict[str, DiscoveryResult],
    hosts_file: Path,
    tmp_path: Path,
    scenario: str,
    right: bool,
):
    """mbsync copies the INBOX into a fresh Maildir, and fails with a wrong password."""
    result = results[scenario]
    subject = f"for mbsync {uuid.uuid4()}"
    _append_to_inbox(world, result, subject)
    password = world.password if right else "not the password"
    mail = tmp_path / "Mail"
    mail.mkdir()  # as the file's comment says: mbsync does not create it
    text = export(
        result,
        "mbsync",
        password_command=_password_command(tmp_path, password),
        ca_file=world.ca_file,
        maildir=mail,
    )
    _no_password_in(text, world)
    rc = _write(tmp_path / "mbsyncrc", text)
    done = _run(hosts_file, "mbsync", "-c", str(rc), "-a")
    if right:
        assert done.returncode == 0, done.stderr
        assert any(subject.encode() in m for m in _messages(mail / "INBOX"))
    else:
        assert done.returncode != 0
        assert "AUTHENTICATIONFAILED" in done.stderr, done.stderr  # Dovecot's refusal
        assert not (mail / "INBOX").exists() or not _messages(mail / "INBOX")


# -- getmail6 -------------------------------------------------------------------------------


@pytest.mark.parametrize("scenario", sorted(SCENARIOS))
@pytest.mark.parametrize("right", [True, False], ids=["right-password", "wrong-password"])
def test_getmail_retrieves_the_inbox_with_the_exported_rc(
    world: WorldInfo,
    results: dict[str, DiscoveryResult],
    hosts_file: Path,
    tmp_path: Path,
    scenario: str,
    right: bool,
):
    """getmail6 retrieves INBOX into a Maildir, and fails with a wrong password."""
    result = results[scenario]
    subject = f"for getmail {uuid.uuid4()}"
    _append_to_inbox(world, result, subject)
    password = world.password if right else "not the password"
    mail = _maildir(tmp_path / "Maildir")
    text = export(
        result,
        "getmail",
        password_command=_password_command(tmp_path, password),
        ca_file=world.ca_file,
        maildir=mail,
    )
    _no_password_in(text, world)
    rc = _write(tmp_path / "getmailrc", text)
    state = tmp_path / "getmail-state"
    state.mkdir()
    done = _run(hosts_file, "getmail", "--rcfile", str(rc), "--getmaildir", str(state))
    if right:
        assert done.returncode == 0, done.stderr + done.stdout
        assert any(subject.encode() in m for m in _messages(mail))
    else:
        assert done.returncode != 0, done.stdout
        assert "AUTHENTICATIONFAILED" in done.stderr, done.stderr  # Dovecot's refusal
        assert not _messages(mail)


# -- neomutt --------------------------------------------------------------------------------


@pytest.mark.parametrize("scenario", sorted(SCENARIOS))
def test_neomutt_reads_back_the_folder_and_smtp_url(
    world: WorldInfo, results: dict[str, DiscoveryResult], tmp_path: Path, scenario: str
):
    """neomutt -Q gives back the folder and SMTP URL of the recommended servers."""
    result = results[scenario]
    text = export(result, "neomutt", password_command="cat /nonexistent", ca_file=world.ca_file)
    _no_password_in(text, world)
    rc = _write(tmp_path / "neomuttrc", text)
    done = subprocess.run(
        [
            "neomutt",
            "-n",
            "-F",
            str(rc),
            "-Q",
            "folder",
            "-Q",
            "smtp_url",
            "-Q",
            "certificate_file",
        ],
        capture_output=True,
        text=True,
        timeout=CLIENT_TIMEOUT,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    imap, smtp = result.incoming[0], result.outgoing[0]
    values = dict(line.split(" = ", 1) for line in done.stdout.splitlines())
    assert values["set folder"].endswith(f'@{imap.host}:{imap.port}/"')
    assert values["set folder"].startswith('"imaps://')
    assert values["set smtp_url"].endswith(f'@{smtp.host}:{smtp.port}/"')
    assert values["set certificate_file"] == f'"{world.ca_file}"'


# -- the publishing formats, served by the world's nginx ------------------------------------


def _publish(world: WorldInfo, host: str, path: str, text: str) -> None:
    """Put ``text`` where nginx serves ``https://host/path`` (it reads the file per request)."""
    dest = world.state_dir / "www" / host / path.lstrip("/")
    assert dest.is_file(), f"{dest}: the export scenario's placeholder is missing"
    dest.write_text(text)
    dest.chmod(0o644)


def _same_servers(a: DiscoveryResult, b: DiscoveryResult) -> None:
    def key(result: DiscoveryResult) -> tuple[list[object], list[object]]:
        return (
            sorted((*s.endpoint, s.username) for s in result.incoming),
            sorted((*s.endpoint, s.username) for s in result.outgoing),
        )

    assert key(a) == key(b)
    assert a.incoming[0].endpoint == b.incoming[0].endpoint
    assert a.outgoing[0].endpoint == b.outgoing[0].endpoint


@pytest.mark.parametrize(
    ("name", "host", "path", "source"),
    [
        ("thunderbird", f"autoconfig.{EXPORT_DOMAIN}", AUTOCONFIG_PATH, SourceName.AUTOCONFIG),
        (
            "autodiscover",
            f"autodiscover.{EXPORT_DOMAIN}",
            AUTODISCOVER_PATH,
            SourceName.AUTODISCOVER,
        ),
    ],
)
def test_published_export_is_fetched_back_by_the_library(
    world: WorldInfo, name: str, host: str, path: str, source: SourceName
):
    """The exported clientConfig / Autodiscover response, served by nginx, gives the library
    back the same servers it was written from."""
    address = world.address("export")
    before = _discover(world, address, SourceName.SRV)
    unpublished = discover_sync(
        address, options=library_options(world, verify=False, sources=frozenset({source}))
    )
    assert not unpublished.incoming  # the placeholder is no document
    _publish(world, host, path, export(before, name))
    after = _discover(world, address, source)
    _same_servers(before, after)
    assert after.incoming[0].sources == [source]


# -- a chosen STARTTLS server instead of the recommended one --------------------------------


def _starttls(servers: list[ServerSettings], protocol: Protocol) -> ServerSettings:
    return next(s for s in servers if s.protocol is protocol and s.security is Security.STARTTLS)


@pytest.mark.parametrize("scenario", sorted(SCENARIOS))
def test_chosen_starttls_servers_work_for_msmtp_and_mbsync(
    world: WorldInfo,
    results: dict[str, DiscoveryResult],
    hosts_file: Path,
    tmp_path: Path,
    scenario: str,
):
    """Exported with the STARTTLS servers chosen (587, 143), msmtp and mbsync still sign in."""
    result = results[scenario]
    command = _password_command(tmp_path, world.password)
    submission = _starttls(result.outgoing, Protocol.SMTP)
    text = export(
        result, "msmtp", outgoing=submission, password_command=command, ca_file=world.ca_file
    )
    assert f"port {submission.port}" in text
    assert "tls_starttls on" in text
    rc = _write(tmp_path / "msmtprc", text)
    message = f"From: {result.address}\nSubject: starttls\n\nhello\n".encode()
    done = _run(hosts_file, "msmtp", "-C", str(rc), result.address, stdin=message)
    assert done.returncode == 0, done.stderr

    imap = _starttls(result.incoming, Protocol.IMAP)
    subject = f"for mbsync over STARTTLS {uuid.uuid4()}"
    _append_to_inbox(world, result, subject)
    mail = tmp_path / "Mail"
    mail.mkdir()
    text = export(
        result,
        "mbsync",
        incoming=imap,
        password_command=command,
        ca_file=world.ca_file,
        maildir=mail,
    )
    assert "SSLType STARTTLS" in text
    rc = _write(tmp_path / "mbsyncrc", text)
    done = _run(hosts_file, "mbsync", "-c", str(rc), "-a")
    assert done.returncode == 0, done.stderr
    assert any(subject.encode() in m for m in _messages(mail / "INBOX"))


def test_published_pacc_export_is_discovered_back(world: WorldInfo):
    """--format pacc's document, served by nginx, is vouched for by the digest already in the
    zone and gives the library back the same implicit-TLS servers; its record is that digest."""
    address = world.address("export")
    before = _discover(world, address, SourceName.SRV)
    text = export(before, "pacc")
    body = text.splitlines(keepends=True)[0]
    assert body.encode() == expected_pacc()
    record = next(line for line in text.splitlines() if " IN TXT " in line)
    digest = base64.b64encode(hashlib.sha256(expected_pacc()).digest()).decode()
    assert record.endswith(f'"v=UAAC1; a=sha256; d={digest}"')
    _publish(world, f"ua-auto-config.{EXPORT_DOMAIN}", PACC_PATH, body)
    after = _discover(world, address, SourceName.PACC)
    tls = [s for s in before.incoming + before.outgoing if s.security.value == "tls"]
    assert sorted(s.endpoint for s in after.incoming + after.outgoing) == sorted(
        s.endpoint for s in tls
    )
    assert after.incoming[0].sources == [SourceName.PACC]
