#!/usr/bin/env python3
"""2,000 generated odd addresses through the API, the CLI and --batch, all offline.

    python benchmarks/odd_addresses.py [--count 2000] [--seed 1] [--cli-sample 200]

The addresses (a fixed function of --seed) have empty parts, quotes, IDN and mixed scripts,
bidirectional and control characters, lone surrogates and invalid UTF-8 bytes, very long
labels, several @, IP literals, trailing dots, white space and NULs; some are plain bundled
provider addresses, so that "found" is reached too. Each goes through

* the API: ``autoconf.discover(address, options=Options(offline=True))``;
* the CLI: ``python -m autoconf --offline --json -- ADDRESS`` as a subprocess, for the first
  --cli-sample addresses, every category in turn (argv carries bytes: a lone surrogate goes as
  the byte it escapes; an address with a NUL cannot be an argument and is left out);
* ``--batch``: all of them in one file, one per line (bytes as for the CLI; a line break
  inside an address is written as a space, since it would split the line).

Counts found / not found / invalid per surface. A failure is anything else: an exception
other than ``InvalidAddress`` from the API; an exit status other than 0, 1 or 2, a 0 or 1
without one JSON document on stdout, or a traceback, from the CLI; and from --batch, not
exactly one JSON line per address line (blank and # lines are skipped by design) or an error
other than ``invalid-address``. Failures are listed with the address; exit status 1 if any.
"""

from __future__ import annotations

import argparse
import asyncio
import collections
import dataclasses
import json
import os
import random
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from autoconf import Options, discover  # noqa: E402
from autoconf.errors import InvalidAddress  # noqa: E402

PROVIDERS = ["gmail.com", "outlook.com", "yahoo.com", "gmx.de", "web.de", "aol.com"]
LOCALS = ["jane", "j.doe", "a+tag", "ü", "用户", "o'neil", "x"]
DOMAINS = [
    *PROVIDERS,
    "example.com",
    "bücher.de",
    "xn--bcher-kva.de",
    "例え.jp",
    "sub.example.co.uk",
]
BIDI = ["\u202e", "\u202d", "\u2066", "\u2067", "\u2069", "\u200f", "\u061c"]
CONTROLS = ["\x01", "\x07", "\x08", "\x1b", "\x7f", "\x85", "\x9b", "\u2028", "\u200b", "\ufeff"]
SPACES = [" ", "\t", "\n", "\r", "\u00a0", "\u3000", "\u2003", "\x0b", "\x0c"]
CONFUSABLES = [
    "а",
    "е",
    "о",
    "р",
    "ѕ",
    "ӏ",
    "α",
    "ο",
    "ı",
    "ｇ",
    "１",
]  # Cyrillic, Greek, fullwidth
SURROGATE_BYTES = ["\udcff", "\udc80", "\udcc0\udc80", "\udced\udca0\udc80", "\ud800", "\udfff"]


@dataclasses.dataclass(frozen=True)
class Odd:
    """One generated address and the kind of oddness it was built to have."""

    category: str
    text: str


def _local(rng: random.Random) -> str:
    return rng.choice(LOCALS)


def _domain(rng: random.Random) -> str:
    return rng.choice(DOMAINS)


def _insert(rng: random.Random, text: str, piece: str) -> str:
    at = rng.randint(0, len(text))
    return text[:at] + piece + text[at:]


def _plain(rng: random.Random) -> str:
    return f"{_local(rng)}@{rng.choice(PROVIDERS)}"


def _empty_parts(rng: random.Random) -> str:
    return rng.choice(["", "@", "@example.com", "jane@", " @ ", "jane@.", "jane@..com", ".@x.de"])


def _quotes(rng: random.Random) -> str:
    return rng.choice(
        ['"jane doe"@example.com', '"a@b"@gmail.com', "'x'@y.z", '"@example.com', 'ja"ne@x.de']
    ) + rng.choice(["", '"', "\\"])


