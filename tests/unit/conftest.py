from __future__ import annotations

from pathlib import Path

import pytest

DOCUMENTS = Path(__file__).parent / "documents"


@pytest.fixture
def document():
    """Read a recorded document from tests/unit/documents."""

    def read(name: str) -> bytes:
        return (DOCUMENTS / name).read_bytes()

    return read
