"""The OpenAPI document's links: what a client can do next with what it just made."""

from __future__ import annotations


def _link(operation: str, description: str, body: dict[str, object]) -> dict[str, object]:
    return {"operationId": operation, "description": description, "requestBody": body}


# What a client can do next with what it just made (OpenAPI links): they
# document the flow and let a fuzzer reach past "not found" with real ids.
LINKS: dict[str, dict[str, object]] = {
    "/users/add": {
        "ListTheUsersChats": _link(
            "chats_get", "The new user's chats.", {"user": "$response.body#/id"}
        ),
        "StartAChat": _link(
            "chats_add",
            "A chat named after the new user, with them as its one member.",
            {"name": "$response.body#/id", "users": ["$response.body#/id"]},
        ),
    },
    "/chats/add": {
        "ListTheMessages": _link(
            "messages_get", "The new chat's messages.", {"chat": "$response.body#/id"}
        ),
        "SendAMessage": _link(
            "messages_add",
            "A message from the chat's first member.",
            {"chat": "$response.body#/id", "author": "$request.body#/users/0", "text": "hello"},
        ),
    },
    "/messages/add": {
        "ListTheChatsMessages": _link(
            "messages_get", "The chat's messages.", {"chat": "$request.body#/chat"}
        ),
        "ListTheAuthorsChats": _link(
            "chats_get", "The author's chats.", {"user": "$request.body#/author"}
        ),
    },
}
