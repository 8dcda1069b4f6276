#!/usr/bin/env python3
"""Mutation fuzzing of every parser: clientConfig, Autodiscover POX, SRV, and addresses.

    python benchmarks/fuzz_parsers.py [--count 100000] [--seed 1] [--max-seconds 1.0]
    python benchmarks/fuzz_parsers.py --seed 1 --replay 4711     # one case, with a traceback

Inputs are mutated from the recorded documents (tests/unit/documents) and the bundled ISPDB
(data/ispdb): byte flips, truncation, splicing of two documents, deep nesting, huge attributes,
DTD and entity tricks, invalid UTF-8, foreign encodings, numbers out of range, and XML tokens
dropped in at random. SRV answers get odd targets, ports, priorities and weights; addresses get
odd characters, bytes and shapes. (SRV fields stay within their 16-bit wire ranges: dnspython
delivers nothing else.) Case N of seed S is always the same input, so every failure
is printed with the command that replays it.

Allowed outcomes: a result, or `ParseError` (`InvalidAddress` for addresses). Any other
exception is a failure, and so is a case that takes longer than --max-seconds. Prints the
outcome counts per parser, the failures, and documents per second; exits 1 on any failure.
"""

from __future__ import annotations

import argparse
import collections
import contextlib
import dataclasses
import random
import sys
import time
import traceback
from collections.abc import Callable, Sequence
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from autoconf.address import parse_address  # noqa: E402
from autoconf.errors import InvalidAddress, ParseError  # noqa: E402
from autoconf.parsers.autodiscover import parse_autodiscover  # noqa: E402
from autoconf.parsers.clientconfig import parse_clientconfig, parse_template  # noqa: E402
from autoconf.parsers.srv import SERVICES, SrvRecord, settings_from_srv  # noqa: E402

TARGETS = ("clientconfig", "autodiscover", "srv", "address")
WEIGHTS = (40, 30, 15, 15)
ADDRESS = parse_address("jane.doe@example.com")
TOKENS = [
    b"<clientConfig>",
    b"</clientConfig>",
    b'<emailProvider id="x">',
    b"</emailProvider>",
    b'<incomingServer type="imap">',
    b'<incomingServer type="pop3">',
    b"</incomingServer>",
    b'<outgoingServer type="smtp">',
    b"</outgoingServer>",
    b"<hostname>%EMAILDOMAIN%</hostname>",
    b"<port>993</port>",
    b"<port>99999999999999999999999</port>",
    b"<port>-1</port>",
    b"<socketType>SSL</socketType>",
    b"<socketType>STARTTLS</socketType>",
    b"<username>%EMAILADDRESS%</username>",
    b"<username>%EMAILLOCALPART%%REALNAME%</username>",
    b"<authentication>password-cleartext</authentication>",
    b"<Autodiscover>",
    b"<Response>",
    b"<Account>",
    b"<Action>redirectUrl</Action>",
    b"<Action>redirectAddr</Action>",
    b"<Action>settings</Action>",
    b"<RedirectUrl>https://autodiscover.example.com/</RedirectUrl>",
    b"<RedirectAddr>a@b@c</RedirectAddr>",
    b"<Protocol><Type>IMAP</Type><Server>x</Server><Port>0</Port></Protocol>",
    b"<Type>SMTP</Type>",
    b"<SSL>on</SSL>",
    b"<Encryption>TLS</Encryption>",
    b"<Error><ErrorCode>600</ErrorCode></Error>",
    b"<![CDATA[]]>",
    b"<!-- -->",
    b"<?pi x?>",
    b"&amp;",
    b"&#0;",
    b"&#x10FFFF;",
    b"&#xD800;",
    b"&undefined;",
    b'xmlns="http://example.com/ns"',
    b'xmlns:a="urn:x"',
    b"\x00",
    b"\xef\xbb\xbf",
    b"\xff\xfe",
]
DTDS = [
    b'<!DOCTYPE x [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;">]>',
    b'<!DOCTYPE x SYSTEM "file:///etc/passwd">',
    b'<!DOCTYPE x [<!ENTITY e SYSTEM "http://127.0.0.1/">]>',
    b"<!DOCTYPE x [<!ENTITY % p \"<!ENTITY q 'z'>\"> %p;]>",
    b"<!DOCTYPE clientConfig>",
    b'<!DOCTYPE x PUBLIC "-//W3C//DTD XHTML 1.0//EN" "http://www.w3.org/x.dtd">',
]
ENCODINGS = [b"utf-8", b"UTF-16", b"utf-32", b"latin-1", b"cp1252", b"ebcdic", b"x-nonsense", b""]
INVALID_UTF8 = [b"\xff", b"\xc0\x80", b"\xed\xa0\x80", b"\xf4\x90\x80\x80", b"\xe2\x82", b"\x80"]


