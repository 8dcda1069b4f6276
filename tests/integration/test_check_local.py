"""``--check`` on a machine whose DNS is broken: a real resolver process on loopback that says
NXDOMAIN for every name, or never answers (tests/world/baddns.py). The check cannot judge
the domain from here: exit 6, one local-dns-down finding, no finding about the domain."""

from __future__ import annotations

import io
import json
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from autoconf.cli import main

BADDNS = Path(__file__).resolve().parents[1] / "world" / "baddns.py"


@pytest.fixture(params=["nxdomain", "silent"])
def broken_resolver(request: pytest.FixtureRequest) -> Iterator[str]:
    """``127.0.0.1:PORT`` of a running broken resolver (stopped after the test)."""
    process = subprocess.Popen(
        # -P: the script's folder is not put on sys.path, so its dns.py does not hide dnspython
        [sys.executable, "-P", str(BADDNS), request.param],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert process.stdout is not None
        port = int(process.stdout.readline())
        yield f"127.0.0.1:{port}"
    finally:
        process.terminate()
        process.wait(timeout=10)
        for stream in (process.stdin, process.stdout):
            if stream is not None:
                stream.close()


@pytest.mark.parametrize("target", ["posteo.de", "jane@example.org"])
def test_a_broken_resolver_makes_the_check_say_it_could_not_check(
    broken_resolver: str, target: str
):
    """A domain the bundled data knows (posteo.de) and one it does not: exit 6, the one
    finding local-dns-down, no server probed, the online ISPDB not reached."""
    out, err = io.StringIO(), io.StringIO()
    argv = ["--check", target, "--nameserver", broken_resolver, "--timeout", "8", "--json"]
    code = main(argv, stdout=out, stderr=err, stdin=io.StringIO(), environ={})
    report = json.loads(out.getvalue())
    assert code == 6, report["findings"]
    assert [f["code"] for f in report["findings"]] == ["local-dns-down"]
    assert report["local_problem"] == "dns-down"
    assert report["servers"] == []
    online = [m for m in report["mechanisms"] if m["source"] == "ispdb"]
    assert [m["reached"] for m in online] == [False]


def test_the_human_view_says_it_could_not_check_and_blames_nothing(broken_resolver: str):
    """The view is the one finding and its fix about this machine: no mechanism section, no
    "make ... answer" aimed at a host the admin does not run."""
    out = io.StringIO()
    argv = ["--check", "posteo.de", "--nameserver", broken_resolver, "--timeout", "8"]
    code = main(argv, stdout=out, stderr=io.StringIO(), stdin=io.StringIO(), environ={})
    text = out.getvalue()
    assert code == 6
    assert "Could not check from here." in text
    assert "[local-dns-down]" in text
    assert "autoconfig.thunderbird.net answer" not in text
    assert "nothing-published" not in text
