"""Answers to JSON, exactly as the contract writes them.

The entities' documents are the domain's (``chat_domain.documents``); the
lists arrive as those documents, ready, and are only framed here.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence

import attrs
import orjson

from chat_domain.pages import Pages


def dumps(value: object) -> bytes:
    """Compact JSON, UTF-8 as is, never NaN: the standard library's encoder with
    ``ensure_ascii=False`` writes the same bytes, at many times the cost."""
    return orjson.dumps(value)


@attrs.frozen
class JsonArray:
    """A JSON array of documents read a page at a time. A list of one page is written
    whole; a longer one as chunks, a page each, every page read only when the
    one before has been sent."""

    pages: Pages[str]
    prefix: bytes = b""  # what comes before the array, for one inside an envelope
    suffix: bytes = b""

    @property
    def streams(self) -> bool:
        return self.pages.rest is not None

    def whole(self) -> bytes:
        # One join: each ``+`` would copy the whole body again.
        return b"".join((self.prefix, b"[", _items(self.pages.first), b"]", self.suffix))

    def chunks(self) -> Iterator[bytes]:
        yield b"".join((self.prefix, b"[", _items(self.pages.first)))
        for page in self.pages.rest or ():
            if page:
                yield b"," + _items(page)
        yield b"]" + self.suffix


def _items(page: Sequence[str]) -> bytes:
    return ",".join(page).encode()