IDN_DOMAINS = ["bücher.de", "例え.jp", "ÖBB.at", "straße.de", "xn--zz.de", "xn--.com", "ﬀ.de"]


def _idn(rng: random.Random) -> str:
    return f"{_local(rng)}@{rng.choice(IDN_DOMAINS)}"


def _mixed_scripts(rng: random.Random) -> str:
    domain = "".join(rng.choice(CONFUSABLES) if rng.random() < 0.3 else c for c in _domain(rng))
    return f"{_local(rng)}@{domain}"


def _bidi(rng: random.Random) -> str:
    return _insert(rng, _plain(rng), rng.choice(BIDI))


def _control(rng: random.Random) -> str:
    return _insert(rng, _plain(rng), rng.choice(CONTROLS))


def _surrogates(rng: random.Random) -> str:
    return _insert(rng, _plain(rng), rng.choice(SURROGATE_BYTES))


def _long_labels(rng: random.Random) -> str:
    label = "a" * rng.choice([63, 64, 200, 253, 254, 1000, 5000])
    if rng.random() < 0.5:
        return f"{_local(rng)}@{label}.com"
    return f"{'b' * rng.choice([64, 65, 300, 4100])}@{_domain(rng)}"


def _multiple_at(rng: random.Random) -> str:
    return "@".join([_local(rng)] * rng.randint(2, 5)) + "@" + _domain(rng)


def _ip_literal(rng: random.Random) -> str:
    return f"{_local(rng)}@" + rng.choice(
        [
            "[127.0.0.1]",
            "[IPv6:::1]",
            "127.0.0.1",
            "[10.0.0.1",
            "[::ffff:10.0.0.1]",
            "[300.1.1.1]",
            "[]",
        ]
    )


def _trailing_dots(rng: random.Random) -> str:
    return _plain(rng) + "." * rng.randint(1, 3) if rng.random() < 0.7 else "jane.@" + _domain(rng)


def _whitespace(rng: random.Random) -> str:
    text = _plain(rng)
    space = rng.choice(SPACES)
    return rng.choice([space + text, text + space, _insert(rng, text, space)])


def _nul(rng: random.Random) -> str:
    return _insert(rng, _plain(rng), "\x00")


CATEGORIES: dict[str, Callable[[random.Random], str]] = {
    "plain": _plain,
    "empty-parts": _empty_parts,
    "quotes": _quotes,
    "idn": _idn,
    "mixed-scripts": _mixed_scripts,
    "bidi": _bidi,
    "control": _control,
    "surrogates": _surrogates,
    "long-labels": _long_labels,
    "multiple-at": _multiple_at,
    "ip-literal": _ip_literal,
    "trailing-dots": _trailing_dots,
    "whitespace": _whitespace,
    "nul": _nul,
}


def generate(count: int, seed: int) -> list[Odd]:
    """`count` odd addresses, the categories in turn; a pure function of (count, seed)."""
    rng = random.Random(seed)
    names = list(CATEGORIES)
    return [
        Odd(names[i % len(names)], CATEGORIES[names[i % len(names)]](rng)) for i in range(count)
    ]


def as_bytes(text: str) -> bytes:
    """The bytes a terminal would pass: lone surrogates as the bytes they escape."""
    try:
        return text.encode("utf-8", "surrogateescape")
    except UnicodeEncodeError:
        return text.encode("utf-8", "surrogatepass")  # a surrogate that escapes no byte


@dataclasses.dataclass
class Tally:
    """Outcome counts of one surface, and what failed."""

    surface: str
    counts: collections.Counter[str] = dataclasses.field(default_factory=collections.Counter)
    failures: list[str] = dataclasses.field(default_factory=list)
    seconds: float = 0.0
    outcomes: dict[str, str] = dataclasses.field(default_factory=dict)  # address -> outcome

    def record(self, address: str, outcome: str) -> None:
        self.counts[outcome] += 1
        self.outcomes[address] = outcome

    def fail(self, address: str, why: str) -> None:
        self.record(address, "failure")
        self.failures.append(f"{self.surface}: {address!r:.120}: {why[:300]}")


