"""Safe XML loading shared by the clientConfig and Autodiscover parsers."""

from __future__ import annotations

import re
from xml.etree.ElementTree import Element
from xml.etree.ElementTree import ParseError as _ExpatError
from xml.parsers.expat import ErrorString

import defusedxml
from defusedxml.ElementTree import fromstring

from ..errors import ParseError

__all__ = [
    "MAX_DOCUMENT_BYTES",
    "child",
    "children",
    "load",
    "load_root",
    "local_name",
    "text_of",
]

MAX_DOCUMENT_BYTES = 1024 * 1024
# Expat prefixes every element name with its namespace URI, so one long default namespace costs
# its length again for each element below it: a 600 KB URI over 10,000 nested elements took
# 28 s of CPU. Real namespace URIs are under 100 characters.
MAX_NAMESPACE_BYTES = 512
_NAMESPACE_DECLARATION = re.compile(rb"xmlns(?::[^\s=>]{1,64})?\s*=\s*([\"'])")
_HTML_HINTS = (b"<!doctype html", b"<html", b"<head", b"<body")


def load(data: bytes, *, source: str | None = None, limit: int = MAX_DOCUMENT_BYTES) -> Element:
    """Parse ``data`` with defusedxml (no DTD, no entities) and return the root element."""
    data = _screened(data, source, limit)
    root = _parse(data, source)
    if not isinstance(root, Element):
        raise ParseError("no root element", source=source)
    return root


def _screened(data: bytes, source: str | None, limit: int) -> bytes:
    """``data`` as bytes, refused before parsing when too large, empty, HTML or hostile."""
    if not isinstance(data, bytes | bytearray | memoryview):
        raise ParseError("expected bytes", source=source)
    data = bytes(data)
    if len(data) > limit:
        raise ParseError(
            f"document is {len(data)} bytes, more than the {limit}-byte limit", source=source
        )
    if not data.strip():
        raise ParseError("document is empty", source=source)
    head = data[:512].lstrip(b"\xef\xbb\xbf \t\r\n").lower()
    if head.startswith(_HTML_HINTS):
        raise ParseError("got an HTML page, not an XML document", source=source)
    if _longest_namespace(data) > MAX_NAMESPACE_BYTES:
        raise ParseError(
            f"a namespace URI is longer than {MAX_NAMESPACE_BYTES} bytes", source=source
        )
    return data


def _parse(data: bytes, source: str | None) -> object:
    """defusedxml's root for ``data``; every refusal or parse failure a :class:`ParseError`."""
    try:
        root = fromstring(data, forbid_dtd=True, forbid_entities=True, forbid_external=True)
    except defusedxml.DTDForbidden as exc:
        raise ParseError("document declares a DTD, which is refused", source=source) from exc
    except defusedxml.EntitiesForbidden as exc:
        raise ParseError("document declares entities, which are refused", source=source) from exc
    except defusedxml.DefusedXmlException as exc:
        raise ParseError(f"document refused: {exc}", source=source) from exc
    except _ExpatError as exc:
        line, column = getattr(exc, "position", (None, None))
        where = f"line {line}, column {column}" if line is not None else None
        raise ParseError(
            f"malformed XML: {_expat_reason(exc)}", where=where, source=source
        ) from exc
    except (ValueError, LookupError, RecursionError, MemoryError) as exc:
        # Unknown or broken declared encodings surface as LookupError/ValueError.
        raise ParseError(f"unreadable XML: {type(exc).__name__}: {exc}", source=source) from exc
    return root


def load_root(
    data: bytes,
    name: str,
    *,
    kind: str,
    source: str | None = None,
    limit: int = MAX_DOCUMENT_BYTES,
) -> Element:
    """:func:`load`, then insist that the root element is ``name`` (``kind`` names it)."""
    root = load(data, source=source, limit=limit)
    if local_name(root) != name:
        raise ParseError(f"not {kind} (the root element is <{local_name(root)}>)", source=source)
    return root


def _longest_namespace(data: bytes) -> int:
    """Bytes of the longest ``xmlns[:prefix]="..."`` value: a linear scan before expat runs.

    Reads the ASCII-compatible bytes of the document; a UTF-16 one is twice as large and cut
    by the byte cap instead.
    """
    longest = 0
    match = _NAMESPACE_DECLARATION.search(data)
    while match is not None:
        end = data.find(match.group(1), match.end())
        if end < 0:
            return len(data) - match.end()  # unterminated: as long as what is left
        longest = max(longest, end - match.end())
        match = _NAMESPACE_DECLARATION.search(data, end + 1)
    return longest


def _expat_reason(exc: _ExpatError) -> str:
    """The reason from the expat error code (the position goes into ``where`` separately)."""
    code = getattr(exc, "code", None)
    return ErrorString(code) if isinstance(code, int) else type(exc).__name__


def local_name(element: Element) -> str:
    """The tag without any ``{namespace}`` prefix."""
    tag = element.tag
    if not isinstance(tag, str):
        return ""
    # Slice, never split: a hostile document's namespace URI may be most of a megabyte, and a
    # split would copy it for every element looked at.
    return tag[tag.rfind("}") + 1 :]


def children(element: Element, name: str) -> list[Element]:
    """Direct children named ``name``, whatever their namespace, case-insensitively."""
    wanted = name.lower()
    return [c for c in element if local_name(c).lower() == wanted]


def child(element: Element, name: str) -> Element | None:
    found = children(element, name)
    return found[0] if found else None


def text_of(element: Element | None, name: str | None = None) -> str | None:
    """Stripped text of ``element`` (or of its first child ``name``); None when empty."""
    if element is not None and name is not None:
        element = child(element, name)
    if element is None or element.text is None:
        return None
    text = element.text.strip()
    return text or None
