"""IMAP, POP3 and SMTP probe conversations, sans I/O.

A conversation is a generator. It yields actions — :class:`Send` bytes, :class:`Receive` a
reply with a given reader, :class:`UpgradeTLS` — and the driver performs them and sends the
outcome back in. The generator returns a :class:`Transcript` of what was learned. Nothing here
touches a socket or a clock, so every conversation is tested by feeding it recorded lines.

Rules kept here, once: before TLS only greetings, capability queries and STARTTLS are sent;
credentials only ever after TLS; a STARTTLS that is not offered ends the conversation (no
silent fall back to plain text).
"""

from __future__ import annotations

import base64
from collections.abc import Generator
from dataclasses import dataclass, field

from ..models import Protocol, Security

__all__ = [
    "MAX_LINE",
    "Action",
    "ImapReply",
    "LineReader",
    "LineTooLong",
    "Login",
    "PopReply",
    "ProtocolViolation",
    "Receive",
    "Reply",
    "Send",
    "SmtpReply",
    "Transcript",
    "UpgradeTLS",
    "conversation",
]

MAX_LINE = 8192  # bytes; longer lines end the conversation (a server that never ends a line)
EHLO_NAME = "mail-autoconf.invalid"


class ProtocolViolation(Exception):
    """The server said something that does not fit the protocol."""


class LineTooLong(ProtocolViolation):
    """A line exceeded :data:`MAX_LINE` bytes."""


class LineReader:
    """CRLF (or LF) line framing with a length cap."""

    def __init__(self, max_line: int = MAX_LINE) -> None:
        self._buffer = bytearray()
        self._max = max_line

    def feed(self, data: bytes) -> list[str]:
        """Add received bytes; return the complete lines (decoded, without the line end)."""
        self._buffer += data
        lines: list[str] = []
        while True:
            end = self._buffer.find(b"\n")
            if end < 0:
                if len(self._buffer) > self._max:
                    raise LineTooLong(f"the server sent a line longer than {self._max} bytes")
                return lines
            if end > self._max:
                raise LineTooLong(f"the server sent a line longer than {self._max} bytes")
            raw = bytes(self._buffer[:end]).rstrip(b"\r")
            del self._buffer[: end + 1]
            lines.append(raw.decode("utf-8", "replace"))

    @property
    def pending(self) -> bool:
        """True when bytes beyond the last complete line are buffered."""
        return bool(self._buffer)


# Replies ---------------------------------------------------------------------------------


@dataclass
class SmtpReply:
    """An SMTP reply: a code and its lines (RFC 5321 §4.2)."""

    code: int = 0
    lines: list[str] = field(default_factory=list)
    done: bool = False

    def feed(self, line: str) -> None:
        if len(line) < 3 or not line[:3].isdigit():
            raise ProtocolViolation(f"not an SMTP reply: {line[:80]!r}")
        code = int(line[:3])
        if self.lines and code != self.code:
            raise ProtocolViolation(f"SMTP reply code changed inside a reply: {line[:80]!r}")
        self.code = code
        self.lines.append(line[4:])
        self.done = len(line) == 3 or line[3] == " "

    @property
    def text(self) -> str:
        return " ".join(self.lines).strip()


@dataclass
class ImapReply:
    """Untagged lines up to the tagged completion (or a ``+`` continuation, or a greeting)."""

    tag: str | None  # None: the greeting
    status: str = ""  # OK, NO, BAD, PREAUTH, BYE, or "+" for a continuation request
    text: str = ""
    untagged: list[str] = field(default_factory=list)
    done: bool = False

    def feed(self, line: str) -> None:
        if self.tag is None:
            if not line.startswith("* "):
                raise ProtocolViolation(f"not an IMAP greeting: {line[:80]!r}")
            self.status, _, self.text = line[2:].partition(" ")
            self.status = self.status.upper()
            self.done = True
            return
        if line.startswith("+"):
            self.status, self.text, self.done = "+", line[1:].strip(), True
        elif line.startswith(self.tag + " "):
            self.status, _, self.text = line[len(self.tag) + 1 :].partition(" ")
            self.status = self.status.upper()
            self.done = True
        elif line.startswith("* "):
            self.untagged.append(line[2:])
        else:
            raise ProtocolViolation(f"unexpected IMAP line: {line[:80]!r}")


