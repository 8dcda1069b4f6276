"""MTA-STS (RFC 8461): the ``_mta-sts`` TXT record, the policy file, and MX matching. PURE.

- :func:`sts_record`: the one ``v=STSv1`` record among a name's TXT records (§3.1);
- :func:`parse_policy`: the policy at ``https://mta-sts.DOMAIN/.well-known/mta-sts.txt``
  (§3.2): ``key: value`` lines ended by CRLF or LF, ``version: STSv1``, a ``mode``, a
  ``max_age`` and the ``mx`` patterns; unknown keys are ignored, as the RFC says;
- :func:`mx_matches`: whether an MX host name matches a policy's pattern (§4.1).

Hand-written because no maintained Python library parses the policy format; it is a small
line format with an ABNF (RFC 8461 §3.2), read here strictly.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from enum import StrEnum

from ..errors import ParseError

__all__ = [
    "MAX_AGE_LIMIT",
    "MAX_POLICY_BYTES",
    "StsMode",
    "StsPolicy",
    "StsRecord",
    "mx_matches",
    "parse_policy",
    "parse_sts_record",
    "sts_record",
    "tag_fields",
]

# RFC 8461 §3.2: max_age is at most 31557600 seconds (about a year).
MAX_AGE_LIMIT = 31_557_600
# RFC 8461 §3.3: senders may refuse a policy larger than 64 KiB.
MAX_POLICY_BYTES = 64 * 1024

_ID = re.compile(r"[A-Za-z0-9]{1,32}")
_KEY = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]{0,31}")
_LABEL = r"[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?"
_PATTERN = re.compile(rf"(?:\*\.)?(?:{_LABEL}\.)+{_LABEL}\.?")
_DIGITS = re.compile(r"[0-9]{1,10}")


class StsMode(StrEnum):
    """A policy's mode (RFC 8461 §5)."""

    ENFORCE = "enforce"  # deliver only over TLS to a matching MX with a valid certificate
    TESTING = "testing"  # report failures (TLS-RPT), deliver anyway
    NONE = "none"  # no policy: the way to retire one


_MODES = frozenset(m.value for m in StsMode)


@dataclass(frozen=True, slots=True)
class StsRecord:
    """The ``_mta-sts.DOMAIN`` TXT record: its policy ``id`` (RFC 8461 §3.1)."""

    id: str
    text: str


@dataclass(frozen=True, slots=True)
class StsPolicy:
    """A parsed policy file (RFC 8461 §3.2)."""

    mode: StsMode
    max_age: int  # seconds
    mx: tuple[str, ...]  # patterns as published, lower case, without a trailing dot


def tag_fields(text: str, first: str, where: str) -> dict[str, str]:
    """``key=value`` fields separated by ``;`` (RFC 8461 §3.1, RFC 8460 §3), the first being
    ``first``; the first occurrence of a key counts."""
    parts = [p.strip(" \t") for p in text.split(";")]
    if parts and not parts[-1]:
        parts.pop()
    fields: dict[str, str] = {}
    for index, part in enumerate(parts):
        key, sep, value = part.partition("=")
        if not sep or not key or (index == 0 and part != first):
            raise ParseError(f"not a {first} record field: {part!r}", where=where)
        fields.setdefault(key, value)
    return fields


def parse_sts_record(text: str) -> StsRecord:
    """One TXT record's text as an MTA-STS record; raises :class:`ParseError`."""
    fields = tag_fields(text, "v=STSv1", "_mta-sts TXT")
    ident = fields.get("id")
    if ident is None or not _ID.fullmatch(ident):
        raise ParseError("the id field must be 1 to 32 letters and digits", where="_mta-sts TXT")
    return StsRecord(id=ident, text=text)


def sts_record(records: Iterable[Sequence[bytes]]) -> StsRecord | None:
    """The MTA-STS record among a name's TXT records: None when none starts ``v=STSv1``;
    raises :class:`ParseError` for two or more (senders then see no policy, §3.1) or a bad one."""
    texts = [b"".join(strings).decode("utf-8", "replace") for strings in records]
    ours = [t for t in texts if t.startswith("v=STSv1")]
    if not ours:
        return None
    if len(ours) > 1:
        raise ParseError(f"{len(ours)} records start with v=STSv1; senders ignore them all")
    return parse_sts_record(ours[0])


def parse_policy(body: bytes) -> StsPolicy:
    """The policy file ``body``; raises :class:`ParseError` naming the first fault."""
    if len(body) > MAX_POLICY_BYTES:
        raise ParseError(f"the policy is larger than {MAX_POLICY_BYTES} bytes")
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise ParseError("the policy is not UTF-8 text") from exc
    fields: dict[str, str] = {}
    mx: list[str] = []
    for number, line in enumerate(_lines(text), start=1):
        key, value = _policy_line(line, number)
        if key == "mx":
            if not _PATTERN.fullmatch(value):
                raise ParseError(f"not an MX pattern: {value!r}", where=f"line {number}")
            mx.append(value.lower().rstrip("."))
        else:
            fields.setdefault(key, value)
    return _policy(fields, tuple(mx))


def _lines(text: str) -> list[str]:
    """The lines, each ended by LF or CRLF (the last may lack it); a bare CR is refused."""
    lines = text.split("\n")
    if lines[-1] == "":
        lines.pop()
    out = [line.removesuffix("\r") for line in lines]
    for number, line in enumerate(out, start=1):
        if "\r" in line:
            raise ParseError("a bare CR inside a line", where=f"line {number}")
    return out


def _policy_line(line: str, number: int) -> tuple[str, str]:
    key, sep, value = line.partition(":")
    if not sep or not _KEY.fullmatch(key):
        raise ParseError(f"not a 'key: value' line: {line[:80]!r}", where=f"line {number}")
    value = value.lstrip(" \t").rstrip(" \t")
    if not value or not value.isprintable():
        raise ParseError(f"no printable value for {key}", where=f"line {number}")
    return key.lower(), value


def _policy(fields: dict[str, str], mx: tuple[str, ...]) -> StsPolicy:
    if fields.get("version") != "STSv1":
        raise ParseError("the first field must be version: STSv1", where="version")
    mode_text = fields.get("mode", "").lower()
    if mode_text not in _MODES:
        raise ParseError("mode must be enforce, testing or none", where="mode")
    mode = StsMode(mode_text)
    age = fields.get("max_age", "")
    if not _DIGITS.fullmatch(age) or int(age) > MAX_AGE_LIMIT:
        raise ParseError(f"max_age must be 0 to {MAX_AGE_LIMIT} seconds", where="max_age")
    if not mx and mode is not StsMode.NONE:
        raise ParseError("no mx pattern: the policy matches no MX host", where="mx")
    return StsPolicy(mode=mode, max_age=int(age), mx=mx)


def mx_matches(pattern: str, host: str) -> bool:
    """``host`` (an MX host name) matches ``pattern`` (RFC 8461 §4.1): equal, or for
    ``*.rest`` one label more than ``rest``, the wildcard standing for the leftmost only."""
    pattern = pattern.lower().rstrip(".")
    host = host.lower().rstrip(".")
    if not pattern.startswith("*."):
        return host == pattern
    first, dot, rest = host.partition(".")
    return bool(first) and bool(dot) and rest == pattern[2:]
