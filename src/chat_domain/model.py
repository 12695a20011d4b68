"""The entities clients see, and the orders the contract lists them in."""

from __future__ import annotations

import enum
from datetime import datetime, timedelta

import attrs


@attrs.frozen
class User:
    id: str
    username: str
    created_at: datetime


@attrs.frozen
class Chat:
    id: str
    name: str
    users: tuple[str, ...]
    created_at: datetime
    last_message_at: datetime | None = None


@attrs.frozen
class Message:
    id: str
    chat: str
    author: str
    text: str
    created_at: datetime
    client_msg_id: str | None = None  # the sender's key for a retry-safe send


@attrs.frozen
class Sent:
    """A send's answer: the message stored, and whether it was stored by an earlier
    send with the same ``client_msg_id`` and text (a retry, answered as a replay)."""

    message: Message
    replayed: bool = False


SendKey = tuple[str, str, str]
"""Where a retry-safe send is found again: its chat, its author and its ``client_msg_id``."""


def send_key(message: Message) -> SendKey | None:
    """The message's ``SendKey``; ``None`` for one sent without a ``client_msg_id``."""
    if message.client_msg_id is None:
        return None
    return (message.chat, message.author, message.client_msg_id)


class SenderStatus(enum.Enum):
    """Whether a user may post to a chat, and if not, why."""

    CHAT_MISSING = "chat_missing"
    AUTHOR_MISSING = "author_missing"
    NOT_MEMBER = "not_member"
    MEMBER = "member"

    @classmethod
    def of(cls, *, chat: bool, author: bool, member: bool) -> SenderStatus:
        """The status from what was found: the chat, the author, the membership."""
        if member:
            return cls.MEMBER
        if not chat:
            return cls.CHAT_MISSING
        return cls.NOT_MEMBER if author else cls.AUTHOR_MISSING


class Unset(enum.Enum):
    """The value of an optional argument not given (``None`` may be a caller's bad value)."""

    UNSET = "unset"


UNSET = Unset.UNSET

ChatKey = tuple[bool, datetime, str]
"""A chat's place in a user's chat list (``chat_list_key``)."""

MessageKey = tuple[datetime, str]
"""A message's place in its chat (``message_list_key``)."""

TICK = timedelta(microseconds=1)


def visible_at(sent_at: datetime, newest: datetime | None) -> datetime:
    """A message's time: the later of the send's clock reading and one microsecond
    after the chat's newest message.

    Decided where sends to one chat take turns, so that within a chat times
    strictly increase in the order messages become visible, whatever the
    clocks of the processes sending: a reader that asks for what comes after
    the newest message it has seen never misses one.
    """
    return sent_at if newest is None or sent_at > newest else newest + TICK


def chat_list_key(chat: Chat) -> ChatKey:
    """Sort key for a user's chat list; sort with ``reverse=True``.

    Chats with messages come first, newest last message first; then chats
    without messages, newest chat first; ties go to the larger id.
    """
    if chat.last_message_at is None:
        return (False, chat.created_at, chat.id)
    return (True, chat.last_message_at, chat.id)


def message_list_key(message: Message) -> MessageKey:
    """Sort key for a chat's messages: oldest first, ties to the smaller id."""
    return (message.created_at, message.id)
