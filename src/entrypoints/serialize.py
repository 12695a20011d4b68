"""Entities to JSON, exactly as the contract writes them."""

from __future__ import annotations

import json
from datetime import UTC, datetime

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
