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
from collections.abc import Callable, Generator
from dataclasses import dataclass, field

from ..models import FailureKind, Protocol, Security

__all__ = [
    "MAX_CONVERSATION",
    "MAX_LINE",
    "MAX_REPLY",
    "Action",
    "ImapReply",
    "LineReader",
    "LineTooLong",
    "Login",
    "PopReply",
    "ProtocolViolation",
    "Receive",
    "Reply",
    "ReplyTooLong",
    "Send",
    "SmtpReply",
    "Transcript",
    "UpgradeTLS",
    "conversation",
]

MAX_LINE = 8192  # bytes; longer lines end the conversation (a server that never ends a line)
# Bytes of one reply: a real capability list or EHLO answer is under 2 KiB; a server that
# sends capability lines forever is stopped here instead of filling memory.
MAX_REPLY = 64 * 1024
# Bytes of one whole conversation (a probe exchanges at most a dozen replies).
MAX_CONVERSATION = 256 * 1024
EHLO_NAME = "mail-autoconf.invalid"


class ProtocolViolation(Exception):
    """The server said something that does not fit the protocol."""


class LineTooLong(ProtocolViolation):
    """A line exceeded :data:`MAX_LINE` bytes."""


class ReplyTooLong(ProtocolViolation):
    """A reply exceeded :data:`MAX_REPLY` bytes, or the conversation :data:`MAX_CONVERSATION`."""


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


def _count(reply: Reply, line: str) -> None:
    """Add one line (and its line end) to the reply's size; past :data:`MAX_REPLY` it ends."""
    reply.size += len(line) + 2
    if reply.size > MAX_REPLY:
        raise ReplyTooLong(f"the server sent a reply longer than {MAX_REPLY} bytes")


@dataclass
class SmtpReply:
    """An SMTP reply: a code and its lines (RFC 5321 §4.2)."""

    code: int = 0
    lines: list[str] = field(default_factory=list)
    done: bool = False
    size: int = 0  # bytes received for this reply

    def feed(self, line: str) -> None:
        _count(self, line)
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
    size: int = 0

    def feed(self, line: str) -> None:
        _count(self, line)
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
    size: int = 0
    _status_seen: bool = False

    def feed(self, line: str) -> None:
        _count(self, line)
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
    failure: FailureKind | None = None  # set with ``error`` (and on a refused login)
    received: int = 0  # bytes of every reply so far, capped at MAX_CONVERSATION

    def fail(self, kind: FailureKind, error: str) -> Transcript:
        self.failure, self.error = kind, error
        return self

    def logged_in(self, ok: bool, detail: str) -> None:
        self.login, self.login_detail = ok, detail
        if not ok:
            self.failure = FailureKind.AUTH_REFUSED

    def may_login(self, login: Login | None) -> bool:
        """True when there is a login and TLS protects it; says why not otherwise."""
        if login is not None and not self.tls_performed:
            self.login_detail = "not tried: credentials are only ever sent over TLS"
        return login is not None and self.tls_performed


Conversation = Generator[Action, Reply | None, Transcript]
Steps = Generator[Action, Reply | None, object]


def conversation(
    protocol: Protocol, security: Security, login: Login | None = None
) -> Conversation:
    """The probe conversation for one server. ``login`` is used only after TLS."""
    if protocol is Protocol.IMAP:
        return _imap(security, login)
    if protocol is Protocol.POP3:
        return _pop3(security, login)
    return _smtp(security, login)


def _receive(
    t: Transcript, reply: Reply, *, optional: bool = False
) -> Generator[Action, Reply | None, Reply]:
    got = yield Receive(reply, optional=optional)
    assert got is reply
    t.received += reply.size
    if t.received > MAX_CONVERSATION:
        raise ReplyTooLong(f"the server sent more than {MAX_CONVERSATION} bytes in all")
    return reply


def _goodbye(t: Transcript, text: str, reply: Reply) -> Generator[Action, Reply | None, None]:
    yield Send(f"{text}\r\n".encode())
    yield from _receive(t, reply, optional=True)


def _not_offered(t: Transcript, what: str) -> Transcript:
    return t.fail(FailureKind.STARTTLS_NOT_OFFERED, f"the server does not offer {what}")


@dataclass(frozen=True, slots=True)
class _StartTls:
    """How one protocol asks for TLS in the middle of its conversation."""

    word: str  # the command, and the capability that offers it
    offered: Callable[[list[str]], bool]
    ask: Callable[[], Generator[Action, Reply | None, tuple[bool, str]]]  # (agreed, reply)
    capabilities: Callable[[], Generator[Action, Reply | None, list[str]]]  # asked after TLS
    goodbye: Callable[[], Generator[Action, Reply | None, None]]