@dataclass
class PopReply:
    """A POP3 status line, and for multi-line answers the lines up to the lone dot."""

    multiline: bool = False
    ok: bool = False
    text: str = ""
    lines: list[str] = field(default_factory=list)
    done: bool = False
    _status_seen: bool = False

    def feed(self, line: str) -> None:
        if not self._status_seen:
            self._status_seen = True
            if line.startswith("+OK"):
                self.ok, self.text = True, line[3:].strip()
            elif line.startswith("-ERR"):
                self.ok, self.text = False, line[4:].strip()
            elif line.startswith("+ ") or line == "+":
                self.ok, self.text = True, line[1:].strip()  # SASL continuation
            else:
                raise ProtocolViolation(f"not a POP3 reply: {line[:80]!r}")
            self.done = not (self.multiline and self.ok)
            return
        if line == ".":
            self.done = True
        else:
            self.lines.append(line[1:] if line.startswith("..") else line)


Reply = SmtpReply | ImapReply | PopReply


# Actions -----------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Send:
    data: bytes
    secret: bool = False  # carries a credential: never log it


@dataclass(frozen=True, slots=True)
class Receive:
    reply: Reply  # fed line by line until ``reply.done``
    optional: bool = False  # the goodbye: a server may close without answering


@dataclass(frozen=True, slots=True)
class UpgradeTLS:
    """Start TLS on the connection now (after the server agreed to STARTTLS/STLS)."""


Action = Send | Receive | UpgradeTLS


@dataclass(frozen=True, slots=True)
class Login:
    username: str
    password: str

    def __repr__(self) -> str:
        return f"Login(username={self.username!r}, password='**********')"

    def plain(self) -> str:
        token = f"\0{self.username}\0{self.password}".encode()
        return base64.b64encode(token).decode("ascii")


@dataclass
class Transcript:
    """What a conversation learned."""

    greeting: str = ""
    capabilities_before_tls: list[str] = field(default_factory=list)
    capabilities: list[str] = field(default_factory=list)
    sasl_mechanisms: list[str] = field(default_factory=list)
    tls_performed: bool = False
    starttls_offered: bool | None = None  # None: not a STARTTLS conversation
    login: bool | None = None  # None: not tried
    login_detail: str | None = None
    error: str | None = None


Conversation = Generator[Action, Reply | None, Transcript]


def conversation(
    protocol: Protocol, security: Security, login: Login | None = None
) -> Conversation:
    """The probe conversation for one server. ``login`` is used only after TLS."""
    if protocol is Protocol.IMAP:
        return _imap(security, login)
    if protocol is Protocol.POP3:
        return _pop3(security, login)
    return _smtp(security, login)


def _receive(reply: Reply, *, optional: bool = False) -> Generator[Action, Reply | None, Reply]:
    got = yield Receive(reply, optional=optional)
    assert got is reply
    return reply


def _goodbye(text: str, reply: Reply) -> Generator[Action, Reply | None, None]:
    yield Send(f"{text}\r\n".encode())
    yield from _receive(reply, optional=True)


# IMAP ---------------------------------------------------------------------------------------


def _imap_capabilities(reply: ImapReply) -> list[str]:
    found: list[str] = []
    for line in reply.untagged:
        if line.upper().startswith("CAPABILITY "):
            found.extend(line.split()[1:])
    if not found and reply.text.upper().startswith("[CAPABILITY "):
        found = reply.text[1:].split("]", 1)[0].split()[1:]
    return found


