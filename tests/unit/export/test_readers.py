"""Every export writer refuses what its format cannot hold and writes the rest so that the
format's reader takes it back unchanged (issue 19, items 1 and 7): hosts that are not plain
host names, values against a model of each reader, and the real programs loading the files."""

from __future__ import annotations

import re
import shutil
import subprocess
from datetime import UTC, datetime
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from autoconf.address import parse_address
from autoconf.check.publish import srv_zone
from autoconf.check.report import DomainReport, Mechanism, MechanismReport
from autoconf.errors import ExportError, ExportFailure, InvalidAddress
from autoconf.export import FORMATS, export
from autoconf.models import AuthMethod, DiscoveryResult, Protocol, Security
from tests.unit.test_host_entry import HOST_PIECES

from .fixtures import oauth2_result, result, server
from .readers import READERS

LONG_LABEL = "a" * 64
# Hosts with zone ids (and what Python's ipaddress lets through after '%'), controls, quotes,
# line breaks, and very long or empty labels: none is a plain host name.
BAD_HOSTS = [
    "::1%eth0",
    "fe80::1%\nPassCmd evil",
    "::1%'|touch pwned|'",
    '::1%" auth off',
    "::1%a..b",
    f"::1%{LONG_LABEL}",
    "imap.example.net\n$INCLUDE /etc/passwd",
    "imap.example.net\x00",
    '"imap.example.net"',
    f"{LONG_LABEL}.example.net",
    "imap..example.net",
    "[imap.example.net]",
]


def _failure(res: DiscoveryResult, name: str, **options: str) -> ExportFailure:
    with pytest.raises(ExportError) as caught:
        export(res, name, **options)  # type: ignore[arg-type]
    return caught.value.reason


@pytest.mark.parametrize("name", sorted(FORMATS))
@pytest.mark.parametrize("host", BAD_HOSTS)
def test_every_format_refuses_a_host_that_is_not_plain(name: str, host: str):
    """A result built by hand (or by an older library) with such a host: unsafe-value."""
    incoming = [server(Protocol.IMAP, host, 993, Security.TLS)]
    outgoing = [server(Protocol.SMTP, host, 465, Security.TLS)]
    assert _failure(result(incoming, outgoing), name) is ExportFailure.UNSAFE_VALUE


@pytest.mark.parametrize("host", BAD_HOSTS)
def test_the_checks_srv_zone_refuses_a_host_that_is_not_plain(host: str):
    """--check D --format srv-zone: a report naming such a host gives no zone lines."""
    report = DomainReport(
        domain="example.net",
        checked_at=datetime(2026, 12, 1, tzinfo=UTC),
        mechanisms=[
            MechanismReport(
                mechanism=Mechanism.AUTOCONFIG,
                published=True,
                incoming=[server(Protocol.IMAP, host, 993, Security.TLS)],
            )
        ],
    )
    with pytest.raises(ExportError) as caught:
        srv_zone(report)
    assert caught.value.reason is ExportFailure.UNSAFE_VALUE


def test_srv_zone_names_no_ip_address_as_a_target():
    """An SRV target is a host name: a server at an IP address is left out, with a comment."""
    incoming = [server(Protocol.IMAP, "192.0.2.7", 993, Security.TLS)]
    text = export(result(incoming=incoming), "srv-zone")
    assert "192.0.2.7." not in text
    assert "; not published: imap 192.0.2.7 port 993 is an IP address" in text


# -- item 7: values that change meaning in a client -----------------------------------------


def test_msmtp_keeps_backslashes_and_quotes_as_they_are():
    """msmtp drops only the outer double quotes: nothing inside is escaped."""
    res = result(incoming=[], outgoing=[_smtp(username='dom\\us"er')])
    text = export(res, "msmtp", password_command='pass show "mail\\x"')
    lines = text.splitlines()
    assert 'user "dom\\us"er"' in lines
    assert 'passwordeval "pass show "mail\\x""' in lines


