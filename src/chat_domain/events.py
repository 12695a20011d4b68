"""What the live stream tells a user of, and the positions a client resumes from.

An event is a message that became visible in one of the user's chats, or a
chat the user was made a member of. Its position is the place of the
transaction that wrote it (``tx``, given by the storage: larger for any
transaction that could commit after it), then its time and id, so that the
messages of one transaction come in their chats' order. Storage hands out
only positions below its horizon, a place under which every transaction has
ended, so no event can appear behind one a reader has already passed.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import attrs

from chat_domain.errors import Invalid
from chat_domain.model import Chat, Message

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_NIL = "00000000-0000-0000-0000-000000000000"
_EARLIEST = datetime(1, 1, 1, tzinfo=UTC)


@attrs.frozen(order=True)
class Position:
    tx: int
    at: datetime
    id: str

    @classmethod
    def boundary(cls, tx: int) -> Position:
        """The place just before every event of transaction place ``tx``."""
        return cls(tx, _EARLIEST, _NIL)

    def token(self) -> str:
        """The opaque text a client gets as the event's ``id`` and sends back."""
        micros = (self.at - _EPOCH) // timedelta(microseconds=1)
        return f"{self.tx}.{micros}.{self.id.replace('-', '')}"

    @classmethod
    def parse(cls, token: object, field: str) -> Position:
        """The position a ``token`` names; ``Invalid`` naming ``field`` if it names none."""
        parts = token.split(".") if isinstance(token, str) and len(token) <= 80 else []
        try:
            tx, micros, hex_id = (int(parts[0]), int(parts[1]), parts[2])
            if len(parts) != 3 or tx < 0 or len(hex_id) != 32:
                raise ValueError(token)
            int(hex_id, 16)
            at = _EPOCH + timedelta(microseconds=micros)
        except (ValueError, IndexError, OverflowError):
            raise Invalid(
                f"{field} must be an event id this stream handed out, not {token!r:.80}",
                field=field,
            ) from None
        uuid = f"{hex_id[:8]}-{hex_id[8:12]}-{hex_id[12:16]}-{hex_id[16:20]}-{hex_id[20:]}"
        return cls(tx, at, uuid.lower())


@attrs.frozen
class Event:
    """A message or a new chat, at its position in the stream."""

    position: Position
    message: Message | None = None
    chat: Chat | None = None

    @property
    def kind(self) -> str:
        return "message" if self.message is not None else "chat"

    @property
    def chat_id(self) -> str:
        if self.message is not None:
            return self.message.chat
        assert self.chat is not None
        return self.chat.id


def message_event(tx: int, message: Message) -> Event:
    return Event(Position(tx, message.created_at, message.id), message=message)


def chat_event(tx: int, chat: Chat) -> Event:
    return Event(Position(tx, chat.created_at, chat.id), chat=chat)
