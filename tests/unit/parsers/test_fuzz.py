"""A bounded run of benchmarks/fuzz_parsers.py: the parsers raise only their own errors."""

from __future__ import annotations

from types import ModuleType
from typing import Any

import pytest

from ..scripts import load_benchmark

COUNT = 2_000
SEED = 20261201
MAX_SECONDS = 2.0  # per case; generous for a loaded 2-core machine


@pytest.fixture(scope="module")
def fuzz() -> ModuleType:
    """The fuzzing script, imported as a module."""
    return load_benchmark("fuzz_parsers")


@pytest.fixture(scope="module")
def report(fuzz: ModuleType) -> Any:
    """One bounded fuzzing run shared by the tests below."""
    return fuzz.fuzz(COUNT, SEED, MAX_SECONDS)


def _failures(fuzz: ModuleType, report: Any, targets: set[str]) -> list[str]:
    return [fuzz.describe(f, SEED) for f in report.failures if f.case.target in targets]


def test_fuzz_run_reaches_every_parser_and_both_outcomes(report: Any) -> None:
    """2,000 cases reach all four parsers, and documents are both accepted and refused."""
    assert report.total == COUNT
    targets = {target for target, _ in report.counts}
    assert targets == {"clientconfig", "autodiscover", "srv", "address"}
    for target in ("clientconfig", "autodiscover"):
        assert report.counts[(target, "ok")] > 0
        assert report.counts[(target, "parse-error")] > 0
    assert report.counts[("address", "invalid-address")] > 0


def test_fuzzed_documents_and_srv_answers_raise_only_parse_error(
    fuzz: ModuleType, report: Any
) -> None:
    """Mutated clientConfig/Autodiscover documents and odd SRV answers: ParseError or a result."""
    assert _failures(fuzz, report, {"clientconfig", "autodiscover", "srv"}) == []


def test_fuzzed_addresses_raise_only_invalid_address(fuzz: ModuleType, report: Any) -> None:
    """Odd addresses (controls, bidi, surrogates, long labels, many @): InvalidAddress or ok."""
    assert _failures(fuzz, report, {"address"}) == []


def test_a_case_is_the_same_input_every_time(fuzz: ModuleType) -> None:
    """Case N of a seed is reproducible, so a printed failure can be replayed."""
    first, second = fuzz.Fuzzer(SEED), fuzz.Fuzzer(SEED)
    for index in (0, 17, 1999):
        assert first.case(index) == second.case(index)
    assert fuzz.Fuzzer(SEED + 1).case(5) != first.case(5)


def test_a_foreign_exception_is_reported_as_a_failure(
    fuzz: ModuleType, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The runner counts an exception other than ParseError as a failure, with a replay line."""

    def broken(*_args: object, **_kwargs: object) -> None:
        raise KeyError("boom")

    monkeypatch.setattr(fuzz, "parse_autodiscover", broken)
    result = fuzz.fuzz(50, SEED, MAX_SECONDS)
    autodiscover = [f for f in result.failures if f.case.target == "autodiscover"]
    assert autodiscover
    assert result.counts[("autodiscover", "FAILURE")] == len(autodiscover)
    assert "KeyError" in autodiscover[0].error
    assert f"--seed {SEED} --replay {autodiscover[0].case.index}" in fuzz.describe(
        autodiscover[0], SEED
    )