def test_msmtp_refuses_a_line_of_500_characters():
    """msmtp stops at a line of 500 characters or more: such a file is not written."""
    res = result(incoming=[], outgoing=[_smtp()])
    export(res, "msmtp", password_command="x" * 480)
    failure = _failure(res, "msmtp", password_command="x" * 500)
    assert failure is ExportFailure.UNSAFE_VALUE


def test_fetchmail_quotes_by_its_lexer():
    """fetchmail has no escape for a quote: a double quote goes between single quotes, a
    backslash is doubled, and a value with both quotes is refused."""
    res = result(
        incoming=[server(Protocol.IMAP, "imap.example.net", 993, Security.TLS, username='a"b\\c')]
    )
    assert "    user 'a\"b\\\\c'" in export(res, "fetchmail").splitlines()
    both = result(
        incoming=[server(Protocol.IMAP, "imap.example.net", 993, Security.TLS, username="a\"b'c")]
    )
    assert _failure(both, "fetchmail") is ExportFailure.UNSAFE_VALUE


def test_fetchmail_writes_no_auth_oauthbearer():
    """fetchmail 6.4 stops at 'auth oauthbearer': with a password also taken the entry signs
    in with it; a server that takes OAuth2 only is refused (reason auth)."""
    text = export(oauth2_result(), "fetchmail")
    assert "auth oauthbearer" not in [line.strip() for line in text.splitlines()]
    only = [server(Protocol.IMAP, "imap.example.net", 993, Security.TLS, auth=(AuthMethod.OAUTH2,))]
    assert _failure(result(incoming=only), "fetchmail") is ExportFailure.AUTH


def test_fetchmail_quotes_an_ipv6_host():
    """fetchmail's lexer reads a bare 2001:db8::1 as a syntax error: it is quoted."""
    res = result(incoming=[server(Protocol.IMAP, "2001:db8::1", 993, Security.TLS)])
    assert 'poll "2001:db8::1" with protocol IMAP' in export(res, "fetchmail")


@pytest.mark.parametrize("folder", ["~/Mail/$USER/", "/var/mail/${HOME}/", "$HOME/Mail/"])
def test_getmail_refuses_a_folder_it_would_expand(folder: str):
    """getmail passes path through os.path.expandvars: $NAME or ${NAME} is refused."""
    assert _failure(result(), "getmail", maildir=folder) is ExportFailure.UNSAFE_VALUE
    assert _failure(result(), "getmail", ca_file=folder + "ca.pem") is ExportFailure.UNSAFE_VALUE


@pytest.mark.parametrize("name", ["neomutt", "mutt"])
@pytest.mark.parametrize("ca_file", ["+ca.pem", "=ca.pem", "!", "-ca.pem", "^x", "@x", ">x"])
def test_muttrc_refuses_a_path_it_would_read_as_a_mailbox_shortcut(name: str, ca_file: str):
    """NeoMutt and Mutt replace a leading +, =, !, -, ^, @, > or < in a path setting."""
    assert _failure(result(), name, ca_file=ca_file) is ExportFailure.UNSAFE_VALUE
    assert "~/ca.pem" in export(result(), name, ca_file="~/ca.pem")


@pytest.mark.parametrize("name", ["autodiscover", "mobileconfig", "thunderbird"])
@pytest.mark.parametrize("char", ["\ufffe", "\uffff", "\ufdd0", "\U0010ffff"])
def test_xml_formats_refuse_a_noncharacter(name: str, char: str):
    """U+FFFE and the other noncharacters make XML ill-formed: refused, not written."""
    address = f"a{char}b@example.net"
    parse_address(address)  # the library takes the address
    assert _failure(result(address=address), name) is ExportFailure.UNSAFE_VALUE
    user = [server(Protocol.IMAP, "imap.example.net", 993, Security.TLS, username=f"u{char}")]
    assert _failure(result(incoming=user), name) is ExportFailure.UNSAFE_VALUE


# -- every value a writer accepts reads back the same ---------------------------------------