def _secure(
    t: Transcript, security: Security, caps: list[str], how: _StartTls
) -> Generator[Action, Reply | None, list[str] | None]:
    """TLS as ``security`` asks: the capabilities to go on with, or None when the conversation
    ends here (``t`` says why). The one STARTTLS step of every protocol: not offered, it ends
    the conversation (no fall back to plain text); refused, too; agreed, TLS starts at once."""
    if security is Security.TLS:
        t.tls_performed = True
    if security is not Security.STARTTLS:
        return caps
    t.capabilities_before_tls = caps
    t.starttls_offered = how.offered(caps)
    if not t.starttls_offered:
        yield from how.goodbye()
        _not_offered(t, how.word)
        return None
    agreed, reply = yield from how.ask()
    if not agreed:
        t.fail(FailureKind.STARTTLS_REFUSED, f"{how.word} refused: {reply}".strip())
        return None
    yield UpgradeTLS()
    t.tls_performed = True
    return (yield from how.capabilities())


# IMAP ---------------------------------------------------------------------------------------


def _imap_capabilities(reply: ImapReply) -> list[str]:
    found: list[str] = []
    for line in reply.untagged:
        if line.upper().startswith("CAPABILITY "):
            found.extend(line.split()[1:])
    if not found and reply.text.upper().startswith("[CAPABILITY "):
        found = reply.text[1:].split("]", 1)[0].split()[1:]
    return found


class _Imap:
    """Tagged IMAP commands on one connection."""

    def __init__(self, t: Transcript) -> None:
        self.t = t
        self.counter = 0

    def command(
        self, text: str, *, secret: bool = False
    ) -> Generator[Action, Reply | None, ImapReply]:
        self.counter += 1
        tag = f"a{self.counter}"
        yield Send(f"{tag} {text}\r\n".encode(), secret=secret)
        reply = yield from _receive(self.t, ImapReply(tag=tag))
        assert isinstance(reply, ImapReply)
        return reply

    def continuation(self, data: str) -> Generator[Action, Reply | None, ImapReply]:
        """Answer a ``+`` continuation of the last command (with a credential)."""
        yield Send(f"{data}\r\n".encode(), secret=True)
        reply = yield from _receive(self.t, ImapReply(tag=f"a{self.counter}"))
        assert isinstance(reply, ImapReply)
        return reply

    def goodbye(self) -> Generator[Action, Reply | None, None]:
        tag = f"a{self.counter + 1}"
        yield from _goodbye(self.t, f"{tag} LOGOUT", ImapReply(tag=tag))

    def capabilities(self) -> Generator[Action, Reply | None, list[str]]:
        return _imap_capabilities((yield from self.command("CAPABILITY")))

    def starttls(self) -> _StartTls:
        def ask() -> Generator[Action, Reply | None, tuple[bool, str]]:
            answer = yield from self.command("STARTTLS")
            return answer.status == "OK", f"{answer.status} {answer.text}"

        return _StartTls(
            "STARTTLS",
            lambda caps: "STARTTLS" in {c.upper() for c in caps},
            ask,
            self.capabilities,
            self.goodbye,
        )


def _imap(security: Security, login: Login | None) -> Conversation:
    t = Transcript()
    greeting = yield from _receive(t, ImapReply(tag=None))
    assert isinstance(greeting, ImapReply)
    t.greeting = f"* {greeting.status} {greeting.text}".strip()
    if greeting.status == "BYE":
        return t.fail(
            FailureKind.SERVER_REFUSED, f"the server refused the connection: {greeting.text}"
        )
    imap = _Imap(t)
    secured = yield from _secure(t, security, (yield from imap.capabilities()), imap.starttls())
    if secured is None:
        return t
    caps = t.capabilities = secured
    t.sasl_mechanisms = [c[5:].upper() for c in caps if c.upper().startswith("AUTH=")]
    if t.may_login(login):
        assert login is not None
        yield from _imap_login(imap, login, {c.upper() for c in caps})
    yield from imap.goodbye()
    return t


