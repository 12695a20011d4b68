"""JSON Schemas of what the server sends: entities, lists, answers and problems.

``openapi`` puts them under ``components``; ``REF`` names them from elsewhere.
"""

from __future__ import annotations

from entrypoints.http.problems import ALL_ERRORS

ID_PATTERN = "^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$"
ANY_ID_PATTERN = "^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$"
TIME_PATTERN = r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{6}Z$"
STRING = {"type": "string"}
INTEGER = {"type": "integer"}


def ref(name: str) -> dict[str, object]:
    return {"$ref": f"#/components/schemas/{name}"}


_ID = ref("Id")
_TIME = ref("Time")


def closed_object(
    properties: dict[str, object], *optional: str, closed: bool = True
) -> dict[str, object]:
    """An object with these properties, all required but ``optional``, and no others."""
    return {
        "type": "object",
        "properties": properties,
        "required": [name for name in properties if name not in optional],
        "additionalProperties": not closed,
    }


def _problem() -> dict[str, object]:
    codes = list(dict.fromkeys(e.code for e in ALL_ERRORS))
    problem = closed_object(
        {
            "status": INTEGER,
            "title": STRING,
            "code": {"type": "string", "enum": codes},
            "detail": STRING,
            "field": {"type": ["string", "null"], "description": "The field at fault, if one is."},
            # The ids as the client sent them (lowercased): any UUID, not only ours.
            "user_ids": {
                "type": "array",
                "items": {"type": "string", "pattern": ANY_ID_PATTERN},
                "description": "For `user_not_found`.",
            },
        },
        "user_ids",
        closed=False,
    )
    problem["description"] = "An RFC 9457 problem; `code` is stable, `detail` is for people."
    return problem


SCHEMAS: dict[str, object] = {
    "Id": {"type": "string", "pattern": ID_PATTERN, "description": "A UUIDv7."},
    "Time": {"type": "string", "format": "date-time", "pattern": TIME_PATTERN},
    "Created": closed_object({"id": _ID}),
    "Chat": closed_object(
        {
            "id": _ID,
            "name": STRING,
            "users": {"type": "array", "items": _ID},
            "created_at": _TIME,
            "last_message_at": {"anyOf": [_TIME, {"type": "null"}]},
        }
    ),
    "Message": closed_object(
        {
            "id": _ID,
            "chat": _ID,
            "author": _ID,
            "text": STRING,
            "created_at": _TIME,
            "client_msg_id": {"anyOf": [STRING, {"type": "null"}]},
        }
    ),
    "User": closed_object({"id": _ID, "username": STRING, "created_at": _TIME}),
    "ChatList": {"type": "array", "items": ref("Chat")},
    "MessageList": {"type": "array", "items": ref("Message")},
    "UserList": {"type": "array", "items": ref("User")},
    "ChatPage": closed_object(
        {
            "chats": ref("ChatList"),
            "next": {
                "type": ["string", "null"],
                "description": "The cursor of the next page (`after`); null on the last.",
            },
        }
    ),
    "MessagePage": closed_object(
        {
            "messages": ref("MessageList"),
            "has_more": {
                "type": "boolean",
                "description": "More messages lie beyond the page in the direction of the walk.",
            },
        }
    ),
    "Problem": _problem(),
}