def disagreements(one: Tally, other: Tally) -> list[str]:
    """Addresses that both surfaces answered without failing, but differently."""
    return [
        f"{address!r:.80}: {one.surface} {outcome}, {other.surface} {other.outcomes[address]}"
        for address, outcome in one.outcomes.items()
        if address in other.outcomes
        and "failure" not in (outcome, other.outcomes[address])
        and outcome != other.outcomes[address]
    ]


async def _api(addresses: Sequence[Odd]) -> Tally:
    tally = Tally("api")
    options = Options(offline=True)
    started = time.perf_counter()
    for odd in addresses:
        try:
            result = await discover(odd.text, options=options)
        except InvalidAddress:
            tally.record(odd.text, "invalid")
        except Exception as exc:  # the failures this script exists to find
            tally.fail(odd.text, f"{type(exc).__name__}: {exc}")
        else:
            tally.record(odd.text, "found" if result.found else "not found")
    tally.seconds = time.perf_counter() - started
    return tally


def run_api(addresses: Sequence[Odd]) -> Tally:
    """Every address through `autoconf.discover` with offline=True."""
    return asyncio.run(_api(addresses))


def _cli_env() -> dict[str, str]:
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT), env.get("PYTHONPATH")]))
    env.pop("NO_COLOR", None)
    return env


def _cli_one(tally: Tally, odd: Odd, env: dict[str, str]) -> None:
    argv = [os.fsencode(sys.executable), b"-m", b"autoconf", b"--offline", b"--json", b"--"]
    done = subprocess.run(
        [*argv, as_bytes(odd.text)], capture_output=True, env=env, timeout=60, check=False
    )
    stderr = done.stderr.decode(errors="replace")
    if "Traceback" in stderr:
        tally.fail(odd.text, f"traceback: {stderr.strip().splitlines()[-1]}")
    elif done.returncode == 2:
        tally.record(odd.text, "invalid")
    elif done.returncode in (0, 1):
        try:
            document = json.loads(done.stdout)
        except ValueError:
            tally.fail(odd.text, f"exit {done.returncode} without JSON; stderr: {stderr.strip()}")
            return
        if not isinstance(document, dict):
            tally.fail(odd.text, f"exit {done.returncode} with JSON that is not an object")
            return
        tally.record(odd.text, "found" if done.returncode == 0 else "not found")
    else:
        tally.fail(odd.text, f"exit {done.returncode}; stderr: {stderr.strip()}")


def run_cli(addresses: Sequence[Odd]) -> Tally:
    """Each address through `python -m autoconf --offline --json` (NULs cannot be argv)."""
    tally = Tally("cli")
    env = _cli_env()
    started = time.perf_counter()
    for odd in addresses:
        if "\x00" in odd.text:
            tally.counts["skipped (NUL)"] += 1
            continue
        _cli_one(tally, odd, env)
    tally.seconds = time.perf_counter() - started
    return tally


def batch_lines(addresses: Sequence[Odd]) -> list[bytes]:
    """One line per address, as written to the batch file (a line break becomes a space)."""
    return [as_bytes(odd.text.replace("\n", " ")) for odd in addresses]


def _expected(line: bytes, first: bool) -> bool:
    """Whether --batch answers this line (it skips blank and # lines by design)."""
    text = line.decode("utf-8", errors="replace")
    if first:
        text = text.lstrip("\ufeff")
    text = text.strip()
    return bool(text) and not text.startswith("#")


