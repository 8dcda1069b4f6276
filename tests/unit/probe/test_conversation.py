from __future__ import annotations

import base64
from collections import deque

import pytest

from autoconf import Protocol, Security
from autoconf.models import FailureKind
from autoconf.probe.conversation import (
    MAX_CONVERSATION,
    MAX_REPLY,
    ImapReply,
    LineReader,
    LineTooLong,
    Login,
    PopReply,
    ProtocolViolation,
    Receive,
    ReplyTooLong,
    Send,
    SmtpReply,
    Transcript,
    UpgradeTLS,
    conversation,
)

LOGIN = Login("alice@example.com", "s3cret")


def play(
    protocol: Protocol, security: Security, script: list[str], login: Login | None = None
) -> tuple[Transcript, list[str]]:
    """Run a conversation against scripted server lines; return it and what the client did."""
    lines = deque(script)
    did: list[str] = []
    steps = conversation(protocol, security, login)
    answer = None
    try:
        action = steps.send(None)
        while True:
            if isinstance(action, Send):
                did.append(
                    action.data.decode().rstrip("\r\n") + (" [secret]" if action.secret else "")
                )
                answer = None
            elif isinstance(action, Receive):
                while not action.reply.done:
                    if not lines:
                        assert action.optional, f"script ran out; client did {did}"
                        break
                    action.reply.feed(lines.popleft())
                answer = action.reply
            elif isinstance(action, UpgradeTLS):
                did.append("<TLS>")
                answer = None
            action = steps.send(answer)
    except StopIteration as stop:
        return stop.value, did


IMAP_143 = [
    "* OK [CAPABILITY IMAP4rev1 SASL-IR STARTTLS LOGINDISABLED] Dovecot ready.",
    "* CAPABILITY IMAP4rev1 SASL-IR LITERAL+ STARTTLS LOGINDISABLED",
    "a1 OK Pre-login capabilities listed, post-login capabilities have more.",
    "a2 OK Begin TLS negotiation now.",
    "* CAPABILITY IMAP4rev1 SASL-IR LITERAL+ AUTH=PLAIN AUTH=LOGIN",
    "a3 OK Pre-login capabilities listed.",
]


def test_imap_starttls_reads_capabilities_before_and_after():
    """IMAP 143: CAPABILITY, STARTTLS, upgrade, CAPABILITY again; LOGINDISABLED only before."""
    transcript, did = play(
        Protocol.IMAP,
        Security.STARTTLS,
        [*IMAP_143, "* BYE Logging out", "a4 OK Logout completed."],
    )
    assert did == ["a1 CAPABILITY", "a2 STARTTLS", "<TLS>", "a3 CAPABILITY", "a4 LOGOUT"]
    assert "LOGINDISABLED" in transcript.capabilities_before_tls
    assert "AUTH=PLAIN" in transcript.capabilities
    assert "LOGINDISABLED" not in transcript.capabilities
    assert transcript.sasl_mechanisms == ["PLAIN", "LOGIN"]
    assert transcript.tls_performed
    assert transcript.starttls_offered
    assert transcript.error is None


def test_imap_login_uses_sasl_ir_and_only_after_tls():
    """With credentials, AUTHENTICATE PLAIN goes out after the upgrade, marked secret."""
    transcript, did = play(
        Protocol.IMAP,
        Security.STARTTLS,
        [*IMAP_143, "a4 OK Logged in", "a5 OK Logout completed."],
        login=LOGIN,
    )
    assert did.index("<TLS>") < next(i for i, d in enumerate(did) if "AUTHENTICATE" in d)
    assert did[4] == f"a4 AUTHENTICATE PLAIN {LOGIN.plain()} [secret]"
    assert base64.b64decode(LOGIN.plain()) == b"\0alice@example.com\0s3cret"
    assert transcript.login is True
    assert transcript.login_detail == "OK Logged in"


