"""The five API methods in one table: path, fields, use case, answer and errors.

The HTTP app routes from this table, the body parser checks fields against
it and the OpenAPI document is generated from it, so the three cannot drift.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping

import attrs

from chat_domain.errors import (
    ChatError,
    ChatNameTaken,
    ChatNotFound,
    DuplicateUser,
    NotAMember,
    UsernameTaken,
    UserNotFound,
)
from chat_domain.rules import CHAT_NAME_MAX, TEXT_MAX, USERNAME_MAX
from chat_domain.service import Chats
from chat_domain.use_cases import Pages
from entrypoints.http import text_patterns
from entrypoints.http.serialize import JsonArray, chat_json, message_json

JsonSchema = Mapping[str, object]
Body = Mapping[str, object]

UUID_SCHEMA: JsonSchema = {"type": "string", "format": "uuid", "description": "A UUID."}


def _string(most: int, rules: str, pattern: str) -> JsonSchema:
    description = f"1 to {most} characters, {rules}"
    return {
        "type": "string",
        "minLength": 1,
        "maxLength": most,
        "pattern": pattern,
        "description": description,
    }


@attrs.frozen
class Field:
    name: str
    schema: JsonSchema
    example: object


@attrs.frozen
class Method:
    path: str
    summary: str
    fields: tuple[Field, ...]
    run: Callable[[Chats, Body], object]
    status: int
    result: str  # the OpenAPI component that describes the answer
    errors: tuple[type[ChatError], ...]  # beyond those every method may answer
    names: frozenset[str] = attrs.field(init=False)

    @names.default
    def _names(self) -> frozenset[str]:
        return frozenset(f.name for f in self.fields)


def _add_user(chats: Chats, body: Body) -> object:
    return {"id": chats.add_user(body["username"]).id}


def _add_chat(chats: Chats, body: Body) -> object:
    return {"id": chats.create_chat(body["name"], body["users"]).id}


def _add_message(chats: Chats, body: Body) -> object:
    return {"id": chats.send_message(body["chat"], body["author"], body["text"]).id}


def _get_chats(chats: Chats, body: Body) -> object:
    return JsonArray(Pages(chats.list_chats(body["user"])), chat_json)


def _get_messages(chats: Chats, body: Body) -> object:
    # Streamed a page at a time: a chat's messages are unlimited, memory is not.
    return JsonArray(chats.list_messages.pages(body["chat"]), message_json)


_USER_ID = "0193a5c4-6b2e-7cf1-9d4e-3a1f2b7c8d90"
_OTHER_ID = "0193a5c4-7a01-7b3c-8e21-55c0d4e6f7a8"
_CHAT_ID = "0193a5c5-0c4d-7f10-a2b3-9c8d7e6f5a4b"

METHODS: tuple[Method, ...] = (
    Method(
        path="/users/add",
        summary="Create a user",
        fields=(
            Field(
                "username",
                _string(
                    USERNAME_MAX,
                    "after NFC, no whitespace or control characters;"
                    " unique without regard to letter case.",
                    text_patterns.USERNAME,
                ),
                "user_1",
            ),
        ),
        run=_add_user,
        status=201,
        result="Created",
        errors=(UsernameTaken,),
    ),
    Method(
        path="/chats/add",
        summary="Create a chat between users",
        fields=(
            Field(
                "name",
                _string(
                    CHAT_NAME_MAX,
                    "after NFC, no control characters, no leading or trailing whitespace;"
                    " unique without regard to letter case.",
                    text_patterns.CHAT_NAME,
                ),
                "chat_1",
            ),
            Field(
                "users",
                {
                    "type": "array",
                    "items": UUID_SCHEMA,
                    "minItems": 1,
                    "uniqueItems": True,
                    "description": "Member user ids, at least one, none twice; order is kept.",
                },
                [_USER_ID, _OTHER_ID],
            ),
        ),
        run=_add_chat,
        status=201,
        result="Created",
        errors=(DuplicateUser, UserNotFound, ChatNameTaken),
    ),
    Method(
        path="/messages/add",
        summary="Send a message to a chat on behalf of a member",
        fields=(
            Field("chat", UUID_SCHEMA, _CHAT_ID),
            Field("author", UUID_SCHEMA, _USER_ID),
            Field(
                "text",
                _string(
                    TEXT_MAX,
                    "kept exactly as sent, with one non-whitespace character.",
                    text_patterns.TEXT,
                ),
                "hi",
            ),
        ),
        run=_add_message,
        status=201,
        result="Created",
        errors=(ChatNotFound, UserNotFound, NotAMember),
    ),
    Method(
        path="/chats/get",
        summary="List a user's chats, most recently active first",
        fields=(Field("user", UUID_SCHEMA, _USER_ID),),
        run=_get_chats,
        status=200,
        result="ChatList",
        errors=(UserNotFound,),
    ),
    Method(
        path="/messages/get",
        summary="List a chat's messages, oldest first",
        fields=(Field("chat", UUID_SCHEMA, _CHAT_ID),),
        run=_get_messages,
        status=200,
        result="MessageList",
        errors=(ChatNotFound,),
    ),
)
