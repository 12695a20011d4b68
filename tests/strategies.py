"""Shared Hypothesis strategies for names, texts and arbitrary inputs."""

from __future__ import annotations

import string

from hypothesis import strategies as st

from chat_domain.characters import is_invisible, is_visible

# Characters a valid username may hold: no whitespace, no controls, no
# invisible ones, no surrogates. Kept to a few blocks so shrinking stays readable.
_name_alphabet = st.characters(
    categories=["Lu", "Ll", "Lt", "Lm", "Lo", "Nd", "Pc", "Pd", "Sm", "So", "Mn"],
).filter(lambda ch: not is_invisible(ch))

usernames = st.text(_name_alphabet, min_size=1, max_size=20)
chat_names = st.text(_name_alphabet, min_size=1, max_size=20)
texts = st.text(min_size=1, max_size=50).filter(
    lambda t: any(is_visible(ch) for ch in t) and "\x00" not in t
)

ascii_names = st.text(string.ascii_letters + string.digits + "_", min_size=1, max_size=12)

# Anything a JSON body could carry, plus Python values a direct caller might pass.
json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(), inner, max_size=4),
    max_leaves=10,
)
anything = json_values | st.from_type(object) | st.binary() | st.text(st.characters())
