"""The OpenAPI 3.1 document, generated from the method table and the error list.

Nothing here is written twice: fields come from ``methods.METHODS``, error
codes, titles and statuses from ``problems``, so the document says what the
server does. A test validates it and checks live answers against it.
"""

from __future__ import annotations

from collections.abc import Iterable

from chat_domain.errors import ChatError, Invalid, NotFound, Unavailable
from entrypoints.methods import METHODS, Method
from entrypoints.problems import (
    ALL_ERRORS,
    BodyTooLarge,
    Internal,
    InvalidBody,
    InvalidHost,
    InvalidJson,
    MethodNotAllowed,
    MissingField,
    UnknownField,
    status_of,
)

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

ID_PATTERN = "^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$"
TIME_PATTERN = r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{6}Z$"
_ID = {"$ref": "#/components/schemas/Id"}
_TIME = {"$ref": "#/components/schemas/Time"}
_INTEGER = {"type": "integer"}
_STRING = {"type": "string"}
_REQUEST_ID = {"X-Request-ID": {"$ref": "#/components/headers/X-Request-ID"}}


def _object(
    properties: dict[str, object], *optional: str, closed: bool = True
) -> dict[str, object]:
    return {
        "type": "object",
        "properties": properties,
        "required": [name for name in properties if name not in optional],
        "additionalProperties": not closed,
    }


def _json(schema: object, description: str, media: str = "application/json") -> dict[str, object]:
    return {
        "description": description,
        "headers": dict(_REQUEST_ID),
        "content": {media: {"schema": schema}},
    }


def _header(description: str, schema: object) -> dict[str, object]:
    return {"description": description, "schema": schema}


def _errors(errors: Iterable[type[ChatError]]) -> dict[str, dict[str, object]]:
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
        response = _json(schema, described, "application/problem+json")
        headers = response["headers"]
        assert isinstance(headers, dict)
        if status == 503:
            headers["Retry-After"] = _header(
                "Seconds to wait before retrying.", {"type": "integer"}
            )
        if status == 405:
            headers["Allow"] = _header("The methods the path takes.", {"type": "string"})
        responses[str(status)] = response
    return responses


def _operation(method: Method) -> dict[str, object]:
    body = _object({f.name: dict(f.schema) for f in method.fields})
    body["example"] = {f.name: f.example for f in method.fields}
    result = {"$ref": f"#/components/schemas/{method.result}"}
    responses = {str(method.status): _json(result, "Success.")}
    responses.update(_errors(COMMON_ERRORS + method.errors))
    operation: dict[str, object] = {
        "operationId": method.path.strip("/").replace("/", "_"),
        "summary": method.summary,
        "parameters": [{"$ref": "#/components/parameters/X-Request-ID"}],
        "requestBody": {"required": True, "content": {"application/json": {"schema": body}}},
        "responses": responses,
    }
    return {"post": operation}


def _operator(summary: str, answer: str, errors: tuple[type[ChatError], ...] = ()) -> object:
    status = _object({"status": {"const": answer}})
    status["example"] = {"status": answer}
    return {
        "get": {
            "operationId": "health_" + answer,
            "summary": summary,
            "responses": {"200": _json(status, "Success."), **_errors(errors)},
        }
    }


def _components() -> dict[str, object]:
    codes = list(dict.fromkeys(e.code for e in ALL_ERRORS))
    problem = _object(
        {
            "status": {"type": "integer"},
            "title": {"type": "string"},
            "code": {"type": "string", "enum": codes},
            "detail": {"type": "string"},
            "field": {"type": ["string", "null"], "description": "The field at fault, if one is."},
            "user_ids": {"type": "array", "items": _ID, "description": "For `user_not_found`."},
        },
        "user_ids",
        closed=False,
    )
    problem["description"] = "An RFC 9457 problem; `code` is stable, `detail` is for people."
    return {
        "schemas": {
            "Id": {"type": "string", "pattern": ID_PATTERN, "description": "A UUIDv7."},
            "Time": {"type": "string", "format": "date-time", "pattern": TIME_PATTERN},
            "Created": _object({"id": _ID}),
            "Chat": _object(
                {
                    "id": _ID,
                    "name": {"type": "string"},
                    "users": {"type": "array", "items": _ID},
                    "created_at": _TIME,
                    "last_message_at": {"anyOf": [_TIME, {"type": "null"}]},
                }
            ),
            "Message": _object(
                {
                    "id": _ID,
                    "chat": _ID,
                    "author": _ID,
                    "text": {"type": "string"},
                    "created_at": _TIME,
                }
            ),
            "ChatList": {"type": "array", "items": {"$ref": "#/components/schemas/Chat"}},
            "MessageList": {"type": "array", "items": {"$ref": "#/components/schemas/Message"}},
            "Problem": problem,
        },
        "headers": {
            "X-Request-ID": {
                "description": "The request's id: the client's own, or one made for it.",
                "schema": {"type": "string"},
            }
        },
        "parameters": {
            "X-Request-ID": {
                "name": "X-Request-ID",
                "in": "header",
                "required": False,
                "description": "An id to trace the request by: 1 to 128 visible ASCII characters.",
                "schema": {"type": "string", "pattern": "^[!-~]{1,128}$"},
            }
        },
        "responses": {
            "NotFound": _errors([NotFound])["404"],
            "MethodNotAllowed": _errors([MethodNotAllowed])["405"],
        },
    }


def openapi_document() -> dict[str, object]:
    paths: dict[str, object] = {m.path: _operation(m) for m in METHODS}
    paths["/health/live"] = _operator("The process serves", "live")
    paths["/health/ready"] = _operator(
        "The database answers and its schema is current", "ready", (Unavailable,)
    )
    paths["/openapi.json"] = {
        "get": {
            "operationId": "openapi",
            "summary": "This document",
            "responses": {"200": _json({"type": "object"}, "An OpenAPI 3.1 document.")},
        }
    }
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "Chat service",
            "version": "1.0.0",
            "description": (
                "Users, chats and messages. Every API method is POST with a JSON object body."
                " Any path not listed answers 404 `not_found`; a listed path called with"
                " another HTTP method answers 405 `method_not_allowed` with an `Allow` header."
            ),
        },
        "paths": paths,
        "components": _components(),
    }
