"""Options parsing and the one Deadline."""

from __future__ import annotations

import pytest

from autoconf import (
    OptionsError,
    SourceName,
)
from autoconf.options import Deadline, parse_nameserver, split_sources


def test_nameserver_and_source_parsing():
    """--nameserver accepts IPv4, IPv4:port, [IPv6]:port and bare IPv6; names are refused."""
    assert parse_nameserver("127.0.0.1") == ("127.0.0.1", 53)
    assert parse_nameserver("127.0.0.1:5353") == ("127.0.0.1", 5353)
    assert parse_nameserver("[::1]:5353") == ("::1", 5353)
    assert parse_nameserver("2001:db8::1") == ("2001:db8::1", 53)
    for bad in ("ns.example", "127.0.0.1:99999", "[::1", "127.0.0.1:x", "[::1]x"):
        with pytest.raises(OptionsError):
            parse_nameserver(bad)
    assert split_sources(["srv,mx", "ispdb"]) == {SourceName.SRV, SourceName.MX, SourceName.ISPDB}
    with pytest.raises(OptionsError, match="known sources"):
        split_sources(["smoke-signals"])


def test_deadline_phases():
    """A phase gets its own limit cut short by what is left; an expired deadline raises."""
    deadline = Deadline(0.5)
    assert deadline.phase(3.0) <= 0.5
    assert deadline.phase(0.1) == 0.1
    assert not deadline.expired
    with pytest.raises(OptionsError):
        Deadline(0)
    past = Deadline(0.001, clock=iter([0.0, 1.0, 1.0]).__next__)
    assert past.expired
