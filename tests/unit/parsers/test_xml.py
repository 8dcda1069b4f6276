"""The shared XML loader: what it refuses before expat spends time on it."""

from __future__ import annotations

import pytest

from autoconf.errors import ParseError
from autoconf.parsers._xml import MAX_NAMESPACE_BYTES, load, local_name


def _nested(namespace: str, depth: int) -> bytes:
    return (
        f'<clientConfig xmlns="{namespace}">'.encode()
        + b"<a>" * depth
        + b"</a>" * depth
        + b"</clientConfig>"
    )


def test_a_huge_namespace_over_many_elements_is_refused_before_parsing():
    """A 600 KB default namespace over 10,000 elements (28 s of expat CPU) is a ParseError."""
    with pytest.raises(ParseError, match="namespace URI"):
        load(_nested("x" * 600_000, 10_000))


@pytest.mark.parametrize(
    "declaration",
    [
        f'xmlns="{"u" * (MAX_NAMESPACE_BYTES + 1)}"',
        f"xmlns:p = '{'u' * (MAX_NAMESPACE_BYTES + 1)}'",
        f'xmlns="{"u" * 10_000}',  # unterminated
    ],
)
def test_every_form_of_long_declaration_is_caught(declaration: str):
    """Prefixed, single-quoted, spaced and unterminated declarations count alike."""
    with pytest.raises(ParseError):
        load(f"<root {declaration}><a/></root>".encode())


def test_ordinary_namespaces_and_text_mentioning_xmlns_are_fine():
    """Real namespace URIs parse, and the word xmlns in text is not a declaration."""
    long_text = "xmlns " + "q" * 5000
    root = load(
        _nested(
            "http://schemas.microsoft.com/exchange/autodiscover/responseschema/2006", 50
        ).replace(b"<a></a>", f"<a>{long_text}</a>".encode())
    )
    assert local_name(root) == "clientConfig"
