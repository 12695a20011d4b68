"""Entities to JSON, exactly as the contract writes them."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Iterator, Sequence
from datetime import UTC, datetime
from typing import Generic, TypeVar

import attrs

from chat_domain.model import Chat, Message

# One encoder, built once: compact, UTF-8 as is, and never NaN (it is not JSON).
_encoder = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"), allow_nan=False)


def dumps(value: object) -> bytes:
    return _encoder.encode(value).encode("utf-8")


def format_time(when: datetime) -> str:
    """RFC 3339 in UTC with exactly six fraction digits and a ``Z``."""
    if when.tzinfo is None:
        # Stores without time zones hand back naive UTC.
        when = when.replace(tzinfo=UTC)
    elif when.utcoffset():
        when = when.astimezone(UTC)
    # isoformat always writes the offset as "+00:00" here; swap it for "Z".
    return when.isoformat(timespec="microseconds")[:-6] + "Z"


def chat_json(chat: Chat) -> dict[str, object]:
    last = chat.last_message_at
    return {
        "id": chat.id,
        "name": chat.name,
        "users": list(chat.users),
        "created_at": format_time(chat.created_at),
        "last_message_at": None if last is None else format_time(last),
    }


def message_json(message: Message) -> dict[str, object]:
    return {
        "id": message.id,
        "chat": message.chat,
        "author": message.author,
        "text": message.text,
        "created_at": format_time(message.created_at),
    }


T = TypeVar("T")


@attrs.frozen
class JsonPages(Generic[T]):
    """A JSON array written a page at a time, for answers too long to hold whole."""

    pages: Iterable[Sequence[T]]
    item: Callable[[T], object]

    def chunks(self) -> Iterator[bytes]:
        """The array's bytes, one chunk per page: a single page gives the whole array
        in one chunk; each page is encoded only when the one before has been sent."""
        pages = iter(self.pages)
        page = next(pages, ())
        started = False
        for following in pages:
            if page:
                yield (b"," if started else b"[") + _items(page, self.item)
                started = True
            page = following
        opening = b"," if started else b"["
        yield (opening + _items(page, self.item) if page else b"" if started else b"[") + b"]"


def _items(page: Sequence[T], item: Callable[[T], object]) -> bytes:
    # The page as a JSON array, without its brackets.
    return dumps([item(x) for x in page])[1:-1]