def run_batch(addresses: Sequence[Odd], concurrency: int = 16) -> Tally:
    """All addresses in one `--batch` file; one JSON line must come back per answered line."""
    tally = Tally("batch")
    lines = batch_lines(addresses)
    answered = [
        odd
        for i, (odd, line) in enumerate(zip(addresses, lines, strict=True))
        if _expected(line, i == 0)
    ]
    tally.counts["skipped (blank or #)"] = len(addresses) - len(answered)
    with tempfile.NamedTemporaryFile("wb", suffix=".txt", delete=False) as f:
        f.write(b"".join(line + b"\n" for line in lines))
    started = time.perf_counter()
    try:
        argv = [sys.executable, "-m", "autoconf", "--offline", "--batch", f.name]
        argv += ["--concurrency", str(concurrency), "--quiet"]
        done = subprocess.run(argv, capture_output=True, env=_cli_env(), timeout=600, check=False)
    finally:
        os.unlink(f.name)
    tally.seconds = time.perf_counter() - started
    if done.returncode not in (0, 1):
        tally.fail(
            "(the whole batch)",
            f"exit {done.returncode}: {done.stderr.decode(errors='replace')[-300:]}",
        )
    # Lines end at "\n" only: U+0085 and U+2028 are legal inside a JSON string.
    out = done.stdout.decode("utf-8", errors="replace").split("\n")
    if out and out[-1] == "":
        out.pop()
    if len(out) != len(answered):
        tally.fail("(the whole batch)", f"{len(out)} JSON lines for {len(answered)} address lines")
    for odd, text in zip(answered, out, strict=False):
        _batch_line(tally, odd, text)
    return tally


def _batch_line(tally: Tally, odd: Odd, text: str) -> None:
    try:
        document = json.loads(text)
    except ValueError:
        tally.fail(odd.text, f"not a JSON line: {text[:200]}")
        return
    if not isinstance(document, dict):
        tally.fail(odd.text, "a JSON line that is not an object")
    elif "error" in document:
        if document["error"] == "invalid-address":
            tally.record(odd.text, "invalid")
        else:
            tally.fail(odd.text, f"error {document['error']}: {document.get('message')}")
    else:
        found = bool(document.get("incoming")) and bool(document.get("outgoing"))
        tally.record(odd.text, "found" if found else "not found")


def sample(addresses: Sequence[Odd], size: int) -> list[Odd]:
    """The first `size` addresses: the categories come in turn, so all are represented."""
    return list(addresses[: max(0, size)])


def _print(tally: Tally, total: int) -> None:
    counts = ", ".join(f"{n} {k}" for k, n in sorted(tally.counts.items()))
    print(f"{tally.surface:6} {total:5} addresses in {tally.seconds:6.1f} s: {counts}")


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=2000, help="addresses to generate")
    parser.add_argument("--seed", type=int, default=1, help="which addresses")
    parser.add_argument("--cli-sample", type=int, default=200, help="addresses run as a CLI each")
    args = parser.parse_args(argv)
    addresses = generate(args.count, args.seed)
    cli = sample(addresses, args.cli_sample)
    tallies = [(run_api(addresses), len(addresses)), (run_cli(cli), len(cli))]
    tallies.append((run_batch(addresses), len(addresses)))
    print(f"{len(addresses)} odd addresses (seed {args.seed}), {len(CATEGORIES)} categories")
    for tally, total in tallies:
        _print(tally, total)
    api = tallies[0][0]
    for other, _ in tallies[1:]:
        differ = disagreements(api, other)
        print(
            f"api and {other.surface} disagree on {len(differ)} addresses (not counted as failures)"
        )
        for line in differ[:5]:
            print(f"  {line}")
        failed = [a for a, o in api.outcomes.items() if o == "failure" and a in other.outcomes]
        if failed:
            there = collections.Counter(other.outcomes[a] for a in failed)
            said = ", ".join(f"{n} {o}" for o, n in sorted(there.items()))
            print(f"  of the addresses the api failed on, {other.surface} answered: {said}")
    failures = [f for tally, _ in tallies for f in tally.failures]
    for failure in failures:
        print("FAILURE", failure)
    print(f"failures: {len(failures)}")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
