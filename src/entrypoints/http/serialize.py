"""Entities to JSON, exactly as the contract writes them."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator, Sequence
from datetime import UTC, datetime
from typing import Generic, TypeVar

import attrs

from chat_domain.model import Chat, Message, User
from chat_domain.pages import Pages

# One encoder, built once: compact, UTF-8 as is, and never NaN (it is not JSON).
_encoder = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"), allow_nan=False)


def dumps(value: object) -> bytes:
    return _encoder.encode(value).encode("utf-8")


def format_time(when: datetime) -> str:
    """RFC 3339 in UTC with exactly six fraction digits and a ``Z``."""
    if when.tzinfo is not UTC:
        # Stores without time zones hand back naive UTC.
        when = when.replace(tzinfo=UTC) if when.tzinfo is None else when.astimezone(UTC)
    # isoformat always writes the offset as "+00:00" here; swap it for "Z".
    return when.isoformat(timespec="microseconds")[:-6] + "Z"


# The stdlib's C string escaper, the one ``_encoder`` uses: UTF-8 kept as is.
_string: Callable[[str], str] = json.encoder.encode_basestring


# The entities are written with templates rather than through dicts and the
# encoder, which costs less (docs/performance.md). Every string still goes
# through the encoder's own escaper, and the test suite compares both ways.
def chat_json(chat: Chat) -> str:
    """One chat as a JSON object."""
    last = chat.last_message_at
    return (
        f'{{"id":{_string(chat.id)},"name":{_string(chat.name)},'
        f'"users":[{",".join(map(_string, chat.users))}],'
        f'"created_at":"{format_time(chat.created_at)}",'
        f'"last_message_at":{"null" if last is None else _string(format_time(last))}}}'
    )


def user_json(user: User) -> str:
    """One user as a JSON object."""
    return (
        f'{{"id":{_string(user.id)},"username":{_string(user.username)},'
        f'"created_at":"{format_time(user.created_at)}"}}'
    )


def message_json(message: Message) -> str:
    """One message as a JSON object."""
    key = message.client_msg_id
    return (
        f'{{"id":{_string(message.id)},"chat":{_string(message.chat)},'
        f'"author":{_string(message.author)},"text":{_string(message.text)},'
        f'"created_at":"{format_time(message.created_at)}",'
        f'"client_msg_id":{"null" if key is None else _string(key)}}}'
    )


T = TypeVar("T")


@attrs.frozen
class JsonArray(Generic[T]):
    """A JSON array of entities read a page at a time; ``item`` writes one as a JSON
    object. A list of one page is written whole; a longer one as chunks, a page
    each, every page read and encoded only when the one before has been sent."""

    pages: Pages[T]
    item: Callable[[T], str]
    prefix: bytes = b""  # what comes before the array, for one inside an envelope
    suffix: bytes = b""

    @property
    def streams(self) -> bool:
        return self.pages.rest is not None

    def whole(self) -> bytes:
        return self.prefix + b"[" + self._items(self.pages.first) + b"]" + self.suffix

    def chunks(self) -> Iterator[bytes]:
        yield self.prefix + b"[" + self._items(self.pages.first)
        for page in self.pages.rest or ():
            if page:
                yield b"," + self._items(page)
        yield b"]" + self.suffix

    def _items(self, page: Sequence[T]) -> bytes:
        return ",".join(map(self.item, page)).encode()
