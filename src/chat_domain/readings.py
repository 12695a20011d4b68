"""How the lists read their items: as entities, or as their JSON documents.

Both read the same pages in the same order; a walk goes on after the last
item of a page, so each way also says where an item stands: a message by
its id (the next window's cursor), a chat by its place in the list (the
next page's cursor). A document is read back for it, once a page.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Generic, TypeVar

import attrs

from chat_domain import documents
from chat_domain.model import Chat, ChatKey, Message
from chat_domain.pages import Window
from chat_domain.ports import UnitOfWork

T = TypeVar("T")


@attrs.frozen
class ChatReading(Generic[T]):
    """How a user's chats are read (a page after a place), and the chat an item is."""

    read: Callable[[UnitOfWork, str, ChatKey | None, int | None], list[T]]
    chat: Callable[[T], Chat]


@attrs.frozen
class MessageReading(Generic[T]):
    """How a chat's messages are read (a window), and the id of the message an item is."""

    read: Callable[[UnitOfWork, str, Window], list[T]]
    id: Callable[[T], str]


def _same(entity: T) -> T:
    return entity


def _id(message: Message) -> str:
    return message.id


CHATS: ChatReading[Chat] = ChatReading(
    lambda uow, user, after, limit: uow.chats.list_for_user(user, after=after, limit=limit), _same
)
CHAT_DOCUMENTS: ChatReading[str] = ChatReading(
    lambda uow, user, after, limit: uow.views.chats(user, after=after, limit=limit),
    documents.read_chat,
)
MESSAGES: MessageReading[Message] = MessageReading(
    lambda uow, chat, window: uow.messages.list_for_chat(chat, window), _id
)
MESSAGE_DOCUMENTS: MessageReading[str] = MessageReading(
    lambda uow, chat, window: uow.views.messages(chat, window), documents.document_id
)
