"""Models of how each client reads its configuration file back, written from the clients'
documentation and measured behaviour (msmtp 1.8.23, isync 1.4.4, fetchmail 6.4.37, getmail6
6.18, NeoMutt 2022, go-ini as aerc uses it, Python's configparser for OfflineIMAP).

Each reader takes the exported text and returns what the client would hold for the values
the tests put in: ``user``, ``command``, ``ca_file``, ``folder``, ``address``. A model raises
AssertionError where the real client would stop with an error or read something else (a line
too long, a stray quote, a command it would run, a variable it would expand).
"""

from __future__ import annotations

import ast
import configparser
import json
import os
import plistlib
import re
from collections.abc import Callable

from defusedxml import ElementTree

__all__ = ["READERS", "go_ini_value"]

Values = dict[str, str]


def _lines(text: str, limit: int | None = None) -> list[str]:
    lines = text.splitlines()
    if limit is not None:
        for line in lines:
            assert len(line.encode()) <= limit, f"line of {len(line.encode())} bytes"
    return lines


# -- msmtp: "key argument"; an argument in double quotes loses the outer pair, nothing else.


def _msmtp_arg(arg: str) -> str:
    arg = arg.strip()
    return arg[1:-1] if len(arg) >= 2 and arg[0] == arg[-1] == '"' else arg


def _keyword_lines(text: str, limit: int, arg: Callable[[str], str]) -> Values:
    """Lines of "keyword argument" (comments start a line with #): the first of each."""
    got: Values = {}
    for line in _lines(text, limit):
        stripped = line.strip()
        if stripped and not stripped.startswith("#"):
            key, _, rest = stripped.partition(" ")
            got.setdefault(key, arg(rest))
    return got


def _named(got: Values, **keys: str) -> Values:
    """The test's names for the settings ``keys`` names in the file."""
    return {name: got[key] for name, key in keys.items()}


def msmtp(text: str) -> Values:
    got = _keyword_lines(text, 499, _msmtp_arg)
    return _named(
        got, user="user", command="passwordeval", ca_file="tls_trust_file", address="from"
    )


# -- isync (mbsync): words; "..." quotes, a backslash takes the next character as it is.


def _isync_arg(rest: str) -> str:
    out: list[str] = []
    quoted = escaped = False
    assert not rest.lstrip().startswith("#"), rest  # a comment where a value should be
    for c in rest.lstrip():
        if escaped:
            assert c >= " "
            out.append(c)
            escaped = False
        elif c == "\\":
            escaped = True
        elif c == '"':
            quoted = not quoted
        elif not quoted and c.isspace():
            break
        else:
            out.append(c)
    assert not quoted, "missing closing quote"
    assert not escaped, "unterminated escape sequence"
    return "".join(out)


def mbsync(text: str) -> Values:
    got = _keyword_lines(text, 1021, _isync_arg)
    keys = {"ca_file": "CertificateFile", "folder": "Path", "address": "IMAPAccount"}
    return _named(got, user="User", command="PassCmd", **keys)


# -- fetchmail: "..." or '...' up to the next quote of the kind, then C escapes inside.

_C_ESCAPES = {"n": "\n", "t": "\t", "b": "\b", "r": "\r"}


def _fetchmail_unescape(raw: str) -> str:
    out: list[str] = []
    i = 0
    while i < len(raw):
        c = raw[i]
        if c != "\\" or i + 1 == len(raw):
            out.append(c)
            i += 1
            continue
        nxt = raw[i + 1]
        assert nxt not in "0123456789xX", "a numeric escape the writer never means"
        out.append(_C_ESCAPES.get(nxt, nxt))
        i += 2
    return "".join(out)


def _fetchmail_string(arg: str) -> str:
    quote = arg[0]
    assert quote in "\"'", arg
    end = arg.index(quote, 1)
    assert arg[end + 1 :].strip() == "", f"text after the string: {arg!r}"
    return _fetchmail_unescape(arg[1:end])


def fetchmail(text: str) -> Values:
    got: Values = {}
    for line in _lines(text):
        stripped = line.strip()
        if not stripped or stripped.startswith("#"):
            continue
        key, _, rest = stripped.partition(" ")
        if key in ("user", "sslcertfile"):
            got[key] = _fetchmail_string(rest.strip())
    return {"user": got["user"], "ca_file": got["sslcertfile"]}


# -- getmail6: RawConfigParser; paths through os.path.expandvars; tuples through eval.


def getmail(text: str) -> Values:
    parser = configparser.RawConfigParser()
    parser.read_string(text)
    retriever, destination = parser["retriever"], parser["destination"]
    command = ast.literal_eval(retriever["password_command"])
    path, ca_file = destination["path"], retriever["ca_certs"]
    assert os.path.expandvars(path) == path
    assert os.path.expandvars(ca_file) == ca_file
    return {
        "user": retriever["username"],
        "command": command[2],
        "ca_file": ca_file,
        "folder": path,
    }


# -- OfflineIMAP: configparser with %(name)s interpolation.


