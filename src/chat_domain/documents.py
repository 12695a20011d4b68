"""Each entity as the contract writes it in JSON, and where the last of a page stands.

The lists' read views (``views``) answer these bytes straight from the
store; the entities' answers (a single user, the live stream's events, the
Python API) are written here. Both must be byte for byte the same: compact,
UTF-8 as is, times in UTC with six fraction digits and ``Z``, ids in
canonical form, members in the chat's order, ``null`` for what is absent.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from datetime import UTC, datetime

from chat_domain.model import Chat, Message, User

# The standard library's C string escaper with UTF-8 kept as is: quotes,
# backslashes and characters under U+0020 escaped, as every view writes them.
_string: Callable[[str], str] = json.encoder.encode_basestring


def format_time(when: datetime) -> str:
    """RFC 3339 in UTC with exactly six fraction digits and a ``Z``."""
    if when.tzinfo is not UTC:
        # Stores without time zones hand back naive UTC.
        when = when.replace(tzinfo=UTC) if when.tzinfo is None else when.astimezone(UTC)
    # isoformat always writes the offset as "+00:00" here; swap it for "Z".
    return when.isoformat(timespec="microseconds")[:-6] + "Z"


# Templates rather than dicts through an encoder, which costs less
# (docs/performance.md); every string still goes through the escaper.
def members_json(users: Sequence[str]) -> str:
    """A chat's member ids as its document lists them, inside the brackets."""
    return ",".join(map(_string, users))


def chat_json(chat: Chat) -> str:
    """One chat as a JSON object."""
    last = chat.last_message_at
    tail = "null" if last is None else _string(format_time(last))
    return f'{chat_head_json(chat)},"last_message_at":{tail}}}'


def chat_head_json(chat: Chat) -> str:
    """A chat's document up to its ``last_message_at``, the part that never changes:
    ``chat_json`` is it, then ``,"last_message_at":...}``."""
    return (
        f'{{"id":{_string(chat.id)},"name":{_string(chat.name)},'
        f'"users":[{members_json(chat.users)}],'
        f'"created_at":"{format_time(chat.created_at)}"'
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


def _time(text: str) -> datetime:
    return datetime.fromisoformat(text).astimezone(UTC)


# Read back only for the last item of a page, to continue a walk after it.
def read_chat(document: str) -> Chat:
    """The chat a ``chat_json`` document holds."""
    fields = json.loads(document)
    last = fields["last_message_at"]
    return Chat(
        id=fields["id"],
        name=fields["name"],
        users=tuple(fields["users"]),
        created_at=_time(fields["created_at"]),
        last_message_at=None if last is None else _time(last),
    )


def document_id(document: str) -> str:
    """The id of the entity a document holds."""
    found: str = json.loads(document)["id"]
    return found
