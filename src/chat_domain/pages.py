"""Pages of the two lists: the keyset walk's rules, and the chat list's opaque cursor.

A page is read with one row more than asked for: that row, never returned,
says whether more lie beyond (``has_more``); no list is ever counted. A walk
toward older messages reads newest first and turns the page around, so a
page is always oldest first and no list is ever sorted whole.
"""

from __future__ import annotations

import base64
import binascii
import uuid
from collections.abc import Iterator, Sequence
from datetime import UTC, datetime, timedelta
from typing import Generic, TypeVar

import attrs

from chat_domain.errors import InvalidCursor
from chat_domain.model import Chat, ChatKey, chat_list_key

T = TypeVar("T")

PAGE_MAX = 1000
"""The most a client may ask for in one page (``limit``)."""


@attrs.frozen
class Page(Generic[T]):
    """One page of a list, in the list's order, and whether more lie beyond it."""

    items: Sequence[T]
    has_more: bool


@attrs.frozen
class Window:
    """Which messages of a chat one read asks for: those between the messages
    ``after`` and ``before`` (their ids; both exclusive, either open), at most
    ``limit`` of them, the nearest to ``before`` when the walk goes toward older
    ones (``newest_first``), else the nearest to ``after``. A cursor that names
    no message of the chat bounds a window with nothing in it."""

    after: str | None = None
    before: str | None = None
    limit: int | None = None
    newest_first: bool = False


@attrs.frozen
class Pages(Generic[T]):
    """A list read a page at a time: the first page, and the rest when there is more.

    ``rest`` is ``None`` when the first page is the whole list, so a caller
    can tell a short list from a long one without reading ahead itself.
    """

    first: Sequence[T]
    rest: Iterator[Sequence[T]] | None = None

    def __iter__(self) -> Iterator[Sequence[T]]:
        yield self.first
        if self.rest is not None:
            yield from self.rest


@attrs.frozen
class ChatPage(Generic[T]):
    """A page of a user's chats (entities or their JSON documents), and the cursor
    of the next (``None`` on the last)."""

    chats: Sequence[T]
    next: str | None


def cut(rows: list[T], limit: int | None, *, turn_around: bool = False) -> Page[T]:
    """The page in ``rows``, read with one row past ``limit`` (none if no limit)."""
    if limit is None:
        return Page(rows, has_more=False)
    more = len(rows) > limit
    del rows[limit:]
    if turn_around:
        rows.reverse()
    return Page(rows, has_more=more)


# A chat list cursor: the user's id, then the place of the page's last chat in
# the list's order (``model.chat_list_key``): whether it has messages, its
# time in microseconds since the epoch, its id. 41 bytes, base64url.
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_CURSOR_BYTES = 16 + 1 + 8 + 16
_CURSOR_CHARS = 55  # base64url of 41 bytes, without padding


def chat_cursor(user_id: str, chat: Chat) -> str:
    """The cursor of the page that ends with ``chat`` in ``user_id``'s list."""
    has_messages, when, chat_id = chat_list_key(chat)
    micros = (when - _EPOCH) // timedelta(microseconds=1)
    raw = (
        uuid.UUID(user_id).bytes
        + bytes([has_messages])
        + micros.to_bytes(8, "big", signed=True)
        + uuid.UUID(chat_id).bytes
    )
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode("ascii")


def read_chat_cursor(cursor: object, user_id: str) -> ChatKey:
    """The place a cursor of ``user_id``'s list holds; ``InvalidCursor`` for anything else."""
    if not isinstance(cursor, str) or not cursor.isascii() or len(cursor) != _CURSOR_CHARS:
        raise InvalidCursor("after is not a cursor of a chat list")
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
    except (binascii.Error, ValueError):
        raise InvalidCursor("after is not a cursor of a chat list") from None
    if len(raw) != _CURSOR_BYTES or raw[16] not in (0, 1):
        raise InvalidCursor("after is not a cursor of a chat list")
    if uuid.UUID(bytes=raw[:16]) != uuid.UUID(user_id):
        raise InvalidCursor("after is a cursor of another user's chat list")
    try:
        when = _EPOCH + timedelta(microseconds=int.from_bytes(raw[17:25], "big", signed=True))
    except OverflowError:
        raise InvalidCursor("after is not a cursor of a chat list") from None
    return (bool(raw[16]), when, str(uuid.UUID(bytes=raw[25:])))
