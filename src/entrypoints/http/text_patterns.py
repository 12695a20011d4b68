"""JSON Schema patterns for the contract's character rules, for the OpenAPI document.

A client (or a fuzzer) that trusts the document must not be refused for a
value the document allows. The classes are computed from the same
predicates ``chat_domain.rules`` applies (``str.isspace`` and the Unicode
category ``Cc``) rather than typed out, since ECMA's ``\\s`` is not Python's.
Patterns use only what ECMA-262 and Python's ``re`` read alike.
"""

from __future__ import annotations

from collections.abc import Callable

from chat_domain import rules

# Every whitespace and control character lies below U+3001.
_LIMIT = 0x3001


def _char_class(member: Callable[[str], bool]) -> str:
    """The members as ``\\uXXXX`` ranges, ready to go inside ``[...]``."""
    ranges: list[tuple[int, int]] = []
    for code in range(_LIMIT):
        if not member(chr(code)):
            continue
        if ranges and ranges[-1][1] == code - 1:
            ranges[-1] = (ranges[-1][0], code)
        else:
            ranges.append((code, code))
    return "".join(
        f"\\u{low:04x}" if low == high else f"\\u{low:04x}-\\u{high:04x}" for low, high in ranges
    )


_SPACE = _char_class(str.isspace)
_CONTROL = _char_class(rules.is_control)
_SPACE_OR_CONTROL = _char_class(rules.is_space_or_control)

USERNAME = f"^[^{_SPACE_OR_CONTROL}]+$"
"""No whitespace and no control character anywhere."""

CHAT_NAME = f"^[^{_SPACE_OR_CONTROL}](?:[^{_CONTROL}]*[^{_SPACE_OR_CONTROL}])?$"
"""No control character; neither starts nor ends with whitespace."""

CLIENT_MSG_ID = f"^[^{_CONTROL}]+$"
"""No control character."""

TEXT = f"^[{_SPACE}]*[^\\u0000{_SPACE}][^\\u0000]*$"
"""At least one character that is not whitespace, and no U+0000."""
