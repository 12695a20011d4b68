"""The read side: the two lists as their answers' JSON, straight from the store.

Reads need no domain model (the views of cosmicpython's CQRS chapter): a
list is read as the JSON documents the contract writes for its items, built
where that costs least (by the database itself, in SQL), while every write
still goes through the entities and their rules. The walk over the lists
(pages, cursors, refusals) is the same for both ways of reading (``lists``).
"""

from __future__ import annotations

import abc

from chat_domain.model import ChatKey
from chat_domain.pages import Window


class ListViews(abc.ABC):
    """The lists of the repositories (``ports``), each item as its JSON document.

    Every adapter writes each item byte for byte as ``documents`` writes the
    entity the repositories would list in its place, in the same order, for
    any data.
    """

    @abc.abstractmethod
    def chats(
        self, user_id: str, *, after: ChatKey | None = None, limit: int | None = None
    ) -> list[str]:
        """``ChatRepository.list_for_user``, as ``documents.chat_json`` documents."""

    @abc.abstractmethod
    def messages(self, chat_id: str, window: Window | None = None) -> list[str]:
        """``MessageRepository.list_for_chat``, as ``documents.message_json`` documents."""


class PageViews(abc.ABC):
    """``ListViews``' pages, awaited: a caller with an event loop reads one page
    without holding a thread while the store answers.

    The same documents in the same order as ``ListViews`` for the same
    arguments; an adapter whose store can only block has none (the lists are
    then read through ``ListViews``, on a thread).
    """

    @abc.abstractmethod
    async def chats(self, user_id: str, *, after: ChatKey | None, limit: int) -> list[str]:
        """``ListViews.chats``, at most ``limit`` of them."""

    @abc.abstractmethod
    async def messages(self, chat_id: str, window: Window) -> list[str]:
        """``ListViews.messages`` for a window with a limit."""
