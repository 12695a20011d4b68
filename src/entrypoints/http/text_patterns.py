"""JSON Schema patterns for the contract's character rules, for the OpenAPI document.

A client (or a fuzzer) that trusts the document must not be refused for a
value the document allows. The classes are computed from the same
predicates and Unicode properties ``chat_domain.characters`` applies rather
than typed out, since ECMA's ``\\s`` is not Python's. Patterns use only what
ECMA-262 and Python's ``re`` read alike: classes, ``(?:)``, ``(?=)`` and
``(?!)``; characters past U+FFFF are written as themselves, not escaped.
"""

from __future__ import annotations

import sys
from array import array
from collections.abc import Callable, Iterable
from itertools import chain

import regex

from chat_domain import characters

# Every whitespace and control character lies below U+3001.
_LIMIT = 0x3001

# Every Unicode scalar value, in order, to find a property's ranges in one pass.
_EVERY_CHARACTER = (
    array("I", chain(range(0xD800), range(0xE000, 0x110000)))
    .tobytes()
    .decode("utf-32-le" if sys.byteorder == "little" else "utf-32-be")
)


def _ranges_where(member: Callable[[str], bool]) -> list[tuple[int, int]]:
    ranges: list[tuple[int, int]] = []
    for code in range(_LIMIT):
        if not member(chr(code)):
            continue
        if ranges and ranges[-1][1] == code - 1:
            ranges[-1] = (ranges[-1][0], code)
        else:
            ranges.append((code, code))
    return ranges


def _ranges_of(property_class: str) -> list[tuple[int, int]]:
    runs = regex.finditer(f"{property_class}+", _EVERY_CHARACTER)
    return [(ord(run.group()[0]), ord(run.group()[-1])) for run in runs]


def _char(code: int) -> str:
    return f"\\u{code:04x}" if code <= 0xFFFF else chr(code)


def _class(ranges: Iterable[tuple[int, int]]) -> str:
    """Ranges written to go inside ``[...]``."""
    return "".join(
        _char(low) if low == high else f"{_char(low)}-{_char(high)}" for low, high in ranges
    )


_SPACE = _class(_ranges_where(str.isspace))
_CONTROL = _class(_ranges_where(characters.is_control))
_SPACE_OR_CONTROL = _class(_ranges_where(characters.is_space_or_control))
_INVISIBLE = _class(_ranges_of(characters.INVISIBLE_CLASS))
_BIDI = _class(_ranges_of(characters.BIDI_CONTROL_CLASS))
_EMOJI = f"[{_class(_ranges_of(characters.EMOJI_CLASS))}]"

USERNAME = (
    f"^(?:[^{_SPACE_OR_CONTROL}{_INVISIBLE}]|{_EMOJI}\\ufe0f|{_EMOJI}\\ufe0f?\\u200d(?={_EMOJI}))+$"
)
"""No whitespace, control or invisible character, but for U+FE0F after an emoji
and U+200D between two."""

_NOT_ONLY_INVISIBLE = f"(?![{_SPACE_OR_CONTROL}{_INVISIBLE}]*$)"

CHAT_NAME = (
    f"^{_NOT_ONLY_INVISIBLE}[^{_SPACE_OR_CONTROL}{_BIDI}]"
    f"(?:[^{_CONTROL}{_BIDI}]*[^{_SPACE_OR_CONTROL}{_BIDI}])?$"
)
"""No control character or bidirectional control; neither starts nor ends with
whitespace; not only invisible characters."""

CLIENT_MSG_ID = f"^[^{_CONTROL}]+$"
"""No control character."""

TEXT = f"^{_NOT_ONLY_INVISIBLE}[^\\u0000]+$"
"""At least one visible character, and no U+0000."""
