"""The service's use cases as one object, for the HTTP layer and direct callers."""

from __future__ import annotations

import attrs

from chat_domain.lists import ListChats, ListMessages
from chat_domain.ports import Clock, IdGenerator, UnitOfWorkFactory
from chat_domain.use_cases import AddUser, CreateChat, LookUpUsers, SendMessage


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

    @classmethod
    def over(cls, uow: UnitOfWorkFactory, *, ids: IdGenerator, clock: Clock) -> Chats:
        """The use cases over one store, with where their ids and times come from."""
        return cls(
            add_user=AddUser(uow, ids, clock),
            create_chat=CreateChat(uow, ids, clock),
            send_message=SendMessage(uow, ids, clock),
            list_chats=ListChats(uow),
            list_messages=ListMessages(uow),
            look_up_users=LookUpUsers(uow),
            uow=uow,
        )
