"""The read views over the in-memory store: the repositories' lists, as documents."""

from __future__ import annotations

from adapters.memory.repositories import MemoryChatRepository, MemoryMessageRepository
from chat_domain.documents import chat_json, message_json
from chat_domain.model import ChatKey
from chat_domain.pages import Window
from chat_domain.ports import UnitOfWorkFactory
from chat_domain.views import ListViews, PageViews


class MemoryListViews(ListViews):
    """What the unit of work's repositories list, committed and staged alike."""

    def __init__(self, chats: MemoryChatRepository, messages: MemoryMessageRepository) -> None:
        self._chats = chats
        self._messages = messages

    def chats(
        self, user_id: str, *, after: ChatKey | None = None, limit: int | None = None
    ) -> list[str]:
        return [chat_json(c) for c in self._chats.list_for_user(user_id, after=after, limit=limit)]

    def messages(self, chat_id: str, window: Window | None = None) -> list[str]:
        return [message_json(m) for m in self._messages.list_for_chat(chat_id, window)]


class MemoryPageViews(PageViews):
    """The store's committed lists, read at once: the store is in this process, so
    a page costs what building its documents costs and never waits."""

    def __init__(self, uow: UnitOfWorkFactory) -> None:
        self._uow = uow

    async def chats(self, user_id: str, *, after: ChatKey | None, limit: int) -> list[str]:
        with self._uow() as uow:
            return uow.views.chats(user_id, after=after, limit=limit)

    async def messages(self, chat_id: str, window: Window) -> list[str]:
        with self._uow() as uow:
            return uow.views.messages(chat_id, window)
