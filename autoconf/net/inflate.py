"""Bounded inflation of an HTTP body: the byte cap counts decompressed bytes.

One content coding at most (``gzip`` or ``deflate``); a stacked or unknown coding is refused.
Each ``zlib`` call is bounded by ``max_length``, so a compression bomb costs at most the cap in
memory and never a long stall of the event loop. httpx's own decoders are not used: they
inflate a chunk in one call, whatever it grows to.
"""

from __future__ import annotations

import zlib

import httpx

from ..errors import FetchError, FetchFailure

__all__ = ["ACCEPT_ENCODING", "Inflater", "inflater_for"]

# Only the codings Inflater decodes in bounded steps (no br/zstd: we cannot bound them here).
ACCEPT_ENCODING = "gzip, deflate"

# The content codings we decode, with the zlib window bits for each.
_WBITS = {"gzip": 16 + zlib.MAX_WBITS, "x-gzip": 16 + zlib.MAX_WBITS, "deflate": zlib.MAX_WBITS}


class Inflater:
    """Decodes one content coding in steps that never produce more than the byte cap.

    ``zlib``'s ``max_length`` bounds each call, so a bomb is refused after at most
    ``max_bytes`` + 1 bytes of output, however small its compressed form.
    """

    def __init__(self, coding: str, url: str, max_bytes: int) -> None:
        self._url = url
        self._max = max_bytes
        if coding and coding not in _WBITS:
            raise FetchError(
                f"{url} uses the content coding {coding!r}, which is not accepted",
                kind=FetchFailure.DECODING,
                url=url,
            )
        self._wbits = _WBITS.get(coding, 0)
        self._zlib = zlib.decompressobj(self._wbits) if coding else None
        self._first = True
        self._raw = 0
        self.size = 0

    def feed(self, raw: bytes) -> bytes:
        if self._zlib is None:
            return self._count(raw)
        self._raw += len(raw)  # empty deflate blocks inflate to nothing: cap the input too
        if self._raw > self._max:
            raise FetchError(
                f"{self._url} sent more than the {self._max}-byte limit",
                kind=FetchFailure.TOO_LARGE,
                url=self._url,
            )
        out: list[bytes] = []
        pending = raw
        while pending:
            try:
                piece = self._zlib.decompress(pending, self._max - self.size + 1)
            except zlib.error as exc:
                if self._first and self._wbits == zlib.MAX_WBITS:  # raw deflate, no zlib header
                    self._wbits = -zlib.MAX_WBITS
                    self._zlib = zlib.decompressobj(self._wbits)
                    continue
                raise FetchError(
                    f"{self._url} sent a corrupt compressed body: {exc}",
                    kind=FetchFailure.DECODING,
                    url=self._url,
                ) from exc
            self._first = False
            out.append(self._count(piece))
            # Whatever follows the end of the stream is ignored, as httpx's own decoder does.
            pending = b"" if self._zlib.eof else self._zlib.unconsumed_tail
        return b"".join(out)

    def _count(self, data: bytes) -> bytes:
        self.size += len(data)
        if self.size > self._max:
            raise FetchError(
                f"{self._url} sent more than the {self._max}-byte limit",
                kind=FetchFailure.TOO_LARGE,
                url=self._url,
            )
        return data


def inflater_for(response: httpx.Response, url: str, max_bytes: int) -> Inflater:
    """The inflater for ``response``'s content coding; a stacked or unknown one is refused."""
    codings = [
        c.strip().lower()
        for c in response.headers.get("content-encoding", "").split(",")
        if c.strip().lower() not in ("", "identity")
    ]
    if len(codings) > 1:
        raise FetchError(
            f"{url} stacks content codings ({', '.join(codings)}); only one is accepted",
            kind=FetchFailure.DECODING,
            url=url,
        )
    return Inflater(codings[0] if codings else "", url, max_bytes)
