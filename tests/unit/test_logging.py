"""Logging for embedders: the ``autoconf`` logger tree, one DEBUG record per attempt and probe.

No record at INFO or above names an address's local part; no record at any level holds a
password.
"""

from __future__ import annotations

import asyncio
import logging
import ssl

import pytest
from pydantic import SecretStr

import autoconf
from autoconf.models import Protocol, Security, ServerSettings, SourceName
from autoconf.net.dns import DnsClient
from autoconf.options import Deadline
from autoconf.probe.conversation import Login
from autoconf.probe.driver import probe_server

from .fakes import FakeSource

LOCAL_PART = "very.private.person"
PASSWORD = "correct-horse-battery-staple"


def test_the_library_logger_has_a_null_handler():
    """logging.getLogger('autoconf') carries a NullHandler once the library is in use."""
    import autoconf.api  # noqa: F401 - the modules that log are imported with the API

    handlers = logging.getLogger("autoconf").handlers
    assert any(isinstance(h, logging.NullHandler) for h in handlers)


def _quiet_about_secrets(records: list[logging.LogRecord]) -> None:
    for record in records:
        text = record.getMessage()
        assert PASSWORD not in text
        if record.levelno >= logging.INFO:
            assert LOCAL_PART not in text


def test_one_debug_record_per_source_attempt(caplog: pytest.LogCaptureFixture):
    """Each attempt of a source that ran is one DEBUG record of autoconf.sources."""
    sources = [FakeSource(SourceName.AUTOCONFIG, 0.0), FakeSource(SourceName.SRV, 0.0, host=None)]
    options = autoconf.Options(
        verify=False,
        credentials=autoconf.Credentials(f"{LOCAL_PART}@example.com", SecretStr(PASSWORD)),
    )
    with caplog.at_level(logging.DEBUG, logger="autoconf"):
        result = autoconf.discover_sync(
            f"{LOCAL_PART}@example.com", options=options, sources=sources
        )
    records = [r for r in caplog.records if r.name == "autoconf.sources"]
    ran = [a for a in result.attempts if a.source in {SourceName.AUTOCONFIG, SourceName.SRV}]
    assert len(records) == len(ran) == 2
    assert {r.levelno for r in records} == {logging.DEBUG}
    assert {r.getMessage().split()[0] for r in records} == {"autoconfig", "srv"}
    _quiet_about_secrets(caplog.records)


async def _smtp(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    """A plain SMTP server that offers AUTH and ends the conversation at anything but EHLO."""
    writer.write(b"220 test ESMTP\r\n")
    while line := await reader.readline():
        if not line.startswith(b"EHLO"):
            writer.write(b"221 bye\r\n")
            break
        writer.write(b"250-test\r\n250 AUTH PLAIN\r\n")
    await writer.drain()
    writer.close()


async def test_one_debug_record_per_probe(caplog: pytest.LogCaptureFixture):
    """A probe is one DEBUG record of autoconf.probe naming the server; no password in it."""
    listener = await asyncio.start_server(_smtp, "127.0.0.1", 0)
    port = int(listener.sockets[0].getsockname()[1])
    server = ServerSettings(
        protocol=Protocol.SMTP, host="127.0.0.1", port=port, security=Security.PLAIN
    )
    try:
        with caplog.at_level(logging.DEBUG, logger="autoconf"):
            await probe_server(
                server,
                dns=DnsClient(nameservers=(("127.0.0.1", 9),)),
                ssl_context=ssl.create_default_context(),
                deadline=Deadline(5),
                login=Login(f"{LOCAL_PART}@example.com", PASSWORD),
            )
    finally:
        listener.close()
        await listener.wait_closed()
    records = [r for r in caplog.records if r.name == "autoconf.probe"]
    assert len(records) == 1
    assert records[0].levelno == logging.DEBUG
    assert f"smtp 127.0.0.1:{port} (plain)" in records[0].getMessage()
    _quiet_about_secrets(caplog.records)
