"""The read views over SQL: each dialect's statements write the documents."""

from __future__ import annotations

from typing import TYPE_CHECKING

from chat_domain.model import ChatKey
from chat_domain.pages import Window
from chat_domain.views import ListViews

if TYPE_CHECKING:
    from adapters.sql.repositories import Session


class SqlListViews(ListViews):
    def __init__(self, session: Session) -> None:
        self._session = session

    def chats(
        self, user_id: str, *, after: ChatKey | None = None, limit: int | None = None
    ) -> list[str]:
        with self._session.reading() as connection:
            return self._session.dialect.views.chat_documents(connection, user_id, after, limit)

    def messages(self, chat_id: str, window: Window | None = None) -> list[str]:
        with self._session.reading() as connection:
            return self._session.dialect.views.message_documents(
                connection, chat_id, window or Window()
            )
