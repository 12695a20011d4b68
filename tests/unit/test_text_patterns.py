"""The OpenAPI document's patterns allow exactly what the domain's rules allow."""

from __future__ import annotations

from collections.abc import Callable

import jsonschema_rs
import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from chat_domain import rules
from chat_domain.errors import Invalid
from entrypoints.http import text_patterns

# Whitespace and control characters, where the rules and ECMA's \s disagree most.
_TRICKY = st.sampled_from(
    "\x00\t\n\x0b\x1c\x1f \x7f\x85\xa0\u1680\u2000\u2028\u3000\ufeffa"
    "\u200b\u200d\ufe0f\u202e\u2066\u3164\u00ad1#\u2764\U0001f468\U0001f3fd\U000e0067"
)
_VALUES = st.text(_TRICKY, max_size=6) | st.text(max_size=20)


def _accepted(clean: Callable[[object], str], value: str) -> bool:
    try:
        clean(value)
    except Invalid:
        return False
    return True


@pytest.mark.parametrize(
    ("pattern", "clean"),
    [
        (text_patterns.USERNAME, rules.clean_username),
        (text_patterns.CHAT_NAME, rules.clean_chat_name),
        (text_patterns.TEXT, rules.clean_text),
    ],
    ids=["username", "chat name", "text"],
)
@given(value=_VALUES)
@example(value="ab\n")
@example(value=" a")
@example(value="a ")
@example(value="\ufeff")
@example(value="\U0001f468\u200d\U0001f469\u200d\U0001f467")
@example(value="\u2764\ufe0f")
@example(value="\U0001f3f3\ufe0f\u200d\U0001f308")
@example(value="a\u200bb")
@example(value="\u200b")
def test_a_pattern_allows_what_the_rule_allows(
    pattern: str, clean: Callable[[object], str], value: str
) -> None:
    schema = {"type": "string", "minLength": 1, "pattern": pattern}
    assert jsonschema_rs.validator_for(schema).is_valid(value) == _accepted(clean, value)
