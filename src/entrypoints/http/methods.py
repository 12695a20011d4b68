"""The API methods in one table: path, fields, use case, answer and errors.

The HTTP app routes from this table, the body parser checks fields against
it and the OpenAPI document is generated from it, so the three cannot drift.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping

import attrs

from chat_domain.documents import user_json
from chat_domain.errors import (
    ChatError,
    ChatNameTaken,
    ChatNotFound,
    ClientMsgIdReused,
    DuplicateUser,
    InvalidCursor,
    MessageNotFound,
    NotAMember,
    UsernameTaken,
    UserNotFound,
)
from chat_domain.pages import ChatPage, Page, Pages
from chat_domain.service import Chats
from entrypoints.http import fields
from entrypoints.http.fields import Field
from entrypoints.http.serialize import JsonArray, dumps

Body = Mapping[str, object]

REPLAYED = "Idempotent-Replayed"
"""The header on the answer to a send that repeated an earlier one (``true``)."""


@attrs.frozen
class Method:
    path: str
    summary: str
    fields: tuple[Field, ...]
    run: Callable[[Chats, Body], object]
    status: int
    result: tuple[str, ...]  # the OpenAPI components the answer may be (one of)
    errors: tuple[type[ChatError], ...]  # beyond those every method may answer
    one_of: bool = False  # the body holds exactly one of the fields
    sends: bool = False  # a send: retry-safe with ``client_msg_id``
    batched: bool = False  # ``run`` prepares what a pipeline then stores (group commit)
    # A read that may answer on the event loop without a thread; None leaves it to ``run``.
    awaited: Callable[[Chats, Body], Awaitable[JsonArray | None]] | None = None
    names: frozenset[str] = attrs.field(init=False)

    @names.default
    def _names(self) -> frozenset[str]:
        return frozenset(f.name for f in self.fields)


def _prepare_user(chats: Chats, body: Body) -> object:
    # Only checked and given its id and time here: the users' pipeline stores it.
    return chats.add_user.prepare(body["username"])


def _prepare_chat(chats: Chats, body: Body) -> object:
    # Only checked and given its id and time here: the chats' pipeline stores it.
    return chats.create_chat.prepare(body["name"], body["users"])


def _prepare_message(chats: Chats, body: Body) -> object:
    # Only checked and given its id and time here: the send pipeline stores it.
    key = _given(body, "client_msg_id")
    return chats.send_message.prepare(body["chat"], body["author"], body["text"], **key)


def _given(body: Body, *names: str) -> dict[str, object]:
    return {name: body[name] for name in names if name in body}


def _get_chats(chats: Chats, body: Body) -> object:
    paging = _given(body, "limit", "after")
    page = chats.list_chats.documents(body["user"], **paging)
    if not paging:
        return JsonArray(Pages(page.chats))
    return _chat_page(page)


async def _get_chat_page(chats: Chats, body: Body) -> JsonArray | None:
    # Only a page (a limit) is read on the loop; None has ``_get_chats`` answer.
    if "limit" not in body:
        return None
    page = await chats.list_chats.awaited_documents(body["user"], **_given(body, "limit", "after"))
    return None if page is None else _chat_page(page)


def _chat_page(page: ChatPage[str]) -> JsonArray:
    end = b',"next":' + dumps(page.next) + b"}"
    return JsonArray(Pages(page.chats), prefix=b'{"chats":', suffix=end)


def _get_messages(chats: Chats, body: Body) -> object:
    # Streamed a page at a time: a chat's messages are unlimited, memory is not.
    paging = _given(body, "limit", "before", "after")
    if not paging:
        return JsonArray(chats.list_messages.document_pages(body["chat"]))
    if "limit" not in paging:  # everything on the cursors' side, streamed the same way
        pages = chats.list_messages.document_pages(body["chat"], **paging)
        return JsonArray(pages, prefix=b'{"messages":', suffix=b',"has_more":false}')
    return _message_page(chats.list_messages.document_page(body["chat"], **paging))


async def _get_message_page(chats: Chats, body: Body) -> JsonArray | None:
    # Only a page (a limit) is read on the loop; None has ``_get_messages`` answer.
    if "limit" not in body:
        return None
    paging = _given(body, "limit", "before", "after")
    page = await chats.list_messages.awaited_document_page(body["chat"], **paging)
    return None if page is None else _message_page(page)


def _message_page(page: Page[str]) -> JsonArray:
    end = b',"has_more":' + dumps(page.has_more) + b"}"
    return JsonArray(Pages(page.items), prefix=b'{"messages":', suffix=end)


def _get_users(chats: Chats, body: Body) -> object:
    if "users" in body:
        return JsonArray(Pages([user_json(u) for u in chats.look_up_users.by_ids(body["users"])]))
    if "username" in body:
        return user_json(chats.look_up_users.by_name(body["username"])).encode()
    return user_json(chats.look_up_users.by_id(body["user"])).encode()


METHODS: tuple[Method, ...] = (
    Method(
        path="/users/add",
        summary="Create a user",
        fields=(fields.USERNAME,),
        run=_prepare_user,
        status=201,
        result=("Created",),
        errors=(UsernameTaken,),
        batched=True,
    ),
    Method(
        path="/chats/add",
        summary="Create a chat between users",
        fields=(
            fields.CHAT_NAME,
            fields.user_ids("Member user ids, at least one, none twice; order is kept."),
        ),
        run=_prepare_chat,
        status=201,
        result=("Created",),
        errors=(DuplicateUser, UserNotFound, ChatNameTaken),
        batched=True,
    ),
    Method(
        path="/messages/add",
        summary="Send a message to a chat on behalf of a member",
        fields=(fields.CHAT, fields.AUTHOR, fields.TEXT, fields.CLIENT_MSG_ID),
        run=_prepare_message,
        status=201,
        result=("Created",),
        errors=(ChatNotFound, UserNotFound, NotAMember, ClientMsgIdReused),
        sends=True,
        batched=True,
    ),
    Method(
        path="/chats/get",
        summary="List a user's chats, most recently active first, whole or a page at a time",
        fields=(fields.USER, fields.LIMIT, fields.CHATS_AFTER),
        run=_get_chats,
        awaited=_get_chat_page,
        status=200,
        result=("ChatList", "ChatPage"),
        errors=(UserNotFound, InvalidCursor),
    ),
    Method(
        path="/messages/get",
        summary="List a chat's messages, oldest first, whole or a page at a time",
        fields=(fields.CHAT, fields.LIMIT, fields.BEFORE, fields.AFTER),
        run=_get_messages,
        awaited=_get_message_page,
        status=200,
        result=("MessageList", "MessagePage"),
        errors=(ChatNotFound, MessageNotFound),
    ),
    Method(
        path="/users/get",
        summary="Look users up: one by id or by name (any letter case), or many by id",
        fields=(
            fields.USER,
            fields.USERNAME,
            fields.user_ids("1 to 1000 user ids, none twice: the users in this order.", most=1000),
        ),
        run=_get_users,
        status=200,
        result=("User", "UserList"),
        errors=(DuplicateUser, UserNotFound),
        one_of=True,
    ),
)