def _imap_login(imap: _Imap, login: Login, caps: set[str]) -> Steps:
    """AUTHENTICATE PLAIN (with SASL-IR when offered), else LOGIN unless it is disabled;
    LOGIN also after a PLAIN refused for the method rather than the credentials."""
    t = imap.t
    result: ImapReply | None = None
    if "PLAIN" in t.sasl_mechanisms:
        if "SASL-IR" in caps:
            result = yield from imap.command(f"AUTHENTICATE PLAIN {login.plain()}", secret=True)
        else:
            result = yield from imap.command("AUTHENTICATE PLAIN")
            if result.status == "+":
                result = yield from imap.continuation(login.plain())
    if (result is None or _imap_method_refused(result)) and "LOGINDISABLED" not in caps:
        user, password = _imap_quote(login.username), _imap_quote(login.password)
        result = yield from imap.command(f"LOGIN {user} {password}", secret=True)
    if result is None:
        t.login_detail = "not tried: the server offers neither AUTH=PLAIN nor LOGIN"
        return None
    t.logged_in(result.status == "OK", f"{result.status} {result.text}".strip())
    return None


# IMAP response codes (RFC 5530) that put a refused login down to the account, not the
# method: with one of them, no other method is tried.
_IMAP_ACCOUNT_CODES = frozenset(
    {
        "AUTHENTICATIONFAILED",
        "AUTHORIZATIONFAILED",
        "EXPIRED",
        "CONTACTADMIN",
        "PRIVACYREQUIRED",
        "UNAVAILABLE",
    }
)


def _imap_method_refused(reply: ImapReply) -> bool:
    """A refused AUTHENTICATE that is about the method (BAD, or NO without an account code):
    the next method is worth trying, as Thunderbird tries its next one after a failure."""
    if reply.status == "BAD":
        return True
    code = reply.text[1:].split("]", 1)[0].split(" ", 1)[0].upper() if reply.text[:1] == "[" else ""
    return reply.status == "NO" and code not in _IMAP_ACCOUNT_CODES


def _imap_quote(text: str) -> str:
    if any(ch in text for ch in "\r\n\0"):
        raise ProtocolViolation("the user name or password contains a line break")
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


# POP3 ---------------------------------------------------------------------------------------


def _pop_command(
    t: Transcript, text: str, *, multiline: bool = False, secret: bool = False
) -> Generator[Action, Reply | None, PopReply]:
    yield Send(f"{text}\r\n".encode(), secret=secret)
    reply = yield from _receive(t, PopReply(multiline=multiline))
    assert isinstance(reply, PopReply)
    return reply


def _pop3(security: Security, login: Login | None) -> Conversation:
    t = Transcript()
    greeting = yield from _receive(t, PopReply())
    assert isinstance(greeting, PopReply)
    t.greeting = ("+OK " if greeting.ok else "-ERR ") + greeting.text
    if not greeting.ok:
        return t.fail(
            FailureKind.SERVER_REFUSED, f"the server refused the connection: {greeting.text}"
        )

    def capabilities() -> Generator[Action, Reply | None, list[str]]:
        capa = yield from _pop_command(t, "CAPA", multiline=True)
        return capa.lines if capa.ok else []

    def ask() -> Generator[Action, Reply | None, tuple[bool, str]]:
        answer = yield from _pop_command(t, "STLS")
        return answer.ok, answer.text

    stls = _StartTls(
        "STLS",
        lambda caps: "STLS" in {c.split()[0].upper() for c in caps if c.strip()},
        ask,
        capabilities,
        lambda: _goodbye(t, "QUIT", PopReply()),
    )
    secured = yield from _secure(t, security, (yield from capabilities()), stls)
    if secured is None:
        return t
    caps = t.capabilities = secured
    for line in caps:
        words = line.split()
        if words and words[0].upper() == "SASL":
            t.sasl_mechanisms = [w.upper() for w in words[1:]]
    if t.may_login(login):
        assert login is not None
        yield from _pop3_login(t, login)
    yield from _goodbye(t, "QUIT", PopReply())
    return t


def _pop3_login(t: Transcript, login: Login) -> Steps:
    """AUTH PLAIN when offered, else USER/PASS; USER/PASS also after an AUTH PLAIN refused
    without the ``[AUTH]`` code (RFC 3206: the credentials), so for the method."""
    result: PopReply | None = None
    if "PLAIN" in t.sasl_mechanisms:
        result = yield from _pop_command(t, f"AUTH PLAIN {login.plain()}", secret=True)
    if result is None or (not result.ok and not _pop_account_refused(result)):
        if any(ch in login.username + login.password for ch in "\r\n"):
            raise ProtocolViolation("the user name or password contains a line break")
        result = yield from _pop_command(t, f"USER {login.username}", secret=True)
        if result.ok:
            result = yield from _pop_command(t, f"PASS {login.password}", secret=True)
    t.logged_in(result.ok, ("+OK " if result.ok else "-ERR ") + result.text)
    return None


