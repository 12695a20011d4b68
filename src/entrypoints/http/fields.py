"""The request fields of every API method: name, JSON Schema, example, and whether required.

The body parser checks fields against these and the OpenAPI document is
generated from them, so the two cannot drift.
"""

from __future__ import annotations

from collections.abc import Mapping

import attrs

from chat_domain.pages import PAGE_MAX
from chat_domain.rules import CHAT_NAME_MAX, CLIENT_MSG_ID_MAX, TEXT_MAX, USERNAME_MAX
from entrypoints.http import text_patterns

JsonSchema = Mapping[str, object]

USER_ID = "0193a5c4-6b2e-7cf1-9d4e-3a1f2b7c8d90"
OTHER_ID = "0193a5c4-7a01-7b3c-8e21-55c0d4e6f7a8"
CHAT_ID = "0193a5c5-0c4d-7f10-a2b3-9c8d7e6f5a4b"
MESSAGE_ID = "0193a5c5-2f11-7a42-9b3c-4d5e6f708192"

UUID_SCHEMA: JsonSchema = {"type": "string", "format": "uuid", "description": "A UUID."}


@attrs.frozen
class Field:
    name: str
    schema: JsonSchema
    example: object
    required: bool = True


def _string(most: int, rules: str, pattern: str) -> JsonSchema:
    description = f"1 to {most} characters, {rules}"
    return {
        "type": "string",
        "minLength": 1,
        "maxLength": most,
        "pattern": pattern,
        "description": description,
    }


def _id(name: str, description: str, example: str, *, required: bool = True) -> Field:
    return Field(name, {**UUID_SCHEMA, "description": description}, example, required)


USERNAME = Field(
    "username",
    _string(
        USERNAME_MAX,
        "after NFC, no whitespace, control or invisible characters (default-ignorable"
        " code points, bidirectional controls), but for U+200D and U+FE0F inside an emoji"
        " sequence; unique without regard to letter case.",
        text_patterns.USERNAME,
    ),
    "user_1",
)
CHAT_NAME = Field(
    "name",
    _string(
        CHAT_NAME_MAX,
        "after NFC, no control characters or bidirectional controls, no leading or"
        " trailing whitespace, not only invisible characters; unique without regard to"
        " letter case.",
        text_patterns.CHAT_NAME,
    ),
    "chat_1",
)
TEXT = Field(
    "text",
    _string(
        TEXT_MAX,
        "kept exactly as sent, with one character that is neither whitespace, nor a"
        " control character, nor invisible (a text of only U+200B is blank).",
        text_patterns.TEXT,
    ),
    "hi",
)
CLIENT_MSG_ID = Field(
    "client_msg_id",
    _string(
        CLIENT_MSG_ID_MAX,
        "no control characters: the sender's key that makes a retry safe. For the same"
        " chat, author and key, the same text answers the original message (with"
        " `Idempotent-Replayed: true`) and another text is `422 client_msg_id_reused`.",
        text_patterns.CLIENT_MSG_ID,
    ),
    "5d0c6b1e-8f43-4e7a-9b61-2f3a4c5d6e7f",
    required=False,
)


def user_ids(description: str, *, most: int | None = None, required: bool = True) -> Field:
    schema: dict[str, object] = {
        "type": "array",
        "items": UUID_SCHEMA,
        "minItems": 1,
        "uniqueItems": True,
        "description": description,
    }
    if most is not None:
        schema["maxItems"] = most
    return Field("users", schema, [USER_ID, OTHER_ID], required)


CHAT = _id("chat", "The chat's id.", CHAT_ID)
AUTHOR = _id("author", "The sender's id; a member of the chat.", USER_ID)
USER = _id("user", "The user's id.", USER_ID)
LIMIT = Field(
    "limit",
    {
        "type": "integer",
        "minimum": 1,
        "maximum": PAGE_MAX,
        "description": "Answer one page of at most this many, in an envelope.",
    },
    50,
    required=False,
)
BEFORE = _id(
    "before",
    "A message of the chat: the page ends just before it (exclusive).",
    MESSAGE_ID,
    required=False,
)
AFTER = _id(
    "after",
    "A message of the chat: the page starts just after it (exclusive).",
    MESSAGE_ID,
    required=False,
)
CHATS_AFTER = Field(
    "after",
    {"type": "string", "description": "The opaque `next` cursor of the page before."},
    "AZOlxGsufPGdTjofK3yNkAEABmE69JfIjQGTpcUMTX8QorOcjX5vWks",
    required=False,
)
