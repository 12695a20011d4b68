"""A user's chats, whole or a page at a time, as entities or as their documents.

The list walks its index by keyset as the messages do (``lists``); its
cursor is opaque, the place of a page's last chat (``pages.chat_cursor``).
"""

from __future__ import annotations

from typing import TypeVar

import attrs

from chat_domain import rules
from chat_domain.errors import UserNotFound
from chat_domain.model import UNSET, Chat
from chat_domain.pages import PAGE_MAX, ChatPage, chat_cursor, cut, read_chat_cursor
from chat_domain.ports import UnitOfWorkFactory
from chat_domain.readings import CHAT_DOCUMENTS, CHATS, ChatReading
from chat_domain.views import PageViews

T = TypeVar("T")


@attrs.frozen
class ListChats:
    uow: UnitOfWorkFactory
    awaited: PageViews | None = None

    def __call__(self, user: object) -> list[Chat]:
        return list(self.page(user).chats)

    def page(self, user: object, *, limit: object = UNSET, after: object = UNSET) -> ChatPage[Chat]:
        """The user's chats after the cursor ``after``, at most ``limit`` of them (all
        when not given); ``next`` continues the walk."""
        return self.read(CHATS, user, limit=limit, after=after)

    def documents(
        self, user: object, *, limit: object = UNSET, after: object = UNSET
    ) -> ChatPage[str]:
        """``page``, each chat as its JSON document (``documents.chat_json``)."""
        return self.read(CHAT_DOCUMENTS, user, limit=limit, after=after)

    async def awaited_documents(
        self, user: object, *, limit: object, after: object = UNSET
    ) -> ChatPage[str] | None:
        """``documents`` of a page with a ``limit``, read by the ``awaited`` views;
        None for an empty page (or no such views), which ``documents`` answers:
        only a unit of work tells a user without chats from an unknown one."""
        user_id = rules.parse_id(user, "user")
        size = rules.parse_limit(limit, PAGE_MAX)
        place = None if after is UNSET else read_chat_cursor(after, user_id)
        if self.awaited is None:
            return None
        rows = await self.awaited.chats(user_id, after=place, limit=size + 1)
        return self._page(CHAT_DOCUMENTS, user_id, rows, size) if rows else None

    def read(
        self, reading: ChatReading[T], user: object, *, limit: object, after: object
    ) -> ChatPage[T]:
        user_id = rules.parse_id(user, "user")
        size = None if limit is UNSET else rules.parse_limit(limit, PAGE_MAX)
        place = None if after is UNSET else read_chat_cursor(after, user_id)
        with self.uow() as uow:
            rows = reading.read(uow, user_id, place, None if size is None else size + 1)
            # A user with chats exists; only an empty list needs the look-up.
            if not rows and uow.users.missing([user_id]):
                raise UserNotFound([user_id], field="user")
        return self._page(reading, user_id, rows, size)

    def _page(
        self, reading: ChatReading[T], user_id: str, rows: list[T], size: int | None
    ) -> ChatPage[T]:
        page = cut(rows, size)
        if not page.has_more:
            return ChatPage(page.items, None)
        return ChatPage(page.items, chat_cursor(user_id, reading.chat(page.items[-1])))