def offlineimap(text: str) -> Values:
    parser = configparser.ConfigParser()
    parser.read_string(text)
    (remote,) = [s for s in parser.sections() if s.endswith("-remote")]
    (local,) = [s for s in parser.sections() if s.endswith("-local")]
    expression = parser[remote]["remotepasseval"]
    # The expression passes the command to subprocess.run as a Python literal.
    command = ast.literal_eval(expression.split("run(", 1)[1].split(", shell=True", 1)[0])
    return {
        "user": parser[remote]["remoteuser"],
        "command": command,
        "ca_file": parser[remote]["sslcacertfile"],
        "folder": parser[local]["localfolders"],
        "address": parser["general"]["accounts"],
    }


# -- aerc: go-ini with default options.


def go_ini_value(raw: str) -> str:
    """A value as go-ini (aerc's reader, default options) returns it: a value starting with a
    backtick or quote runs to the last one on the line; else it is cut at # or ; and trimmed."""
    line = raw.lstrip()
    for quote in ("`", '"'):
        if line.startswith(quote):
            return line[1 : line.rindex(quote)]
    for i, c in enumerate(line):
        if c in "#;":
            return line[:i].strip()
    return line.strip()


def aerc(text: str) -> Values:
    got: Values = {}
    for line in _lines(text):
        if " = " in line and not line.startswith("#"):
            key, _, value = line.partition(" = ")
            got.setdefault(key, go_ini_value(value))
    return {"command": got["source-cred-cmd"], "address": got["from"]}


# -- NeoMutt and Mutt: "..." with backslash escapes; ` runs a command, $ names a variable.

_MUTT_ESCAPES = {"n": "\n", "t": "\t", "r": "\r", "e": "\x1b", "f": "\f"}


def _mutt_string(arg: str) -> str:
    assert arg.startswith('"'), arg
    out: list[str] = []
    i = 1
    while arg[i] != '"':
        c = arg[i]
        if c == "\\":
            out.append(_MUTT_ESCAPES.get(arg[i + 1], arg[i + 1]))
            i += 2
            continue
        assert c not in "`$", f"muttrc would run or expand {arg!r}"
        out.append(c)
        i += 1
    assert arg[i + 1 :].strip() == ""
    return "".join(out)


def neomutt(text: str) -> Values:
    got: Values = {}
    for line in _lines(text):
        if line.startswith("set ") and " = " in line:
            key, _, value = line[4:].partition(" = ")
            got[key] = value
    ca_file = _mutt_string(got["certificate_file"])
    assert ca_file[:1] not in "+=!@-<>^" or not ca_file, "a mailbox shortcut, expanded"
    return {
        "address": _mutt_string(got["from"]),
        "ca_file": ca_file,
        "command": _mutt_command(got["imap_pass"]),
    }


def _mutt_command(arg: str) -> str:
    """The command of "`command`", run when the file is read: unescaped as a string is, and
    with no $ left for NeoMutt to expand as its own variable."""
    assert arg.startswith('"`'), arg
    assert arg.endswith('`"'), arg
    return _mutt_string('"' + arg[2:-2] + '"')


# -- the XML formats: well-formed, and the values as the elements hold them.


def thunderbird(text: str) -> Values:
    root = ElementTree.fromstring(text.encode())
    user = root.findtext(".//incomingServer/username") or ""
    return {"user": user}


def autodiscover(text: str) -> Values:
    root = ElementTree.fromstring(text.encode())
    ns = "{http://schemas.microsoft.com/exchange/autodiscover/outlook/responseschema/2006a}"
    return {"user": root.findtext(f".//{ns}LoginName") or ""}


def mobileconfig(text: str) -> Values:
    profile = plistlib.loads(text.encode())
    mail = profile["PayloadContent"][0]
    return {"user": mail["IncomingMailServerUsername"], "address": mail["EmailAddress"]}


def srv_zone(text: str) -> Values:
    for line in _lines(text):
        if line and not line.startswith(";"):
            fields = line.split()
            assert len(fields) == 8, line
            assert fields[2:4] == ["IN", "SRV"], line
    return {}


def pacc(text: str) -> Values:
    """The document (first line) is JSON; the rest are comments and one TXT record line."""
    first, *rest = _lines(text)
    assert isinstance(json.loads(first), dict)
    records = [line for line in rest if line and not line.startswith(";")]
    assert len(records) == 1, rest
    assert re.fullmatch(r'\S+\. \d+ IN TXT "v=UAAC1; a=sha256; d=[A-Za-z0-9+/=]{44}"', records[0])
    return {}


READERS: dict[str, Callable[[str], Values]] = {
    "msmtp": msmtp,
    "mbsync": mbsync,
    "fetchmail": fetchmail,
    "getmail": getmail,
    "offlineimap": offlineimap,
    "aerc": aerc,
    "neomutt": neomutt,
    "mutt": neomutt,
    "thunderbird": thunderbird,
    "autodiscover": autodiscover,
    "mobileconfig": mobileconfig,
    "srv-zone": srv_zone,
    "pacc": pacc,
}