def _imap(security: Security, login: Login | None) -> Conversation:
    t = Transcript()
    greeting = yield from _receive(ImapReply(tag=None))
    assert isinstance(greeting, ImapReply)
    t.greeting = f"* {greeting.status} {greeting.text}".strip()
    if greeting.status == "BYE":
        t.error = f"the server refused the connection: {greeting.text}"
        return t
    counter = 0

    def command(text: str, *, secret: bool = False) -> Generator[Action, Reply | None, ImapReply]:
        nonlocal counter
        counter += 1
        tag = f"a{counter}"
        yield Send(f"{tag} {text}\r\n".encode(), secret=secret)
        reply = yield from _receive(ImapReply(tag=tag))
        assert isinstance(reply, ImapReply)
        return reply

    caps_reply = yield from command("CAPABILITY")
    caps = _imap_capabilities(caps_reply)
    if security is Security.STARTTLS:
        t.capabilities_before_tls = caps
        t.starttls_offered = "STARTTLS" in {c.upper() for c in caps}
        if not t.starttls_offered:
            t.error = "the server does not offer STARTTLS"
            yield from _goodbye(f"a{counter + 1} LOGOUT", ImapReply(tag=f"a{counter + 1}"))
            return t
        answer = yield from command("STARTTLS")
        if answer.status != "OK":
            t.error = f"STARTTLS refused: {answer.status} {answer.text}".strip()
            return t
        yield UpgradeTLS()
        t.tls_performed = True
        caps = _imap_capabilities((yield from command("CAPABILITY")))
    elif security is Security.TLS:
        t.tls_performed = True
    t.capabilities = caps
    t.sasl_mechanisms = [c[5:].upper() for c in caps if c.upper().startswith("AUTH=")]
    upper = {c.upper() for c in caps}
    if login is not None and t.tls_performed:
        if "PLAIN" in t.sasl_mechanisms:
            if "SASL-IR" in upper:
                result = yield from command(f"AUTHENTICATE PLAIN {login.plain()}", secret=True)
            else:
                result = yield from command("AUTHENTICATE PLAIN")
                if result.status == "+":
                    yield Send(f"{login.plain()}\r\n".encode(), secret=True)
                    result = yield from _receive(ImapReply(tag=f"a{counter}"))  # type: ignore[assignment]
        elif "LOGINDISABLED" not in upper:
            result = yield from command(
                f"LOGIN {_imap_quote(login.username)} {_imap_quote(login.password)}", secret=True
            )
        else:
            result = None
            t.login_detail = "not tried: the server offers neither AUTH=PLAIN nor LOGIN"
        if result is not None:
            assert isinstance(result, ImapReply)
            t.login = result.status == "OK"
            t.login_detail = f"{result.status} {result.text}".strip()
    elif login is not None:
        t.login_detail = "not tried: credentials are only ever sent over TLS"
    yield from _goodbye(f"a{counter + 1} LOGOUT", ImapReply(tag=f"a{counter + 1}"))
    return t


def _imap_quote(text: str) -> str:
    if any(ch in text for ch in "\r\n\0"):
        raise ProtocolViolation("the user name or password contains a line break")
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


# POP3 ---------------------------------------------------------------------------------------


def _pop3(security: Security, login: Login | None) -> Conversation:
    t = Transcript()
    greeting = yield from _receive(PopReply())
    assert isinstance(greeting, PopReply)
    t.greeting = ("+OK " if greeting.ok else "-ERR ") + greeting.text
    if not greeting.ok:
        t.error = f"the server refused the connection: {greeting.text}"
        return t

    def command(
        text: str, *, multiline: bool = False, secret: bool = False
    ) -> Generator[Action, Reply | None, PopReply]:
        yield Send(f"{text}\r\n".encode(), secret=secret)
        reply = yield from _receive(PopReply(multiline=multiline))
        assert isinstance(reply, PopReply)
        return reply

    capa = yield from command("CAPA", multiline=True)
    caps = capa.lines if capa.ok else []
    if security is Security.STARTTLS:
        t.capabilities_before_tls = caps
        t.starttls_offered = "STLS" in {c.split()[0].upper() for c in caps if c.strip()}
        if not t.starttls_offered:
            t.error = "the server does not offer STLS"
            yield from _goodbye("QUIT", PopReply())
            return t
        answer = yield from command("STLS")
        if not answer.ok:
            t.error = f"STLS refused: {answer.text}"
            return t
        yield UpgradeTLS()
        t.tls_performed = True
        capa = yield from command("CAPA", multiline=True)
        caps = capa.lines if capa.ok else []
    elif security is Security.TLS:
        t.tls_performed = True
    t.capabilities = caps
    for line in caps:
        words = line.split()
        if words and words[0].upper() == "SASL":
            t.sasl_mechanisms = [w.upper() for w in words[1:]]
    if login is not None and t.tls_performed:
        if "PLAIN" in t.sasl_mechanisms:
            result = yield from command(f"AUTH PLAIN {login.plain()}", secret=True)
        else:
            if any(ch in login.username + login.password for ch in "\r\n"):
                raise ProtocolViolation("the user name or password contains a line break")
            result = yield from command(f"USER {login.username}", secret=True)
            if result.ok:
                result = yield from command(f"PASS {login.password}", secret=True)
        t.login = result.ok
        t.login_detail = ("+OK " if result.ok else "-ERR ") + result.text
    elif login is not None:
        t.login_detail = "not tried: credentials are only ever sent over TLS"
    yield from _goodbye("QUIT", PopReply())
    return t


