"""The two lists: a chat's messages, here, and a user's chats (``chat_list``),
whole or a page at a time.

Both walk their index by keyset (``pages``): a page starts after the place
of the last item before it, never at an offset, so a page costs what it
returns and a walk neither skips nor repeats what was there when it began.

Each list is read either as entities, through the repositories, or as its
items' JSON documents, through the read views (``views``), with the same
walk: only how a page is read, and how the last item of a page is known
again to go on after it, differ (``readings``).
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import TypeVar

import attrs

from chat_domain import rules
from chat_domain.errors import ChatNotFound, MessageNotFound
from chat_domain.model import UNSET, Message
from chat_domain.pages import PAGE_MAX, Page, Pages, Window, cut
from chat_domain.ports import UnitOfWork, UnitOfWorkFactory
from chat_domain.readings import MESSAGE_DOCUMENTS, MESSAGES, MessageReading
from chat_domain.views import PageViews

T = TypeVar("T")


@attrs.frozen
class ListMessages:
    """A chat's messages: whole (``__call__``, ``pages``) or one page (``page``), as
    entities or as their JSON documents (``document_page``, ``document_pages``)."""

    uow: UnitOfWorkFactory
    page_size: int = 2000
    awaited: PageViews | None = None

    def __call__(
        self, chat: object, *, after: object = UNSET, before: object = UNSET
    ) -> list[Message]:
        return [m for page in self.pages(chat, after=after, before=before) for m in page]

    def page(
        self, chat: object, *, limit: object, before: object = UNSET, after: object = UNSET
    ) -> Page[Message]:
        """The ``limit`` newest messages, or the nearest ``limit`` before ``before``, or
        the first ``limit`` after ``after`` (up to ``before``): oldest first, and
        whether more lie beyond in the direction of the walk."""
        return self.read_page(MESSAGES, chat, limit=limit, before=before, after=after)

    def document_page(
        self, chat: object, *, limit: object, before: object = UNSET, after: object = UNSET
    ) -> Page[str]:
        """``page``, each message as its JSON document (``documents.message_json``)."""
        return self.read_page(MESSAGE_DOCUMENTS, chat, limit=limit, before=before, after=after)

    async def awaited_document_page(
        self, chat: object, *, limit: object, before: object = UNSET, after: object = UNSET
    ) -> Page[str] | None:
        """``document_page``, read by the ``awaited`` views; None for an empty page (or
        no such views), which ``document_page`` answers: only a unit of work tells
        an empty chat from an unknown chat or cursor."""
        chat_id = rules.parse_id(chat, "chat")
        window = self._page_window(limit, before, after)
        if self.awaited is None:
            return None
        rows = await self.awaited.messages(chat_id, _look_ahead(window))
        return cut(rows, window.limit, turn_around=window.newest_first) if rows else None

    def pages(
        self, chat: object, *, after: object = UNSET, before: object = UNSET
    ) -> Pages[Message]:
        """The chat's messages between the cursors (all without them), oldest first, in
        pages of ``page_size``.

        The first page is read, and an unknown chat or cursor refused, before
        this returns. Each later page is read when asked for, in a unit of work
        of its own, after the last message of the page before: a long chat is
        never held whole, and no transaction stays open while a client reads.
        """
        return self.read_pages(MESSAGES, chat, after=after, before=before)

    def document_pages(
        self, chat: object, *, after: object = UNSET, before: object = UNSET
    ) -> Pages[str]:
        """``pages``, each message as its JSON document."""
        return self.read_pages(MESSAGE_DOCUMENTS, chat, after=after, before=before)

    def read_page(
        self,
        reading: MessageReading[T],
        chat: object,
        *,
        limit: object,
        before: object,
        after: object,
    ) -> Page[T]:
        chat_id = rules.parse_id(chat, "chat")
        window = self._page_window(limit, before, after)
        with self.uow() as uow:
            page = self._read(reading, uow, chat_id, window)
            self._refuse_unknown(uow, chat_id, page.items, window)
        return page

    def _page_window(self, limit: object, before: object, after: object) -> Window:
        window = self._window(after, before, rules.parse_limit(limit, PAGE_MAX))
        # Without ``after``, a page is the newest ``limit``: read newest first.
        return attrs.evolve(window, newest_first=after is UNSET)

    def read_pages(
        self, reading: MessageReading[T], chat: object, *, after: object, before: object
    ) -> Pages[T]:
        chat_id = rules.parse_id(chat, "chat")
        window = self._window(after, before, self.page_size)
        with self.uow() as uow:
            first = self._read(reading, uow, chat_id, window)
            self._refuse_unknown(uow, chat_id, first.items, window)
        if not first.has_more:
            return Pages(first.items)
        rest = self._pages_after(reading, chat_id, window, reading.id(first.items[-1]))
        return Pages(first.items, rest)

    def _window(self, after: object, before: object, limit: int) -> Window:
        # The cursors are placed by the read itself, which finds nothing when one
        # names no message of the chat (``_refuse_unknown`` then says which).
        return Window(
            after=None if after is UNSET else rules.parse_id(after, "after"),
            before=None if before is UNSET else rules.parse_id(before, "before"),
            limit=limit,
        )

    def _refuse_unknown(
        self, uow: UnitOfWork, chat_id: str, listed: Sequence[object], window: Window
    ) -> None:
        # A listed message proves the chat and every cursor exist; only an empty
        # page needs the look-ups.
        if listed:
            return
        for field, message_id in (("after", window.after), ("before", window.before)):
            if message_id is not None and uow.messages.find(chat_id, message_id) is None:
                if not uow.chats.exists(chat_id):
                    raise ChatNotFound(chat_id)
                raise MessageNotFound(message_id, chat_id, field=field)
        if window.after is None and window.before is None and not uow.chats.exists(chat_id):
            raise ChatNotFound(chat_id)

    def _read(
        self, reading: MessageReading[T], uow: UnitOfWork, chat_id: str, window: Window
    ) -> Page[T]:
        rows = reading.read(uow, chat_id, _look_ahead(window))
        return cut(rows, window.limit, turn_around=window.newest_first)

    def _pages_after(
        self, reading: MessageReading[T], chat_id: str, window: Window, last: str
    ) -> Iterator[list[T]]:
        more = True
        while more:
            with self.uow() as uow:
                page = self._read(reading, uow, chat_id, attrs.evolve(window, after=last))
            if not page.items:
                return
            yield list(page.items)
            more, last = page.has_more, reading.id(page.items[-1])


def _look_ahead(window: Window) -> Window:
    # The walk's one look-ahead: a row past the page says whether more follow.
    assert window.limit is not None
    return attrs.evolve(window, limit=window.limit + 1)