_AWKWARD = [
    *" \"'\\$`#;%{}()[]~!&|<>*?=+^-:,@é€\t\n\x00\x1b\u202e\u2028\ufffe\U0001f600",
    "$HOME",
    "${X}",
    "%(x)s",
    "\\n",
    "\\x41",
]
_PIECE = st.one_of(st.sampled_from(_AWKWARD), st.text(min_size=1, max_size=3))
_VALUE = st.one_of(
    st.lists(_PIECE, max_size=8).map("".join),
    st.integers(480, 1100).map(lambda n: "x" * n),  # past msmtp's and mbsync's line limits
)


def _smtp(username: str | None = "alice@example.net") -> object:
    return server(Protocol.SMTP, "smtp.example.net", 465, Security.TLS, username=username)


@st.composite
def _values(draw: st.DrawFn) -> dict[str, str]:
    local = draw(st.lists(_PIECE, min_size=1, max_size=4).map("".join))
    try:
        address = str(parse_address(f"{local}@example.net"))
    except InvalidAddress:
        address = "alice@example.net"
    folder = draw(_VALUE) or "Mail"
    return {
        "address": address,
        "user": draw(_VALUE) or "u",
        "command": draw(_VALUE) or "true",
        "ca_file": draw(_VALUE) or "ca.pem",
        "folder": folder if folder.endswith("/") else folder + "/",
    }


def _write(name: str, values: dict[str, str]) -> str | None:
    """The file ``name`` writes for ``values``; None when the writer refuses them."""
    user = values["user"]
    incoming = [server(Protocol.IMAP, "imap.example.net", 993, Security.TLS, username=user)]
    outgoing = [server(Protocol.SMTP, "smtp.example.net", 465, Security.TLS, username=user)]
    res = result(incoming, outgoing, address=values["address"])
    try:
        return export(
            res,
            name,
            password_command=values["command"],
            ca_file=values["ca_file"],
            maildir=values["folder"],
        )
    except ExportError as exc:
        reason = exc.reason
    assert reason is ExportFailure.UNSAFE_VALUE
    return None


def _expected(name: str, values: dict[str, str]) -> dict[str, str]:
    if name == "thunderbird" and values["user"] == values["address"]:
        return {**values, "user": "%EMAILADDRESS%"}
    if name == "thunderbird" and values["user"] == values["address"].rsplit("@", 1)[0]:
        return {**values, "user": "%EMAILLOCALPART%"}
    return values


@pytest.mark.parametrize("name", sorted(FORMATS))
@given(values=_values())
@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
def test_every_value_a_writer_accepts_reads_back_the_same(name: str, values: dict[str, str]):
    """Awkward user names, commands, paths and addresses: refused (unsafe-value), or read
    back by a model of the format's reader exactly as given, with nothing run or expanded."""
    text = _write(name, values)
    if text is None:
        return
    read = READERS[name](text)
    expected = _expected(name, values)
    assert {key: expected[key] for key in read} == read


@given(st.lists(HOST_PIECES, max_size=8).map("".join))
@settings(max_examples=200, deadline=None)
def test_srv_zone_lines_hold_only_plain_hosts(host: str):
    """Whatever the host, srv-zone either refuses it or writes well-formed zone lines."""
    incoming = [server(Protocol.IMAP, host, 993, Security.TLS)]
    try:
        text = export(result(incoming=incoming, outgoing=[]), "srv-zone")
    except ExportError as exc:
        reason = exc.reason
    else:
        reason = None
    if reason is not None:
        assert reason is ExportFailure.UNSAFE_VALUE
        return
    READERS["srv-zone"](text)
    targets = [line.split()[-1] for line in text.splitlines() if " IN SRV " in line]
    assert all(re.fullmatch(r"(\.|([a-z0-9-]+\.)+)", t, re.IGNORECASE) for t in targets)


# -- the real programs load the files -------------------------------------------------------

_ASCII_PIECE = st.one_of(
    st.sampled_from([*" \"'\\$`#;%{}()~!&|*?=+:,", "$HOME", "\\n"]),
    st.text(alphabet="abcXYZ019-_./", min_size=1, max_size=3),
)
_ASCII_VALUE = st.lists(_ASCII_PIECE, min_size=1, max_size=6).map("".join)


