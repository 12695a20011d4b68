"""The ways of reading a list must agree: the read views' documents are, byte for
byte, the entities' JSON, for every list, page, cursor and refusal; so are the
pages awaited on an event loop (``PageViews``), where the store has them.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Coroutine
from typing import Any, TypeVar

from chat_domain.documents import chat_json, message_json
from chat_domain.errors import ChatError
from chat_domain.pages import ChatPage, Page
from entrypoints.bootstrap import Chats

T = TypeVar("T")


def _outcome(read: Callable[[], object]) -> object:
    try:
        return read()
    except ChatError as error:
        return (type(error), error.code, error.detail, error.field)


def _alike(entities: Callable[[], object], documents: Callable[[], object]) -> Any:
    """Both reads' answers, or both refusals, which must be equal; the answer."""
    expected, got = _outcome(entities), _outcome(documents)
    assert got == expected, (got, expected)
    return got


def chat_lists_agree(chats: Chats, user: object, *, limit: int) -> None:
    """The user's chats, whole and walked ``limit`` at a time, both ways alike."""
    lists = chats.list_chats
    _alike(
        lambda: [chat_json(c) for c in lists(user)],
        lambda: list(lists.documents(user).chats),
    )
    paging: dict[str, object] = {"limit": limit}

    def entities() -> tuple[list[str], str | None]:
        page = lists.page(user, **paging)
        return [chat_json(c) for c in page.chats], page.next

    def documents() -> tuple[list[str], str | None]:
        page = lists.documents(user, **paging)
        return list(page.chats), page.next

    def awaited() -> tuple[list[str], str | None]:
        page = _awaited(
            lists.awaited_documents(user, **paging), lambda: lists.documents(user, **paging)
        )
        return list(page.chats), page.next

    awaits = lists.awaited is not None
    while isinstance(page := _alike(entities, documents), tuple) and page[1] is not None:
        if awaits:
            _alike(entities, awaited)
        paging["after"] = page[1]
    if awaits:
        _alike(entities, awaited)


def _awaited(page: Coroutine[Any, Any, T | None], read: Callable[[], T]) -> T:
    """An awaited page, run on an event loop of its own. None (an empty page) leaves
    the answer to the blocking read, which then must find the page empty or refuse it."""
    got = asyncio.run(page)
    if got is not None:
        return got
    answer = read()
    assert isinstance(answer, Page | ChatPage)
    assert not (answer.items if isinstance(answer, Page) else answer.chats), answer
    return answer


def message_lists_agree(chats: Chats, chat: object, *, limit: int, cursor: object) -> None:
    """The chat's messages, whole, on either side of ``cursor`` and as pages of
    ``limit`` (the newest, and both ways from the cursor), both ways alike."""
    lists = chats.list_messages
    for given in ({}, {"after": cursor}, {"before": cursor}):

        def whole(g: dict[str, object] = given) -> list[str]:
            return [message_json(m) for m in lists(chat, **g)]

        def whole_documents(g: dict[str, object] = given) -> list[str]:
            return [d for page in lists.document_pages(chat, **g) for d in page]

        def page(g: dict[str, object] = given) -> tuple[list[str], bool]:
            entities = lists.page(chat, limit=limit, **g)
            return [message_json(m) for m in entities.items], entities.has_more

        def page_documents(g: dict[str, object] = given) -> tuple[list[str], bool]:
            documents = lists.document_page(chat, limit=limit, **g)
            return list(documents.items), documents.has_more

        def page_awaited(g: dict[str, object] = given) -> tuple[list[str], bool]:
            documents = _awaited(
                lists.awaited_document_page(chat, limit=limit, **g),
                lambda: lists.document_page(chat, limit=limit, **g),
            )
            return list(documents.items), documents.has_more

        _alike(whole, whole_documents)
        _alike(page, page_documents)
        if lists.awaited is not None:
            _alike(page, page_awaited)
