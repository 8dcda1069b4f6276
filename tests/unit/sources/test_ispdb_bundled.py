from __future__ import annotations

from pathlib import Path

import pytest

from autoconf import Options, SourceName, discover, parse_address
from autoconf._data import INDEX_NAME, BundledIspdb, data_dir, default_ispdb
from autoconf.parsers.clientconfig import parse_clientconfig
from tests.unit.scripts import compiler as load_compiler

ROOT = Path(__file__).resolve().parents[3]
SNAPSHOT = ROOT / "data" / "ispdb"


def test_committed_index_is_what_the_compiler_makes():
    """Rebuilding the index and report from data/ gives the committed files byte for byte."""
    compiler = load_compiler()
    index, compiled, merged = compiler.build_index(ROOT / "data")
    assert (ROOT / "data" / INDEX_NAME).read_text(encoding="utf-8") == compiler.render(index)
    report = (ROOT / "data" / compiler.REPORT_NAME).read_text(encoding="utf-8")
    assert report == compiler.report(compiled, merged)


def test_snapshot_is_complete_with_its_licence():
    """The bundled snapshot keeps its 163 files, LICENSE and SOURCE.txt."""
    assert len(list(SNAPSHOT.glob("*.xml"))) == 163
    assert (SNAPSHOT / "LICENSE").read_text().startswith("Mozilla Public License Version 2.0")
    assert "c6ad79659b5fc321d1593ec4c277815b83e5dec5" in (SNAPSHOT / "SOURCE.txt").read_text()


def test_index_covers_every_ispdb_domain_and_provider():
    """The index holds every distinct domain of the snapshot and every ISPDB provider."""
    index = default_ispdb()
    ispdb = {d for d, key in index.domains.items() if "/" not in key}
    assert len(ispdb) == 962
    assert len({index.domains[d] for d in ispdb}) == 163
    assert index.snapshot == "c6ad79659b5fc321d1593ec4c277815b83e5dec5"
    assert data_dir().is_dir()


async def test_every_domain_resolves_offline_to_its_providers_servers():
    """For each of the 962 domains, offline discovery returns exactly its file's servers."""
    checked = 0
    options = Options(offline=True)
    for path in sorted(SNAPSHOT.glob("*.xml")):
        data = path.read_bytes()
        for domain in parse_clientconfig(data, parse_address("x@example.com")).provider.domains:
            address = f"someone@{domain}"
            expected = parse_clientconfig(
                data, parse_address(address), source=SourceName.ISPDB_BUNDLED
            )
            result = await discover(address, options=options)
            assert result.provider is not None
            assert result.provider.id == expected.provider.id, domain
            assert result.provider.domains == expected.provider.domains
            assert sorted(s.endpoint for s in result.incoming) == sorted(
                s.endpoint for s in expected.incoming
            ), domain
            assert sorted(s.endpoint for s in result.outgoing) == sorted(
                s.endpoint for s in expected.outgoing
            ), domain
            by_endpoint = {s.endpoint: s for s in expected.incoming + expected.outgoing}
            for server in result.incoming + result.outgoing:
                assert server.username == by_endpoint[server.endpoint].username
                assert server.auth == by_endpoint[server.endpoint].auth
                assert server.sources == [SourceName.ISPDB_BUNDLED]
            checked += 1
    assert checked == 962  # cty-net.ne.jp, listed twice in its file, counts once


def test_lookup_is_exact_and_cached():
    """Only exact domains match, and a template is decoded once."""
    index = default_ispdb()
    assert index.lookup("mail.gmail.com") is None
    assert index.lookup("gmail.com") is index.lookup("googlemail.com")
    assert "gmail.com" in index
    assert "example.com" not in index


def test_a_broken_index_is_a_clear_error(tmp_path):
    """A missing or foreign index file raises AutoconfError naming the file."""
    from autoconf import AutoconfError

    with pytest.raises(AutoconfError, match="cannot read"):
        BundledIspdb.load(tmp_path / "missing.json")
    (tmp_path / "i.json").write_text('{"format": 99}')
    with pytest.raises(AutoconfError, match="unknown format"):
        BundledIspdb.load(tmp_path / "i.json")
