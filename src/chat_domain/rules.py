"""Every input rule of the contract, each in one function.

The use cases call these on whatever they are handed (a JSON value, or any
Python object from a direct caller) and get back a clean value or an
``Invalid`` naming the field. Nothing here touches storage.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable

from chat_domain.characters import (
    bidi_control_index,
    in_emoji_sequence,
    invisible_indexes,
    is_control,
    is_space_or_control,
    is_visible,
)
from chat_domain.errors import DuplicateUser, Invalid

USERNAME_MAX = 64
CHAT_NAME_MAX = 128
TEXT_MAX = 4096
CLIENT_MSG_ID_MAX = 128

_UUID = re.compile(r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}")


def _describe(value: object) -> str:
    text = repr(value)
    return text if len(text) <= 80 else text[:77] + "..."


def _require_str(value: object, field: str) -> str:
    if not isinstance(value, str):
        raise Invalid(f"{field} must be a string, not {_describe(value)}", field=field)
    if "\x00" in value:
        raise Invalid(f"{field} must not contain U+0000", field=field)
    # Lone surrogates cannot be stored by any database or encoded as UTF-8;
    # refuse them here so they never reach one.
    if any("\ud800" <= ch <= "\udfff" for ch in value):
        raise Invalid(f"{field} must not contain a lone surrogate", field=field)
    return value


def _refuse_any(name: str, field: str, banned: Callable[[str], bool], what: str) -> None:
    for index, ch in enumerate(name):
        if banned(ch):
            _refuse_at(name, field, index, what)


def _refuse_at(name: str, field: str, index: int, what: str) -> None:
    raise Invalid(
        f"{field} must not contain {what} (found U+{ord(name[index]):04X} in {_describe(name)})",
        field=field,
    )


def parse_id(value: object, field: str) -> str:
    """A UUID in canonical 8-4-4-4-12 form, any letter case; returned lowercase."""
    if not isinstance(value, str) or _UUID.fullmatch(value) is None:
        raise Invalid(f"{field} must be a UUID string, not {_describe(value)}", field=field)
    return value.lower()


def name_key(name: str) -> str:
    """The key under which usernames, and chat names, are unique: equal after NFC
    and casefolding, so ``Straße`` and ``STRASSE`` are one name."""
    return unicodedata.normalize("NFC", name).casefold()


def _refuse_hidden(name: str, field: str) -> None:
    for index in invisible_indexes(name):
        if not in_emoji_sequence(name, index):
            ch = name[index]
            raise Invalid(
                f"{field} must not contain invisible characters, apart from U+200D and"
                f" U+FE0F inside an emoji (found U+{ord(ch):04X} in {_describe(name)})",
                field=field,
            )


def _require_visible(value: str, field: str) -> None:
    if not any(is_visible(ch) for ch in value):
        raise Invalid(
            f"{field} must contain at least one visible character: not only whitespace"
            f" or invisible ones such as U+200B ({_describe(value)})",
            field=field,
        )


def clean_username(value: object) -> str:
    """1 to 64 characters after NFC, no whitespace, no control characters and no
    invisible ones (but for the joiner and U+FE0F inside an emoji sequence), so
    that ``ad\u200bmin`` cannot pose as ``admin``."""
    name = unicodedata.normalize("NFC", _require_str(value, "username"))
    if not 1 <= len(name) <= USERNAME_MAX:
        raise Invalid(
            f"username must be 1 to {USERNAME_MAX} characters, not {len(name)}", field="username"
        )
    _refuse_any(name, "username", is_space_or_control, "whitespace or control characters")
    _refuse_hidden(name, "username")
    return name


def clean_chat_name(value: object) -> str:
    """1 to 128 characters after NFC, no control characters, no bidirectional controls,
    no outer whitespace, not only invisible characters."""
    name = unicodedata.normalize("NFC", _require_str(value, "name"))
    if not 1 <= len(name) <= CHAT_NAME_MAX:
        raise Invalid(
            f"name must be 1 to {CHAT_NAME_MAX} characters, not {len(name)}", field="name"
        )
    if name != name.strip():
        raise Invalid(
            f"name must not start or end with whitespace: {_describe(name)}", field="name"
        )
    _refuse_any(name, "name", is_control, "control characters")
    if (index := bidi_control_index(name)) is not None:
        _refuse_at(name, "name", index, "bidirectional controls")
    _require_visible(name, "name")
    return name


def clean_text(value: object) -> str:
    """1 to 4096 characters kept exactly as sent, with one visible character at least."""
    text = _require_str(value, "text")
    if not 1 <= len(text) <= TEXT_MAX:
        raise Invalid(f"text must be 1 to {TEXT_MAX} characters, not {len(text)}", field="text")
    _require_visible(text, "text")
    return text


def clean_client_msg_id(value: object) -> str:
    """1 to 128 characters with no control character, kept exactly as sent."""
    key = _require_str(value, "client_msg_id")
    if not 1 <= len(key) <= CLIENT_MSG_ID_MAX:
        raise Invalid(
            f"client_msg_id must be 1 to {CLIENT_MSG_ID_MAX} characters, not {len(key)}",
            field="client_msg_id",
        )
    _refuse_any(key, "client_msg_id", is_control, "a control character")
    return key


def clean_members(value: object, *, most: int | None = None) -> tuple[str, ...]:
    """At least one user id (and at most ``most``), each well formed, none twice; order kept."""
    if not isinstance(value, list | tuple):
        raise Invalid(f"users must be an array of user ids, not {_describe(value)}", field="users")
    if not value:
        raise Invalid("users must list at least one user id", field="users")
    if most is not None and len(value) > most:
        raise Invalid(f"users may list at most {most} ids, not {len(value)}", field="users")
    seen: set[str] = set()
    members: list[str] = []
    for index, item in enumerate(value):
        field = f"users[{index}]"
        user_id = parse_id(item, field)
        if user_id in seen:
            raise DuplicateUser(user_id, field=field)
        seen.add(user_id)
        members.append(user_id)
    return tuple(members)


def parse_limit(value: object, most: int) -> int:
    """A page's size: a whole number from 1 to ``most``; ``50.0`` is one (JSON has one
    kind of number), ``true`` and ``1.5`` are not."""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= most:
        raise Invalid(
            f"limit must be a whole number from 1 to {most}, not {_describe(value)}", field="limit"
        )
    return value