def _ascii_values() -> st.SearchStrategy[dict[str, str]]:
    return st.fixed_dictionaries(
        {
            "address": st.just("alice@example.net"),
            "user": _ASCII_VALUE,
            "command": _ASCII_VALUE,
            "ca_file": _ASCII_VALUE.map(lambda v: "/" + v),  # a leading ~ is meant as home
            "folder": _ASCII_VALUE.map(lambda v: v + "/"),
        }
    )


def _program(tmp_path: Path, argv: list[str], rc: str) -> str:
    """Run a client on a written file, in an empty home, with no network use; its stdout."""
    path = tmp_path / "rc"
    path.write_text(rc)
    path.chmod(0o600)
    done = subprocess.run(
        [a.replace("RC", str(path)) for a in argv],
        cwd=tmp_path,
        env={"HOME": str(tmp_path), "PATH": "/usr/bin:/bin", "TERM": "dumb", "LC_ALL": "C.UTF-8"},
        capture_output=True,
        text=True,
        timeout=30,
    )
    assert not (tmp_path / "pwned").exists()
    return done.stdout + done.stderr


_REAL = settings(max_examples=8, deadline=None, suppress_health_check=list(HealthCheck))


@pytest.mark.skipif(shutil.which("msmtp") is None, reason="needs msmtp")
@given(values=_ascii_values())
@_REAL
def test_real_msmtp_reads_the_values_back(
    tmp_path_factory: pytest.TempPathFactory, values: dict[str, str]
):
    """msmtp --pretend shows the user name and CA file as given (it runs passwordeval even
    then, so the command here is a harmless one, read back too)."""
    values = {**values, "command": "printf '%s' 'a\\b \"c\"'"}
    text = _write("msmtp", values)
    if text is None:
        return
    out = _program(tmp_path_factory.mktemp("msmtp"), ["msmtp", "-C", "RC", "--pretend"], text)
    shown = dict(line.split(" = ", 1) for line in out.splitlines() if " = " in line)
    assert shown["user"] == values["user"]
    assert shown["passwordeval"] == values["command"]
    assert shown["tls_trust_file"] == values["ca_file"]


@pytest.mark.skipif(shutil.which("fetchmail") is None, reason="needs fetchmail")
@given(values=_ascii_values())
@_REAL
def test_real_fetchmail_reads_the_values_back(
    tmp_path_factory: pytest.TempPathFactory, values: dict[str, str]
):
    """fetchmail --configdump (no poll) shows the user name and CA file as given."""
    text = _write("fetchmail", values)
    if text is None:
        return
    out = _program(
        tmp_path_factory.mktemp("fm"), ["fetchmail", "-f", "RC", "--configdump", "--nosyslog"], text
    )
    assert "syntax error" not in out, out
    user = re.search(r'"remote":"((?:[^"\\]|\\.)*)"', out)
    assert user is not None, out
    assert _dump_unescape(user.group(1)) == values["user"]
    cert = re.search(r'"sslcertfile":"((?:[^"\\]|\\.)*)"', out)
    assert cert is not None
    assert _dump_unescape(cert.group(1)) == values["ca_file"]


def _dump_unescape(text: str) -> str:
    """fetchmail's --configdump writes \\ and \" escaped."""
    return re.sub(r"\\(.)", r"\1", text)