@dataclasses.dataclass(frozen=True)
class Case:
    """One generated input for one parser, and the mutations that made it."""

    index: int
    target: str
    data: object
    mutations: tuple[str, ...]


@dataclasses.dataclass
class Failure:
    """A case that raised what it must not, or took too long."""

    case: Case
    error: str
    seconds: float


@dataclasses.dataclass
class Report:
    """Outcome counts per (parser, outcome), failures, and the time the cases took."""

    counts: collections.Counter[tuple[str, str]]
    failures: list[Failure]
    seconds: float
    slowest: float

    @property
    def total(self) -> int:
        return sum(self.counts.values())


def corpus() -> dict[str, list[bytes]]:
    """The seed documents: the recorded test documents and the bundled ISPDB files."""
    documents = ROOT / "tests" / "unit" / "documents"
    recorded = sorted(p for p in documents.iterdir() if p.is_file())
    recorded += sorted(documents.glob("*/*.xml"))  # recorded from real servers (automua, ...)
    bundled = sorted((ROOT / "data" / "ispdb").glob("*.xml"))
    autodiscover = [p.read_bytes() for p in recorded if p.name.startswith("autodiscover")]
    others = [p.read_bytes() for p in recorded if not p.name.startswith("autodiscover")]
    return {
        "autodiscover": autodiscover,
        "clientconfig": others + [p.read_bytes() for p in bundled],
    }


# --- document mutations: each takes (rng, data, other document) and returns new bytes -------


def _flip(rng: random.Random, data: bytes, _other: bytes) -> bytes:
    out = bytearray(data)
    for _ in range(rng.randint(1, 8)):
        if out:
            out[rng.randrange(len(out))] ^= 1 << rng.randrange(8)
    return bytes(out)


def _truncate(rng: random.Random, data: bytes, _other: bytes) -> bytes:
    return data[: rng.randint(0, len(data))]


def _splice(rng: random.Random, data: bytes, other: bytes) -> bytes:
    return data[: rng.randint(0, len(data))] + other[rng.randint(0, len(other)) :]


def _nest(rng: random.Random, data: bytes, _other: bytes) -> bytes:
    depth = rng.choice([100, 1000, 5000, 20000])
    tag = rng.choice([b"a", b"emailProvider", b"Response", b"incomingServer"])
    cut = data.find(b">", data.find(b"<emailProvider") if b"<emailProvider" in data else 0) + 1
    return data[:cut] + b"<%s>" % tag * depth + b"</%s>" % tag * depth + data[cut:]


