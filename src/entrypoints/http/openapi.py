"""The OpenAPI 3.1 document, generated from the method table and the error list.

Nothing here is written twice: fields come from ``methods.METHODS``, error
codes, titles and statuses from ``problems``, answers' shapes from
``schemas``, so the document says what the server does. A test validates it
and checks live answers against it.
"""

from __future__ import annotations

from collections.abc import Iterable

from chat_domain.errors import ChatError, Invalid, NotFound, Unavailable
from entrypoints.http.links import LINKS
from entrypoints.http.methods import METHODS, REPLAYED, Method
from entrypoints.http.problems import (
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
from entrypoints.http.schemas import INTEGER, SCHEMAS, STRING, closed_object, ref

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
            headers["Retry-After"] = _header("Seconds to wait before retrying.", INTEGER)
        if status == 405:
            headers["Allow"] = _header("The methods the path takes.", STRING)
        responses[str(status)] = response
    return responses


def _body(method: Method) -> dict[str, object]:
    if method.one_of:  # exactly one of the fields
        shapes = [closed_object({f.name: dict(f.schema)}) for f in method.fields]
        for shape, field in zip(shapes, method.fields, strict=True):
            shape["example"] = {field.name: field.example}
        return {"oneOf": shapes}
    optional = [f.name for f in method.fields if not f.required]
    body = closed_object({f.name: dict(f.schema) for f in method.fields}, *optional)
    body["example"] = {f.name: f.example for f in method.fields if f.required}
    return body


def _operation(method: Method) -> dict[str, object]:
    body = _body(method)
    results = [ref(name) for name in method.result]
    success = _json(results[0] if len(results) == 1 else {"oneOf": results}, "Success.")
    if method.path in LINKS:
        success["links"] = LINKS[method.path]
    if method.sends:
        headers = success["headers"]
        assert isinstance(headers, dict)
        headers[REPLAYED] = {
            **_header(
                "`true` when this send repeats an earlier one with the same `client_msg_id`"
                " and text: the answer is the original message's, and nothing new was stored.",
                {"type": "string", "enum": ["true"]},
            ),
            "required": False,
        }
    responses = {str(method.status): success}
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
    status = closed_object({"status": {"const": answer}})
    status["example"] = {"status": answer}
    return {
        "get": {
            "operationId": "health_" + answer,
            "summary": summary,
            "responses": {"200": _json(status, "Success."), **_errors(errors)},
        }
    }


def _components() -> dict[str, object]:
    return {
        "schemas": SCHEMAS,
        "headers": {
            "X-Request-ID": _header(
                "The request's id: the client's own, or one made for it.", STRING
            )
        },
        "parameters": {
            "X-Request-ID": {
                "name": "X-Request-ID",
                "in": "header",
                "required": False,
                "description": (
                    "An id to trace the request by: 1 to 128 visible ASCII characters."
                    " Any other value is not refused but replaced by one the server makes."
                ),
                # Not a pattern: a client is never refused for its request id.
                "schema": {"type": "string"},
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