@pytest.mark.skipif(shutil.which("mbsync") is None, reason="needs mbsync")
@given(values=_ascii_values())
@_REAL
def test_real_mbsync_loads_the_values(
    tmp_path_factory: pytest.TempPathFactory, values: dict[str, str]
):
    """mbsync reads a file with awkward values with no configuration error but the missing CA
    file, whose name it gives back as written, and runs no command."""
    home = tmp_path_factory.mktemp("mbsync")
    values = {
        **values,
        "folder": f"{home}/mail/{values['folder']}",
        "ca_file": f"/no-such-dir/{values['ca_file']}",  # mbsync then names the file it read
    }
    Path(values["folder"], "INBOX").mkdir(parents=True, exist_ok=True)
    incoming = [server(Protocol.IMAP, "127.0.0.1", 9, Security.TLS, username=values["user"])]
    text = export(
        result(incoming=incoming),
        "mbsync",
        password_command=f"touch pwned; {values['command']}",
        ca_file=values["ca_file"],
        maildir=values["folder"],
    )
    out = _program(home, ["mbsync", "-c", "RC", "-a"], text)
    # mbsync names a bad line FILE:N:; the CA file does not exist, so it says the one it read.
    errors = [line for line in out.splitlines() if line.startswith(str(home / "rc"))]
    (error,) = errors
    assert error.endswith(f"CertificateFile '{values['ca_file']}': No such file or directory")


@pytest.mark.skipif(shutil.which("fetchmail") is None, reason="needs fetchmail")
def test_real_fetchmail_loads_every_oauth2_file(tmp_path: Path):
    """The OAuth2 provider's fetchmail entry loads in Debian's fetchmail 6.4, and so does an
    entry for a server at an IPv6 address."""
    out = _program(
        tmp_path,
        ["fetchmail", "-f", "RC", "--configdump", "--nosyslog"],
        export(oauth2_result(), "fetchmail"),
    )
    assert "syntax error" not in out
    assert '"pollname":"imap.oauth.example"' in out
    ipv6 = result(incoming=[server(Protocol.IMAP, "2001:db8::1", 993, Security.TLS)])
    out = _program(
        tmp_path, ["fetchmail", "-f", "RC", "--configdump", "--nosyslog"], export(ipv6, "fetchmail")
    )
    assert '"pollname":"2001:db8::1"' in out


@pytest.mark.skipif(shutil.which("getmail") is None, reason="needs getmail6")
@given(values=_ascii_values())
@_REAL
def test_real_getmail_reads_the_values_back(
    tmp_path_factory: pytest.TempPathFactory, values: dict[str, str]
):
    """getmail --dump loads the rc file and shows the user name, the password command, the
    CA file and the Maildir as given (nothing expanded, nothing run)."""
    home = tmp_path_factory.mktemp("getmail")
    values = {
        **values,
        "ca_file": f"{home}/ca/{values['ca_file'].replace('/', '_')}",
        "folder": f"{home}/mail/{values['folder']}",
    }
    text = _write("getmail", values)
    if text is None:
        return
    for sub in ("cur", "new", "tmp"):
        Path(values["folder"], sub).mkdir(parents=True, exist_ok=True)
    Path(values["ca_file"]).parent.mkdir(parents=True, exist_ok=True)
    Path(values["ca_file"]).touch()
    out = _program(home, ["getmail", "--getmaildir", str(home), "--rcfile", "RC", "--dump"], text)
    assert "getmail configuration:" in out, out
    assert f'username="{values["user"]}"' in out
    assert f'password_command="{("/bin/sh", "-c", values["command"])}"' in out
    assert f'ca_certs="{values["ca_file"]}"' in out
    assert f'path="{values["folder"]}"' in out


@pytest.mark.skipif(shutil.which("neomutt") is None, reason="needs neomutt")
@given(values=_ascii_values())
@_REAL
def test_real_neomutt_reads_the_values_back(
    tmp_path_factory: pytest.TempPathFactory, values: dict[str, str]
):
    """neomutt -Q shows the CA file as given, no $ expanded, no shortcut replaced, and runs
    no command while reading the file."""
    # One file name: NeoMutt tidies a path (// and /./), which names the same file.
    values = {**values, "command": "true", "ca_file": "/" + values["ca_file"].replace("/", "_")}
    text = _write("neomutt", values)
    if text is None:
        return
    out = _program(
        tmp_path_factory.mktemp("mutt"),
        ["neomutt", "-n", "-F", "RC", "-Q", "certificate_file"],
        text,
    )
    shown = values["ca_file"].replace("\\", "\\\\").replace('"', '\\"')
    assert out == f'set certificate_file = "{shown}"\n'  # -Q escapes \\ and " only
