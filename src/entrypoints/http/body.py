"""Parsing a request body as strict JSON (reading it is ``answers.read_body``).

Parsing refuses everything
that is not plain interoperable JSON (RFC 8259 as I-JSON, RFC 7493, means it):
invalid UTF-8, NaN and Infinity, numbers no JSON peer could hold, duplicate
keys and nesting deep enough to exhaust the parser.
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping

from chat_domain.errors import Invalid
from entrypoints.http.methods import Method
from entrypoints.http.problems import (
    InvalidBody,
    InvalidJson,
    MissingField,
    UnknownField,
)

# The longest number literal accepted: far past any float64 or int64, far
# short of what makes int() slow or hits Python's digit limit.
MAX_NUMBER_CHARS = 100


def _refuse_constant(name: str) -> object:
    raise InvalidJson(f"{name} is not a JSON number")


def _bounded_int(text: str) -> int:
    if len(text) > MAX_NUMBER_CHARS:
        raise InvalidJson(f"a number of {len(text)} digits is too large")
    return int(text)


def _finite_float(text: str) -> float:
    value = float(text) if len(text) <= MAX_NUMBER_CHARS else math.inf
    if not math.isfinite(value):
        raise InvalidJson(f"the number {text[:20]}... is too long or too large")
    return value


_KINDS = {list: "an array", str: "a string", int: "a number", float: "a number", bool: "a boolean"}


def _unique_keys(pairs: list[tuple[str, object]]) -> dict[str, object]:
    result = dict(pairs)
    if len(result) != len(pairs):
        seen: set[str] = set()
        for key, _ in pairs:
            if key in seen:
                raise InvalidJson(f"the key {key!r} appears twice in one object")
            seen.add(key)
    return result


_decoder = json.JSONDecoder(
    parse_constant=_refuse_constant,
    parse_int=_bounded_int,
    parse_float=_finite_float,
    object_pairs_hook=_unique_keys,
)


def parse_json(raw: bytes) -> object:
    if not raw:
        raise InvalidJson("the body is empty; send a JSON object")
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as error:
        raise InvalidJson(f"the body is not valid UTF-8 (at byte {error.start})") from None
    try:
        return _decoder.decode(text)
    except json.JSONDecodeError as error:
        raise InvalidJson(f"the body is not valid JSON: {error}") from None
    except RecursionError:
        raise InvalidJson("the body is nested too deeply") from None


def parse_request(raw: bytes, method: Method) -> Mapping[str, object]:
    """The body as a JSON object holding the method's required fields, and no others."""
    body = parse_json(raw)
    if not isinstance(body, dict):
        kind = _KINDS.get(type(body), "null")
        raise InvalidBody(f"the body must be a JSON object, not {kind}")
    allowed = tuple(f.name for f in method.fields)
    for key in body:
        if key not in method.names:
            raise UnknownField(key, allowed)
    if method.one_of:
        given = [name for name in body if name in method.names]
        if not given:
            names = ", ".join(repr(name) for name in allowed)
            raise MissingField(None, detail=f"the body needs one of the fields {names}")
        if len(given) > 1:
            raise Invalid(
                f"give one of the fields {given[0]!r} and {given[1]!r}, not both",
                field=given[1],
            )
        return body
    for field in method.fields:
        if field.required and field.name not in body:
            raise MissingField(field.name)
    return body