# SMTP ---------------------------------------------------------------------------------------


def _ehlo_keywords(reply: SmtpReply) -> list[str]:
    return [line.strip() for line in reply.lines[1:] if line.strip()]


def _smtp(security: Security, login: Login | None) -> Conversation:
    t = Transcript()
    greeting = yield from _receive(SmtpReply())
    assert isinstance(greeting, SmtpReply)
    t.greeting = f"{greeting.code} {greeting.text}".strip()
    if greeting.code != 220:
        t.error = f"the server refused the connection: {t.greeting}"
        return t

    def command(text: str, *, secret: bool = False) -> Generator[Action, Reply | None, SmtpReply]:
        yield Send(f"{text}\r\n".encode(), secret=secret)
        reply = yield from _receive(SmtpReply())
        assert isinstance(reply, SmtpReply)
        return reply

    ehlo = yield from command(f"EHLO {EHLO_NAME}")
    if ehlo.code != 250:
        t.error = f"EHLO refused: {ehlo.code} {ehlo.text}"
        return t
    caps = _ehlo_keywords(ehlo)
    if security is Security.STARTTLS:
        t.capabilities_before_tls = caps
        t.starttls_offered = "STARTTLS" in {c.split()[0].upper() for c in caps}
        if not t.starttls_offered:
            t.error = "the server does not offer STARTTLS"
            yield from _goodbye("QUIT", SmtpReply())
            return t
        answer = yield from command("STARTTLS")
        if answer.code != 220:
            t.error = f"STARTTLS refused: {answer.code} {answer.text}"
            return t
        yield UpgradeTLS()
        t.tls_performed = True
        ehlo = yield from command(f"EHLO {EHLO_NAME}")
        caps = _ehlo_keywords(ehlo) if ehlo.code == 250 else []
    elif security is Security.TLS:
        t.tls_performed = True
    t.capabilities = caps
    for keyword in caps:
        words = keyword.split()
        if words[0].upper() == "AUTH" or words[0].upper().startswith("AUTH="):
            mechanisms = words[1:] if words[0].upper() == "AUTH" else [words[0][5:], *words[1:]]
            for mechanism in mechanisms:
                if mechanism.upper() not in t.sasl_mechanisms:
                    t.sasl_mechanisms.append(mechanism.upper())
    if login is not None and t.tls_performed:
        if "PLAIN" in t.sasl_mechanisms:
            result = yield from command(f"AUTH PLAIN {login.plain()}", secret=True)
        elif "LOGIN" in t.sasl_mechanisms:
            result = yield from command("AUTH LOGIN")
            if result.code == 334:
                user = base64.b64encode(login.username.encode()).decode()
                result = yield from command(user, secret=True)
            if result.code == 334:
                password = base64.b64encode(login.password.encode()).decode()
                result = yield from command(password, secret=True)
        else:
            result = None
            t.login_detail = "not tried: the server offers no AUTH PLAIN or LOGIN here"
        if result is not None:
            t.login = result.code == 235
            t.login_detail = f"{result.code} {result.text}".strip()
    elif login is not None:
        t.login_detail = "not tried: credentials are only ever sent over TLS"
    yield from _goodbye("QUIT", SmtpReply())
    return t