# RFC 3206 codes that say a refused login is about the account or the server, not the method.
_POP_ACCOUNT_CODES = frozenset({"AUTH", "SYS/TEMP", "SYS/PERM", "IN-USE", "LOGIN-DELAY"})


def _pop_account_refused(reply: PopReply) -> bool:
    code = reply.text[1:].split("]", 1)[0].upper() if reply.text[:1] == "[" else ""
    return code in _POP_ACCOUNT_CODES


# SMTP ---------------------------------------------------------------------------------------


def _ehlo_keywords(reply: SmtpReply) -> list[str]:
    return [line.strip() for line in reply.lines[1:] if line.strip()]


def _smtp_mechanisms(keywords: list[str]) -> list[str]:
    """SASL mechanisms from EHLO's ``AUTH ...`` (and the old ``AUTH=...``) keywords."""
    found: list[str] = []
    for keyword in keywords:
        words = keyword.split()
        head = words[0].upper()
        if head == "AUTH" or head.startswith("AUTH="):
            mechanisms = words[1:] if head == "AUTH" else [words[0][5:], *words[1:]]
            found.extend(m.upper() for m in mechanisms)
    return list(dict.fromkeys(found))  # each once, in the server's order


def _smtp_command(
    t: Transcript, text: str, *, secret: bool = False
) -> Generator[Action, Reply | None, SmtpReply]:
    yield Send(f"{text}\r\n".encode(), secret=secret)
    reply = yield from _receive(t, SmtpReply())
    assert isinstance(reply, SmtpReply)
    return reply


def _smtp(security: Security, login: Login | None) -> Conversation:
    t = Transcript()
    greeting = yield from _receive(t, SmtpReply())
    assert isinstance(greeting, SmtpReply)
    t.greeting = f"{greeting.code} {greeting.text}".strip()
    if greeting.code != 220:
        return t.fail(
            FailureKind.SERVER_REFUSED, f"the server refused the connection: {t.greeting}"
        )
    ehlo = yield from _smtp_command(t, f"EHLO {EHLO_NAME}")
    if ehlo.code != 250:
        return t.fail(FailureKind.SERVER_REFUSED, f"EHLO refused: {ehlo.code} {ehlo.text}")

    def capabilities() -> Generator[Action, Reply | None, list[str]]:
        again = yield from _smtp_command(t, f"EHLO {EHLO_NAME}")
        return _ehlo_keywords(again) if again.code == 250 else []

    def ask() -> Generator[Action, Reply | None, tuple[bool, str]]:
        answer = yield from _smtp_command(t, "STARTTLS")
        return answer.code == 220, f"{answer.code} {answer.text}"

    starttls = _StartTls(
        "STARTTLS",
        lambda caps: "STARTTLS" in {c.split()[0].upper() for c in caps},
        ask,
        capabilities,
        lambda: _goodbye(t, "QUIT", SmtpReply()),
    )
    secured = yield from _secure(t, security, _ehlo_keywords(ehlo), starttls)
    if secured is None:
        return t
    caps = t.capabilities = secured
    t.sasl_mechanisms = _smtp_mechanisms(caps)
    if t.may_login(login):
        assert login is not None
        yield from _smtp_login(t, login)
    yield from _goodbye(t, "QUIT", SmtpReply())
    return t


def _smtp_login(t: Transcript, login: Login) -> Steps:
    """AUTH PLAIN when offered, else AUTH LOGIN (user name and password in two steps); AUTH
    LOGIN also after a PLAIN refused for the method (504, 534, 538, 500-502: not 535)."""
    result: SmtpReply | None = None
    if "PLAIN" in t.sasl_mechanisms:
        result = yield from _smtp_command(t, f"AUTH PLAIN {login.plain()}", secret=True)
    if (result is None or result.code in _SMTP_METHOD_REFUSED) and "LOGIN" in t.sasl_mechanisms:
        result = yield from _smtp_command(t, "AUTH LOGIN")
        for secret in (login.username, login.password):
            if result.code != 334:
                break
            encoded = base64.b64encode(secret.encode()).decode()
            result = yield from _smtp_command(t, encoded, secret=True)
    if result is None:
        t.login_detail = "not tried: the server offers no AUTH PLAIN or LOGIN here"
        return None
    t.logged_in(result.code == 235, f"{result.code} {result.text}".strip())
    return None


# SMTP replies to AUTH about the mechanism, not the credentials (RFC 4954 §6, RFC 5321): the
# command or mechanism unknown, too weak, or needing encryption first.
_SMTP_METHOD_REFUSED = frozenset({500, 501, 502, 504, 534, 538})
