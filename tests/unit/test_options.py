"""Options parsing and the one Deadline."""

from __future__ import annotations

import pytest

from autoconf import (
    OptionsError,
    SourceName,
)
from autoconf.options import Deadline, Options, parse_nameserver, split_sources


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


def test_narrowed_deadline_ends_at_the_sooner_of_the_two():
    """A probe's budget ends after its own seconds, or with the deadline it narrows if sooner."""
    now = [100.0]
    outer = Deadline(10.0, clock=lambda: now[0])
    assert outer.narrowed(6.0).remaining() == 6.0
    assert outer.narrowed(60.0).remaining() == 10.0
    now[0] = 107.0
    assert outer.narrowed(6.0).remaining() == 3.0


def test_probe_budget_must_be_positive():
    """probe_budget is checked like the phase limits: a non-positive budget is refused."""
    with pytest.raises(OptionsError, match="probe_budget"):
        Options(probe_budget=0)


def test_allowed_networks_are_read_as_networks_and_bad_ones_refused():
    """allowed_networks takes CIDR text (host bits allowed); anything else is an OptionsError."""
    options = Options(allowed_networks=("127.0.0.0/8", "fd00::1/64"))  # type: ignore[arg-type]
    assert [str(n) for n in options.allowed_networks] == ["127.0.0.0/8", "fd00::/64"]
    with pytest.raises(OptionsError, match="not a network"):
        Options(allowed_networks=("ten.0.0.0/8",))  # type: ignore[arg-type]
    with pytest.raises(OptionsError, match="tuple of networks"):
        Options(allowed_networks="10.0.0.0/8")  # type: ignore[arg-type]


def test_every_options_field_says_what_it_does():
    """Each field of Options carries a docstring of its own (the API reference shows it)."""
    import ast
    import dataclasses
    import inspect

    from autoconf import options as module

    tree = ast.parse(inspect.getsource(module))
    (cls,) = [n for n in tree.body if isinstance(n, ast.ClassDef) and n.name == "Options"]
    documented = set()
    for field, after in zip(cls.body, cls.body[1:], strict=False):
        if (
            isinstance(field, ast.AnnAssign)
            and isinstance(field.target, ast.Name)
            and isinstance(after, ast.Expr)
            and isinstance(after.value, ast.Constant)
            and isinstance(after.value.value, str)
            and len(after.value.value.split()) >= 4
        ):
            documented.add(field.target.id)
    assert documented == {f.name for f in dataclasses.fields(Options)}
