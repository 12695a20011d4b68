"""The OpenAPI document's answers: a JSON success, and the problems each status carries."""

from __future__ import annotations

from collections.abc import Iterable

from chat_domain.errors import ChatError, Invalid, Unavailable
from entrypoints.http.problems import (
    BodyTooLarge,
    Internal,
    InvalidBody,
    InvalidHost,
    InvalidJson,
    MissingField,
    UnknownField,
    status_of,
)
from entrypoints.http.schemas import INTEGER, STRING

# Every API method may answer these, whatever its fields.
COMMON_ERRORS: tuple[type[ChatError], ...] = (
    InvalidJson,
    InvalidBody,
    MissingField,
    UnknownField,
    Invalid,
    InvalidHost,
    BodyTooLarge,
    Unavailable,
    Internal,
)

_REQUEST_ID = {"X-Request-ID": {"$ref": "#/components/headers/X-Request-ID"}}


def json_response(
    schema: object, description: str, media: str = "application/json"
) -> dict[str, object]:
    return {
        "description": description,
        "headers": dict(_REQUEST_ID),
        "content": {media: {"schema": schema}},
    }


def header(description: str, schema: object) -> dict[str, object]:
    return {"description": description, "schema": schema}


def error_responses(errors: Iterable[type[ChatError]]) -> dict[str, dict[str, object]]:
    """One response per status, its ``code`` limited to the codes that status carries."""
    by_status: dict[int, list[type[ChatError]]] = {}
    for error in errors:
        by_status.setdefault(status_of(error), []).append(error)
    responses: dict[str, dict[str, object]] = {}
    for status, group in sorted(by_status.items()):
        codes = list(dict.fromkeys(e.code for e in group))
        schema = {
            "allOf": [
                {"$ref": "#/components/schemas/Problem"},
                {"properties": {"code": {"enum": codes}}},
            ]
        }
        described = "; ".join(f"`{e.code}`: {e.title}" for e in group)
        response = json_response(schema, described, "application/problem+json")
        headers = response["headers"]
        assert isinstance(headers, dict)
        if status == 503:
            headers["Retry-After"] = header("Seconds to wait before retrying.", INTEGER)
        if status == 405:
            headers["Allow"] = header("The methods the path takes.", STRING)
        responses[str(status)] = response
    return responses