def _huge_attribute(rng: random.Random, data: bytes, _other: bytes) -> bytes:
    size = rng.choice([1000, 65536, 300_000, 1024 * 1024 + 1])
    name = rng.choice([b"id", b"type", b"x", b"xmlns"])
    value = rng.choice([b"a", b"%EMAILADDRESS%", b"\xc3\xa9", b"&amp;"]) * (size // 4 + 1)
    at = data.find(b">", data.find(b"<", 40 if len(data) > 40 else 0))
    if at < 0:
        return data + b" " + name + b'="' + value + b'"'
    return data[:at] + b" " + name + b'="' + value[:size] + b'"' + data[at:]


def _many_attributes(rng: random.Random, data: bytes, _other: bytes) -> bytes:
    count = rng.choice([100, 5000, 30000])
    attrs = b"".join(b' a%d="%d"' % (i, i) for i in range(count))
    at = data.find(b">", data.find(b"<clientConfig") if b"<clientConfig" in data else 0)
    return data[:at] + attrs + data[at:] if at >= 0 else data + attrs


def _dtd(rng: random.Random, data: bytes, _other: bytes) -> bytes:
    dtd = rng.choice(DTDS)
    at = data.find(b"?>") + 2 if data.startswith(b"<?xml") else 0
    body = data[:at] + dtd + data[at:]
    if rng.random() < 0.5:
        body = body.replace(b"%EMAILDOMAIN%", rng.choice([b"&b;", b"&e;", b"&q;", b"&a;"]), 1)
    return body


def _invalid_utf8(rng: random.Random, data: bytes, _other: bytes) -> bytes:
    out = bytearray(data)
    for _ in range(rng.randint(1, 4)):
        at = rng.randint(0, len(out))
        out[at:at] = rng.choice(INVALID_UTF8)
    return bytes(out)


def _encoding(rng: random.Random, data: bytes, _other: bytes) -> bytes:
    declared = b'<?xml version="1.0" encoding="' + rng.choice(ENCODINGS) + b'"?>'
    body = data.split(b"?>", 1)[-1] if data.startswith(b"<?xml") else data
    if rng.random() < 0.3:
        codec = rng.choice(["utf-16", "utf-32", "latin-1"])
        with contextlib.suppress(UnicodeError, LookupError):
            body = body.decode("utf-8").encode(codec)
    return declared + body


def _token(rng: random.Random, data: bytes, _other: bytes) -> bytes:
    out = data
    for _ in range(rng.randint(1, 6)):
        at = rng.randint(0, len(out))
        out = out[:at] + rng.choice(TOKENS) + out[at:]
    return out


def _drop_or_repeat(rng: random.Random, data: bytes, _other: bytes) -> bytes:
    if not data:
        return data
    start = rng.randrange(len(data))
    end = min(len(data), start + rng.randint(1, 400))
    if rng.random() < 0.5:
        return data[:start] + data[end:]
    return data[:end] + data[start:end] * rng.randint(2, 50) + data[end:]


def _numbers(rng: random.Random, data: bytes, _other: bytes) -> bytes:
    value = rng.choice(
        [b"0", b"-1", b"65536", b"1e9", b"0x3e1", b"9" * 5000, b" 993 ", b"\xd9\xa3"]
    )
    for tag in (b"port", b"Port"):
        start = data.find(b"<%s>" % tag)
        if start >= 0:
            end = data.find(b"</%s>" % tag, start)
            if end > 0:
                return data[: start + len(tag) + 2] + value + data[end:]
    return data


MUTATIONS: dict[str, Callable[[random.Random, bytes, bytes], bytes]] = {
    "flip": _flip,
    "truncate": _truncate,
    "splice": _splice,
    "nest": _nest,
    "huge-attribute": _huge_attribute,
    "many-attributes": _many_attributes,
    "dtd": _dtd,
    "invalid-utf8": _invalid_utf8,
    "encoding": _encoding,
    "token": _token,
    "drop-or-repeat": _drop_or_repeat,
    "numbers": _numbers,
}
# Expensive mutations (huge or deeply nested documents) are drawn less often.
MUTATION_WEIGHTS = {"nest": 2, "huge-attribute": 2, "many-attributes": 1}


def _document(rng: random.Random, seeds: list[bytes], any_seed: list[bytes]) -> Case:
    data = rng.choice(seeds if rng.random() < 0.85 else any_seed)
    names = list(MUTATIONS)
    weights = [MUTATION_WEIGHTS.get(n, 10) for n in names]
    applied = tuple(rng.choices(names, weights, k=rng.choice([1, 1, 2, 3])))
    for name in applied:
        data = MUTATIONS[name](rng, data, rng.choice(any_seed))
    return Case(0, "", data, applied)


# --- SRV answers and addresses --------------------------------------------------------------

ODD_CHARS = [
    "",
    ".",
    "..",
    "-",
    "@",
    "\x00",
    "\x1b",
    "\x7f",
    "\u0085",
    "\u009b",
    "\u200b",
    "\u202e",
    "\u2066",
    "\ufeff",
    "\ud800",
    "\udcff",
    "é",
    "ß",
    "ﬀ",
    "σ",
    "а",
    "א",
    "٣",
    "\u3002",
    "\uff0e",
    "xn--",
    "xn--zz",
    " ",
    "\t",
    "\n",
    "[",
    "]",
    ":",
    '"',
    "\\",
    "%",
    "/",
    "*",
]
HOSTS = ["mail.example.com", "example.com", "imap.example.com.", "127.0.0.1", "[::1]", "x" * 63]


def _odd_text(rng: random.Random, base: str) -> str:
    text = base
    for _ in range(rng.randint(1, 5)):
        choice = rng.random()
        at = rng.randint(0, len(text))
        if choice < 0.6:
            text = text[:at] + rng.choice(ODD_CHARS) + text[at:]
        elif choice < 0.75:
            text = text[:at] + "a" * rng.choice([63, 64, 255, 256, 5000]) + text[at:]
        elif choice < 0.85:
            text = text[:at] + "." * rng.randint(1, 3) + text[at:]
        elif choice < 0.95:
            raw = text.encode("utf-8", "surrogatepass")
            raw = _invalid_utf8(rng, raw, b"")
            text = raw.decode("utf-8", rng.choice(["surrogateescape", "replace", "ignore"]))
        else:
            text = text[:at]
    return text


def _srv(rng: random.Random) -> Case:
    answers: dict[str, list[SrvRecord]] = {}
    for service in rng.sample(list(SERVICES), rng.randint(1, len(SERVICES))):
        records = []
        for _ in range(rng.choice([1, 1, 2, 5, 50])):
            target = rng.choice(HOSTS)
            if rng.random() < 0.7:
                target = _odd_text(rng, target)
            records.append(
                SrvRecord(
                    # 16-bit unsigned on the wire: dnspython delivers nothing else.
                    priority=rng.choice([0, 1, 10, 65535]),
                    weight=rng.choice([0, 0, 1, 5, 65535]),
                    port=rng.choice([0, 25, 465, 587, 993, 65535]),
                    target=target,
                )
            )
        answers[service] = records
    return Case(0, "srv", answers, ("srv",))


ADDRESSES = ["jane@example.com", "j.doe+tag@mail.example.co.uk", "ü@bücher.de", "a@[127.0.0.1]"]


def _address(rng: random.Random) -> Case:
    return Case(0, "address", _odd_text(rng, rng.choice(ADDRESSES)), ("address",))


class Fuzzer:
    """Case `index` of `seed` is a pure function of both; `run` checks the outcome."""

    def __init__(self, seed: int) -> None:
        self.seed = seed
        self.seeds = corpus()
        self.any_seed = self.seeds["clientconfig"] + self.seeds["autodiscover"]

    def case(self, index: int) -> Case:
        rng = random.Random(f"{self.seed}:{index}")
        target = rng.choices(TARGETS, WEIGHTS)[0]
        if target == "srv":
            made = _srv(rng)
        elif target == "address":
            made = _address(rng)
        else:
            made = _document(rng, self.seeds[target], self.any_seed)
        return dataclasses.replace(made, index=index, target=target)

    @staticmethod
    def outcome(case: Case) -> str:
        """What the parser did with `case`: 'ok', 'parse-error' or 'invalid-address'."""
        try:
            if case.target == "clientconfig":
                assert isinstance(case.data, bytes)
                parse_template(case.data)  # the unfilled template ...
                parse_clientconfig(case.data, ADDRESS, real_name="Jane \u202e\x00Doe")  # ... filled
            elif case.target == "autodiscover":
                assert isinstance(case.data, bytes)
                parse_autodiscover(case.data, ADDRESS)
            elif case.target == "srv":
                settings_from_srv(case.data, ADDRESS)  # type: ignore[arg-type]
            else:
                assert isinstance(case.data, str)
                parse_address(case.data)
        except ParseError:
            if case.target == "address":
                raise
            return "parse-error"
        except InvalidAddress:
            if case.target != "address":
                raise
            return "invalid-address"
        return "ok"


def fuzz(
    count: int,
    seed: int,
    max_seconds: float,
    on_failure: Callable[[Failure], None] | None = None,
) -> Report:
    """Run cases 0..count-1 of `seed`; collect outcome counts, failures and timing."""
    fuzzer = Fuzzer(seed)
    counts: collections.Counter[tuple[str, str]] = collections.Counter()
    failures: list[Failure] = []
    slowest = 0.0
    started = time.perf_counter()
    for index in range(count):
        case = fuzzer.case(index)
        begin = time.perf_counter()
        try:
            outcome = fuzzer.outcome(case)
            error = None
        except Exception as exc:  # the failures this script exists to find
            outcome = "FAILURE"
            error = f"{type(exc).__name__}: {exc}"[:300]
        took = time.perf_counter() - begin
        slowest = max(slowest, took)
        if error is None and took > max_seconds:
            outcome, error = "FAILURE", f"took {took:.2f} s (limit {max_seconds} s)"
        counts[(case.target, outcome)] += 1
        if error is not None:
            failure = Failure(case, error, took)
            failures.append(failure)
            if on_failure is not None:
                on_failure(failure)
    return Report(counts, failures, time.perf_counter() - started, slowest)


def describe(failure: Failure, seed: int) -> str:
    """A failure for a person, with the command that replays it."""
    case = failure.case
    shown = repr(case.data)
    if len(shown) > 400:
        shown = shown[:400] + f"... ({len(shown)} chars)"
    return (
        f"FAILURE case {case.index} [{case.target}, {'+'.join(case.mutations)}]: "
        f"{failure.error}\n  input: {shown}\n"
        f"  replay: python benchmarks/fuzz_parsers.py --seed {seed} --replay {case.index}"
    )


def _print_report(report: Report, seed: int) -> None:
    print(f"\n{report.total} documents, seed {seed}, {report.seconds:.1f} s, ", end="")
    print(f"{report.total / report.seconds:.0f} docs/s, slowest {report.slowest * 1000:.0f} ms")
    outcomes = sorted({o for _, o in report.counts})
    print(f"{'parser':14}" + "".join(f"{o:>17}" for o in outcomes))
    for target in TARGETS:
        row = "".join(f"{report.counts[(target, o)]:>17}" for o in outcomes)
        print(f"{target:14}{row}")
    print(f"failures: {len(report.failures)}")
    kinds = collections.Counter(
        (f.case.target, f.error.split(":", 1)[0] if not f.error.startswith("took") else "too slow")
        for f in report.failures
    )
    for (target, kind), n in kinds.most_common():
        print(f"  {n:6} {target}: {kind}")


def _replay(seed: int, index: int) -> int:
    case = Fuzzer(seed).case(index)
    print(f"case {index} [{case.target}, {'+'.join(case.mutations)}]: {case.data!r:.2000}")
    try:
        print("outcome:", Fuzzer.outcome(case))
    except Exception:
        traceback.print_exc()
        return 1
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=100_000, help="cases to run")
    parser.add_argument("--seed", type=int, default=1, help="which sequence of cases")
    parser.add_argument("--max-seconds", type=float, default=1.0, help="time bound per case")
    parser.add_argument("--replay", type=int, metavar="N", help="run case N alone, verbosely")
    args = parser.parse_args(argv)
    if args.replay is not None:
        return _replay(args.seed, args.replay)
    report = fuzz(
        args.count,
        args.seed,
        args.max_seconds,
        on_failure=lambda f: print(describe(f, args.seed), flush=True),
    )
    _print_report(report, args.seed)
    return 1 if report.failures else 0


if __name__ == "__main__":
    sys.exit(main())
