"""The OpenAPI 3.1 document, generated from the method table and the error list.

Nothing here is written twice: fields come from ``methods.METHODS``, error
codes, titles and statuses from ``problems``, answers' shapes from
``schemas``, so the document says what the server does. A test validates it
and checks live answers against it.
"""

from __future__ import annotations

from chat_domain.errors import ChatError, Invalid, NotFound, Unavailable, UserNotFound
from entrypoints.http.links import LINKS
from entrypoints.http.methods import METHODS, REPLAYED, Method
from entrypoints.http.problems import Internal, InvalidHost, MethodNotAllowed, MissingField
from entrypoints.http.responses import COMMON_ERRORS, error_responses, header, json_response
from entrypoints.http.schemas import SCHEMAS, STRING, closed_object, ref


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
    success = json_response(results[0] if len(results) == 1 else {"oneOf": results}, "Success.")
    if method.path in LINKS:
        success["links"] = LINKS[method.path]
    if method.sends:
        headers = success["headers"]
        assert isinstance(headers, dict)
        headers[REPLAYED] = {
            **header(
                "`true` when this send repeats an earlier one with the same `client_msg_id`"
                " and text: the answer is the original message's, and nothing new was stored.",
                {"type": "string", "enum": ["true"]},
            ),
            "required": False,
        }
    responses = {str(method.status): success}
    responses.update(error_responses(COMMON_ERRORS + method.errors))
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
            "responses": {"200": json_response(status, "Success."), **error_responses(errors)},
        }
    }


def _components() -> dict[str, object]:
    return {
        "schemas": SCHEMAS,
        "headers": {
            "X-Request-ID": header(
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
            "NotFound": error_responses([NotFound])["404"],
            "MethodNotAllowed": error_responses([MethodNotAllowed])["405"],
        },
    }


def _events() -> dict[str, object]:
    def parameter(name: str, where: str, description: str) -> dict[str, object]:
        schema = ref("Id") if name == "user" else {"type": "string"}
        required = name == "user"
        return {
            "name": name,
            "in": where,
            "required": required,
            "description": description,
            "schema": schema,
        }

    stream: dict[str, object] = {
        "description": (
            "An open stream of server-sent events: `retry: 2000` first, then `message`"
            " events (data: a Message) and `chat` events (data: a Chat), each with an `id`"
            ' to resume from, and `reset` (data: `{"reason": ...}`) when more than 1,000'
            " events were missed; a comment line at least every 15 seconds."
        ),
        "headers": {"X-Request-ID": {"$ref": "#/components/headers/X-Request-ID"}},
        "content": {"text/event-stream": {"schema": {"type": "string"}}},
    }
    errors = (MissingField, Invalid, InvalidHost, UserNotFound, Unavailable, Internal)
    return {
        "get": {
            "operationId": "events",
            "summary": "A user's live stream: new messages in their chats, and new chats",
            "parameters": [
                parameter("user", "query", "The user whose stream it is."),
                parameter("after", "query", "Start after this event id (see Last-Event-ID)."),
                parameter(
                    "Last-Event-ID",
                    "header",
                    "The last event id the client saw; wins over `after`. Browsers send it"
                    " by themselves when they reconnect.",
                ),
                {"$ref": "#/components/parameters/X-Request-ID"},
            ],
            "responses": {"200": stream} | error_responses(errors),
        }
    }


def openapi_document() -> dict[str, object]:
    paths: dict[str, object] = {m.path: _operation(m) for m in METHODS}
    paths["/events"] = _events()
    paths["/health/live"] = _operator("The process serves", "live")
    paths["/health/ready"] = _operator(
        "The database answers and its schema is current", "ready", (Unavailable,)
    )
    paths["/openapi.json"] = {
        "get": {
            "operationId": "openapi",
            "summary": "This document",
            "responses": {"200": json_response({"type": "object"}, "An OpenAPI 3.1 document.")},
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
