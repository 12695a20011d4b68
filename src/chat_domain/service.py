"""The service's use cases as one object, for the HTTP layer and direct callers."""

from __future__ import annotations

import attrs

from chat_domain.chat_list import ListChats
from chat_domain.events import Event
from chat_domain.lists import ListMessages
from chat_domain.ports import Clock, IdGenerator, UnitOfWorkFactory, Wakeups
from chat_domain.streams import EventHub, in_threads
from chat_domain.use_cases import AddUser, CreateChat, LookUpUsers, SendMessage
from chat_domain.views import PageViews


def _same(event: Event) -> Event:
    return event


@attrs.frozen
class Chats:
    """The service's use cases, ready to call."""

    add_user: AddUser
    create_chat: CreateChat
    send_message: SendMessage
    list_chats: ListChats
    list_messages: ListMessages
    look_up_users: LookUpUsers
    uow: UnitOfWorkFactory  # for the live stream's reader (``streams.EventHub``)

    @property
    def awaits_pages(self) -> bool:
        """Whether the lists' pages can be awaited without a thread (``views.PageViews``)."""
        return self.list_messages.awaited is not None

    def live_stream(
        self, wakeups: Wakeups | None = None, *, every_s: float = 0.5
    ) -> EventHub[Event]:
        """The live stream's reader, for code with an event loop: ``start()`` it, then
        ``async for event in hub.events(user_id, after=None)`` (``None`` is a reset).
        It reads what is new every ``every_s``, and at once when ``wakeups``
        (``Database.wakeups()``) say another process wrote."""
        return EventHub(self.uow, in_threads, _same, wakeups=wakeups, every_s=every_s)

    @classmethod
    def over(
        cls,
        uow: UnitOfWorkFactory,
        *,
        ids: IdGenerator,
        clock: Clock,
        awaited: PageViews | None = None,
    ) -> Chats:
        """The use cases over one store, with where their ids and times come from, and
        the store's awaited page views if it has them (``views.PageViews``)."""
        return cls(
            add_user=AddUser(uow, ids, clock),
            create_chat=CreateChat(uow, ids, clock),
            send_message=SendMessage(uow, ids, clock),
            list_chats=ListChats(uow, awaited),
            list_messages=ListMessages(uow, awaited=awaited),
            look_up_users=LookUpUsers(uow),
            uow=uow,
        )