def test_imap_wrong_password_is_a_failed_login_with_the_server_reason():
    """A NO to AUTHENTICATE is login failed, with the server's words."""
    transcript, _ = play(
        Protocol.IMAP,
        Security.TLS,
        [
            "* OK ready",
            "* CAPABILITY IMAP4rev1 AUTH=PLAIN",
            "a1 OK done",
            "a2 NO [AUTHENTICATIONFAILED] Authentication failed.",
            "a3 OK bye",
        ],
        login=LOGIN,
    )
    assert transcript.login is False
    assert "AUTHENTICATIONFAILED" in (transcript.login_detail or "")


def test_imap_without_sasl_ir_waits_for_the_continuation():
    """Without SASL-IR the client waits for '+' before sending the PLAIN response."""
    transcript, did = play(
        Protocol.IMAP,
        Security.TLS,
        [
            "* OK ready",
            "* CAPABILITY IMAP4rev1 AUTH=PLAIN",
            "a1 OK done",
            "+ ",
            "a2 OK Logged in",
            "a3 OK bye",
        ],
        login=LOGIN,
    )
    assert did[1] == "a2 AUTHENTICATE PLAIN"
    assert did[2] == f"{LOGIN.plain()} [secret]"
    assert transcript.login is True


def test_imap_login_command_when_no_auth_plain():
    """Without AUTH=PLAIN and without LOGINDISABLED, the LOGIN command is used, quoted."""
    login = Login('we"ird', "pa\\ss")
    transcript, did = play(
        Protocol.IMAP,
        Security.TLS,
        ["* OK ready", "* CAPABILITY IMAP4rev1", "a1 OK done", "a2 OK Logged in", "a3 OK bye"],
        login=login,
    )
    assert did[1] == 'a2 LOGIN "we\\"ird" "pa\\\\ss" [secret]'
    assert transcript.login is True


def test_no_credentials_ever_before_tls_on_plain_servers():
    """On a plain-text server a login is never attempted, and the reason is recorded."""
    transcript, did = play(
        Protocol.IMAP,
        Security.PLAIN,
        ["* OK ready", "* CAPABILITY IMAP4rev1 AUTH=PLAIN", "a1 OK done", "a2 OK bye"],
        login=LOGIN,
    )
    assert not any("secret" in d for d in did)
    assert transcript.login is None
    assert "only ever sent over TLS" in (transcript.login_detail or "")


@pytest.mark.parametrize(
    ("protocol", "script", "error"),
    [
        (
            Protocol.IMAP,
            ["* OK hi", "* CAPABILITY IMAP4rev1", "a1 OK done"],
            "does not offer STARTTLS",
        ),
        (Protocol.POP3, ["+OK hi", "+OK", "USER", ".", "+OK bye"], "does not offer STLS"),
        (
            Protocol.SMTP,
            ["220 hi", "250-mx", "250 PIPELINING", "221 bye"],
            "does not offer STARTTLS",
        ),
    ],
)
def test_missing_starttls_ends_the_conversation(protocol, script, error):
    """STARTTLS published but not offered: no upgrade, no fall back, the conversation ends."""
    transcript, did = play(protocol, Security.STARTTLS, script, login=LOGIN)
    assert transcript.starttls_offered is False
    assert error in (transcript.error or "")
    assert "<TLS>" not in did
    assert not any("secret" in d for d in did)


def test_pop3_stls_capa_and_auth_plain():
    """POP3 110: CAPA, STLS, upgrade, CAPA; SASL mechanisms read; AUTH PLAIN after TLS."""
    transcript, did = play(
        Protocol.POP3,
        Security.STARTTLS,
        [
            "+OK Dovecot ready.",
            "+OK",
            "CAPA",
            "STLS",
            "UIDL",
            ".",
            "+OK Begin TLS.",
            "+OK",
            "CAPA",
            "SASL PLAIN LOGIN",
            "USER",
            ".",
            "+OK Logged in.",
            "+OK bye",
        ],
        login=LOGIN,
    )
    assert did[:4] == ["CAPA", "STLS", "<TLS>", "CAPA"]
    assert did[4].startswith("AUTH PLAIN ")
    assert transcript.sasl_mechanisms == ["PLAIN", "LOGIN"]
    assert "STLS" in transcript.capabilities_before_tls
    assert transcript.login is True


