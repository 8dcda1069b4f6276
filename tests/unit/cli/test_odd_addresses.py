"""A bounded run of benchmarks/odd_addresses.py: odd addresses through API, CLI and --batch."""

from __future__ import annotations

from types import ModuleType

import pytest

from ..scripts import load_benchmark

PER_CATEGORY = 20


@pytest.fixture(scope="module")
def odd() -> ModuleType:
    """The odd-address script, imported as a module."""
    return load_benchmark("odd_addresses")


@pytest.fixture(scope="module")
def addresses(odd: ModuleType) -> list[object]:
    """PER_CATEGORY addresses of every category."""
    return list(odd.generate(PER_CATEGORY * len(odd.CATEGORIES), seed=7))


def test_generation_is_reproducible_and_covers_every_category(odd: ModuleType) -> None:
    """The 2,000 default addresses are the same each run and cover all categories evenly."""
    first, second = odd.generate(2000, seed=1), odd.generate(2000, seed=1)
    assert first == second
    assert odd.generate(2000, seed=2) != first
    per_category = {name: 0 for name in odd.CATEGORIES}
    for item in first:
        per_category[item.category] += 1
    assert min(per_category.values()) >= 2000 // len(odd.CATEGORIES)
    texts = [item.text for item in first]
    assert any("\x00" in t for t in texts)
    assert any("\udcff" in t or "\ud800" in t for t in texts)
    assert any(t.count("@") > 1 for t in texts)


def test_batch_answers_every_line_with_one_json_line(
    odd: ModuleType, addresses: list[object]
) -> None:
    """--batch of odd addresses: one JSON line per answered line, only found/not found/invalid."""
    tally = odd.run_batch(addresses)
    assert tally.failures == []
    assert tally.counts["found"] > 0
    assert tally.counts["invalid"] > 0
    assert tally.counts["not found"] > 0


def test_api_raises_only_invalid_address_outside_surrogates(
    odd: ModuleType, addresses: list[object]
) -> None:
    """discover(offline=True) on odd addresses without surrogates: a result or InvalidAddress."""
    tally = odd.run_api([a for a in addresses if a.category != "surrogates"])
    assert tally.failures == []
    assert tally.counts["found"] > 0
    assert tally.counts["invalid"] > 0


def test_api_and_cli_refuse_surrogates_as_invalid_address(
    odd: ModuleType, addresses: list[object]
) -> None:
    """Lone surrogates / invalid UTF-8 bytes: InvalidAddress from the API, exit 2 from the CLI."""
    surrogates = [a for a in addresses if a.category == "surrogates"]
    api = odd.run_api(surrogates)
    cli = odd.run_cli(surrogates[:2])
    assert api.failures == []
    assert cli.failures == []


def test_cli_gives_json_or_exit_two_for_one_address_of_each_category(
    odd: ModuleType, addresses: list[object]
) -> None:
    """The CLI, once per category (surrogates aside): exit 0/1 with JSON, or 2, no traceback."""
    first = odd.sample(addresses, len(odd.CATEGORIES))
    tally = odd.run_cli([a for a in first if a.category != "surrogates"])
    assert tally.failures == []
    assert tally.counts["invalid"] > 0
    assert tally.counts["found"] > 0
