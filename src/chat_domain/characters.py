"""What the contract's character rules call whitespace, control, invisible and emoji.

"Invisible" is Unicode's own ``Default_Ignorable_Code_Point`` property (U+200B,
U+FEFF, U+3164 and the rest) together with ``Bidi_Control``, read from the
``regex`` package's Unicode tables rather than a hand-copied list, so it
follows Unicode as that package does. Python's ``unicodedata`` has neither
property.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Iterator

import regex

INVISIBLE_CLASS = r"[\p{Default_Ignorable_Code_Point}\p{Bidi_Control}]"
"""The invisible characters, as a ``regex`` character class."""

BIDI_CONTROL_CLASS = r"\p{Bidi_Control}"
"""The bidirectional controls (U+061C, U+200E-F, U+202A-E, U+2066-9)."""

EMOJI_CLASS = r"\p{Emoji}"
"""Characters that can be, or start, an emoji (digits, ``#`` and ``*`` too: keycaps)."""

ZWJ = "\u200d"
VS16 = "\ufe0f"

_INVISIBLE = regex.compile(INVISIBLE_CLASS)
_BIDI_CONTROL = regex.compile(BIDI_CONTROL_CLASS)
_EMOJI = regex.compile(EMOJI_CLASS)


def is_control(ch: str) -> bool:
    """A control character (Unicode category ``Cc``), the kind no name may hold."""
    return unicodedata.category(ch) == "Cc"


def is_space_or_control(ch: str) -> bool:
    """Whitespace (``str.isspace``) or a control character."""
    return ch.isspace() or is_control(ch)


def is_invisible(ch: str) -> bool:
    """A default-ignorable code point or a bidirectional control."""
    return _INVISIBLE.match(ch) is not None


def invisible_indexes(text: str) -> Iterator[int]:
    """Where ``text`` holds invisible characters: one pass of the regex engine over
    the text, not one call per character (which cost a name check ~12% of a
    users/add request's CPU)."""
    return (found.start() for found in _INVISIBLE.finditer(text))


def bidi_control_index(text: str) -> int | None:
    """Where ``text`` holds its first bidirectional control, if it holds one."""
    found = _BIDI_CONTROL.search(text)
    return None if found is None else found.start()


def is_emoji(ch: str) -> bool:
    return _EMOJI.match(ch) is not None


def is_visible(ch: str) -> bool:
    """Neither whitespace, nor a control character, nor invisible: a text needs one."""
    return not (is_space_or_control(ch) or is_invisible(ch))


def in_emoji_sequence(text: str, index: int) -> bool:
    """Whether ``text[index]`` is the one invisible part an emoji sequence may hold:
    U+FE0F right after an emoji (``❤️``), or the joiner U+200D between two emoji,
    the first perhaps followed by U+FE0F (``👨‍👩‍👧``, ``🏳️‍🌈``)."""
    ch = text[index]
    before = text[index - 1] if index > 0 else ""
    if ch == VS16:
        return before != "" and is_emoji(before)
    if ch != ZWJ or index + 1 == len(text) or not is_emoji(text[index + 1]):
        return False
    if before == VS16:
        before = text[index - 2] if index > 1 else ""
    return before != "" and is_emoji(before)