def test_pop3_user_pass_when_no_sasl_plain():
    """Without SASL PLAIN, POP3 uses USER and PASS (both secret, after TLS)."""
    transcript, did = play(
        Protocol.POP3,
        Security.TLS,
        ["+OK ready", "+OK", "USER", ".", "+OK", "-ERR [AUTH] Authentication failed.", "+OK"],
        login=LOGIN,
    )
    assert did[1:3] == ["USER alice@example.com [secret]", "PASS s3cret [secret]"]
    assert transcript.login is False
    assert "Authentication failed" in (transcript.login_detail or "")


def test_smtp_587_auth_only_after_tls():
    """SMTP 587: EHLO lists STARTTLS but no AUTH; after TLS EHLO lists AUTH PLAIN LOGIN."""
    transcript, did = play(
        Protocol.SMTP,
        Security.STARTTLS,
        [
            "220 mx ESMTP",
            "250-mx",
            "250-PIPELINING",
            "250 STARTTLS",
            "220 2.0.0 Ready",
            "250-mx",
            "250-PIPELINING",
            "250 AUTH PLAIN LOGIN",
            "235 2.7.0 ok",
            "221 bye",
        ],
        login=LOGIN,
    )
    assert did[:3] == ["EHLO mail-autoconf.invalid", "STARTTLS", "<TLS>"]
    assert not any("AUTH" in c for c in transcript.capabilities_before_tls)
    assert transcript.sasl_mechanisms == ["PLAIN", "LOGIN"]
    assert transcript.login is True


def test_smtp_auth_login_and_port_25_without_auth():
    """AUTH LOGIN answers two 334 challenges; a server with no AUTH is login not-tried."""
    transcript, did = play(
        Protocol.SMTP,
        Security.TLS,
        [
            "220 hi",
            "250-mx",
            "250 AUTH=LOGIN",
            "334 VXNlcm5hbWU6",
            "334 UGFzc3dvcmQ6",
            "535 5.7.8 no",
            "221 bye",
        ],
        login=LOGIN,
    )
    assert did[1:4] == ["AUTH LOGIN", "YWxpY2VAZXhhbXBsZS5jb20= [secret]", "czNjcmV0 [secret]"]
    assert transcript.login is False
    relay, _ = play(Protocol.SMTP, Security.TLS, ["220 hi", "250 mx", "221 bye"], login=LOGIN)
    assert relay.login is None
    assert "offers no AUTH" in (relay.login_detail or "")


def test_refusing_greetings_end_politely():
    """A 554 or * BYE or -ERR greeting ends the conversation with a clear error."""
    for protocol, line in (
        (Protocol.SMTP, "554 go away"),
        (Protocol.IMAP, "* BYE full"),
        (Protocol.POP3, "-ERR busy"),
    ):
        transcript, did = play(protocol, Security.TLS, [line])
        assert "refused the connection" in (transcript.error or "")
        assert did == []


def test_line_reader_caps_line_length_and_frames_lines():
    """Lines split across chunks are joined; a line past the cap raises LineTooLong."""
    reader = LineReader(max_line=16)
    assert reader.feed(b"+OK he") == []
    assert reader.feed(b"llo\r\n* x\n") == ["+OK hello", "* x"]
    assert not reader.pending
    with pytest.raises(LineTooLong):
        reader.feed(b"A" * 17)
    with pytest.raises(LineTooLong):
        LineReader(max_line=4).feed(b"AAAAAAAA\r\n")


def test_replies_refuse_protocol_violations():
    """Lines that do not fit the protocol raise ProtocolViolation, not something else."""
    with pytest.raises(ProtocolViolation):
        SmtpReply().feed("hello")
    reply = SmtpReply()
    reply.feed("250-a")
    with pytest.raises(ProtocolViolation):
        reply.feed("251 b")
    with pytest.raises(ProtocolViolation):
        ImapReply(tag=None).feed("OK no star")
    with pytest.raises(ProtocolViolation):
        ImapReply(tag="a1").feed("a2 OK wrong tag")
    with pytest.raises(ProtocolViolation):
        PopReply().feed("HELLO")


def test_login_repr_hides_the_password():
    """A Login's repr never shows the password."""
    assert "s3cret" not in repr(LOGIN)


@pytest.mark.parametrize(
    ("reply", "line"),
    [
        (SmtpReply(), "250-X-FILLER " + "x" * 500),
        (ImapReply(tag="a1"), "* CAPABILITY " + "X " * 250),
        (PopReply(multiline=True), "X-FILLER " + "x" * 500),
    ],
    ids=["smtp", "imap", "pop3"],
)
def test_a_reply_that_never_ends_is_cut_at_the_reply_cap(reply, line):
    """Capability lines fed forever raise ReplyTooLong just past MAX_REPLY bytes."""
    if isinstance(reply, PopReply):
        reply.feed("+OK")
    fed = 0

    def feed_forever() -> None:
        nonlocal fed
        for _ in range(10 * MAX_REPLY // len(line)):
            reply.feed(line)
            fed += len(line) + 2

    with pytest.raises(ReplyTooLong):
        feed_forever()
    assert MAX_REPLY - 2 * len(line) < fed <= MAX_REPLY
    assert not reply.done


def test_a_conversation_is_capped_in_total_bytes():
    """Replies each under the reply cap, but together past MAX_CONVERSATION, end it."""
    filler = "* X-FILLER " + "x" * 900
    lines = (MAX_REPLY - 4096) // (len(filler) + 2)  # each reply just under the reply cap
    replies = [
        ["* CAPABILITY IMAP4rev1 STARTTLS", "a1 OK done"],
        ["a2 OK begin TLS"],
        ["* CAPABILITY IMAP4rev1", "a3 OK done"],
        ["a4 NO wrong"],  # LOGIN
        ["a5 OK bye"],  # LOGOUT: the fifth large reply passes 256 KiB in all
    ]
    script = ["* OK ready"]
    for tail in replies:
        script += [filler] * lines + tail
    assert 5 * (MAX_REPLY - 4096) > MAX_CONVERSATION  # the premise: five replies pass the cap
    with pytest.raises(ReplyTooLong, match="in all"):
        play(Protocol.IMAP, Security.STARTTLS, script, login=Login("u", "p"))


def test_failures_are_named_by_kind():
    """Each way a conversation ends early carries its FailureKind beside the words."""
    refused, _ = play(Protocol.SMTP, Security.TLS, ["554 go away"])
    assert refused.failure is FailureKind.SERVER_REFUSED
    not_offered, _ = play(
        Protocol.SMTP, Security.STARTTLS, ["220 hi", "250-hi", "250 AUTH PLAIN", "221 bye"]
    )
    assert not_offered.failure is FailureKind.STARTTLS_NOT_OFFERED
    starttls_refused, _ = play(
        Protocol.POP3, Security.STARTTLS, ["+OK hi", "+OK", "STLS", ".", "-ERR not now"]
    )
    assert starttls_refused.failure is FailureKind.STARTTLS_REFUSED
    wrong_password, _ = play(
        Protocol.POP3,
        Security.TLS,
        ["+OK hi", "+OK", "SASL PLAIN", ".", "-ERR [AUTH] no", "+OK bye"],
        login=LOGIN,
    )
    assert wrong_password.failure is FailureKind.AUTH_REFUSED
    assert wrong_password.error is None  # the server works; only the login was refused
    fine, _ = play(Protocol.POP3, Security.TLS, ["+OK hi", "+OK", "SASL PLAIN", ".", "+OK bye"])
    assert fine.failure is None


def test_imap_tries_login_after_authenticate_plain_is_refused_as_a_method():
    """A BAD (or a NO without an account code) to AUTHENTICATE PLAIN is about the method: the
    LOGIN command is tried next, as Thunderbird tries its next auth method."""
    for refusal in ("a2 BAD Unsupported mechanism", "a2 NO Unsupported authentication mechanism"):
        transcript, did = play(
            Protocol.IMAP,
            Security.TLS,
            [
                "* OK ready",
                "* CAPABILITY IMAP4rev1 SASL-IR AUTH=PLAIN",
                "a1 OK done",
                refusal,
                "a3 OK Logged in",
                "a4 OK bye",
            ],
            login=LOGIN,
        )
        assert did[1].startswith("a2 AUTHENTICATE PLAIN")
        assert did[2] == 'a3 LOGIN "alice@example.com" "s3cret" [secret]'
        assert transcript.login is True


def test_imap_refused_credentials_or_disabled_login_try_nothing_else():
    """NO [AUTHENTICATIONFAILED] is about the credentials, and LOGINDISABLED forbids LOGIN:
    no second method either way."""
    for caps, refusal in (
        ("AUTH=PLAIN", "a2 NO [AUTHENTICATIONFAILED] Authentication failed."),
        ("AUTH=PLAIN LOGINDISABLED", "a2 BAD no"),
    ):
        transcript, did = play(
            Protocol.IMAP,
            Security.TLS,
            ["* OK ready", f"* CAPABILITY IMAP4rev1 {caps}", "a1 OK done", refusal, "a3 OK bye"],
            login=LOGIN,
        )
        assert did[2] == "a3 LOGOUT"
        assert transcript.login is False
        assert transcript.failure is FailureKind.AUTH_REFUSED


def test_smtp_tries_auth_login_after_plain_is_refused_as_a_method():
    """504 to AUTH PLAIN (mechanism not supported) leads to AUTH LOGIN; 535 (credentials)
    does not."""
    transcript, did = play(
        Protocol.SMTP,
        Security.TLS,
        [
            "220 hi",
            "250-mx",
            "250 AUTH PLAIN LOGIN",
            "504 5.5.4 Unrecognized authentication type",
            "334 VXNlcm5hbWU6",
            "334 UGFzc3dvcmQ6",
            "235 2.7.0 ok",
            "221 bye",
        ],
        login=LOGIN,
    )
    assert did[2] == "AUTH LOGIN"
    assert transcript.login is True
    refused, did = play(
        Protocol.SMTP,
        Security.TLS,
        ["220 hi", "250-mx", "250 AUTH PLAIN LOGIN", "535 5.7.8 no", "221 bye"],
        login=LOGIN,
    )
    assert did[2] == "QUIT"
    assert refused.login is False


def test_pop3_tries_user_pass_unless_the_refusal_carries_the_auth_code():
    """-ERR to AUTH PLAIN without [AUTH] leads to USER/PASS; -ERR [AUTH] (RFC 3206: the
    credentials) ends the login."""
    greeting = ["+OK ready", "+OK caps", "SASL PLAIN", "."]
    transcript, did = play(
        Protocol.POP3,
        Security.TLS,
        [*greeting, "-ERR unsupported", "+OK user", "+OK logged in", "+OK bye"],
        login=LOGIN,
    )
    assert did[2:4] == ["USER alice@example.com [secret]", "PASS s3cret [secret]"]
    assert transcript.login is True
    refused, did = play(
        Protocol.POP3,
        Security.TLS,
        [*greeting, "-ERR [AUTH] Authentication failed.", "+OK bye"],
        login=LOGIN,
    )
    assert did[2] == "QUIT"
    assert refused.login is False
