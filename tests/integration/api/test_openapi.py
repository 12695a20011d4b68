"""/openapi.json is a valid OpenAPI 3.1 document, and true to what the server sends."""

from __future__ import annotations

import json
from typing import Any

import pytest
from httpx2 import Response
from openapi_schema_validator import OAS31Validator, oas31_format_checker
from openapi_spec_validator import validate as validate_spec
from starlette.testclient import TestClient

from entrypoints.http.methods import METHODS
from entrypoints.http.problems import ALL_ERRORS
from tests.integration.api.calls import add_chat, add_message, add_user
from tests.integration.api.conftest import MAX_BODY_BYTES

NOBODY = "0193a5c4-6b2e-7cf1-9d4e-3a1f2b7c8d90"


@pytest.fixture
def document(client: TestClient) -> dict[str, Any]:
    answer = client.get("/openapi.json")
    assert answer.status_code == 200
    assert answer.headers["content-type"] == "application/json"
    body = answer.json()
    assert isinstance(body, dict)
    return body


def _pointer(*parts: str) -> str:
    return "#/" + "/".join(p.replace("~", "~0").replace("/", "~1") for p in parts)


def _assert_documented(document: dict[str, Any], answer: Response) -> None:
    """The answer's status, headers and body are what the document promises."""
    method, path = answer.request.method.lower(), answer.request.url.path
    status = str(answer.status_code)
    operation = document["paths"].get(path, {}).get(method)
    if operation is None:  # an unknown path or a wrong method
        name = {"404": "NotFound", "405": "MethodNotAllowed"}[status]
        where: tuple[str, ...] = ("components", "responses", name)
    else:
        assert status in operation["responses"], f"{method} {path} {status} is undocumented"
        where = ("paths", path, method, "responses", status)
    response = document
    for part in where:
        response = response[part]
    for header, described in response["headers"].items():
        if described.get("required", True):
            assert header.lower() in answer.headers, f"{header} missing: {method} {path} {status}"
    media = answer.headers["content-type"]
    schema = {**document, "$ref": _pointer(*where, "content", media, "schema")}
    OAS31Validator(schema, format_checker=oas31_format_checker).validate(answer.json())


def test_the_document_is_valid_openapi_3_1(document: dict[str, Any]) -> None:
    validate_spec(document)
    assert document["openapi"].startswith("3.1")


def test_the_document_lists_every_method_and_every_error_code(document: dict[str, Any]) -> None:
    operator = {"/health/live", "/health/ready", "/openapi.json"}
    assert {m.path for m in METHODS} | {"/events"} | operator == set(document["paths"])
    text = json.dumps(document)
    for error in ALL_ERRORS:
        assert f'"{error.code}"' in text, error.code


def test_real_answers_match_the_document(client: TestClient, document: dict[str, Any]) -> None:
    alice, bob = add_user(client, "alice"), add_user(client, "bob")
    chat = add_chat(client, "chat_1", [alice, bob])
    add_message(client, chat, alice, "hi")
    add_chat(client, "idle", [bob])
    calls: list[tuple[str, str, object]] = [
        ("POST", "/users/add", {"username": "carol"}),
        ("POST", "/users/add", {"username": "ALICE"}),
        ("POST", "/users/add", {"username": ""}),
        ("POST", "/users/add", {}),
        ("POST", "/users/add", {"username": "x", "more": 1}),
        ("POST", "/users/add", [1]),
        ("POST", "/chats/add", {"name": "chat_2", "users": [alice]}),
        ("POST", "/chats/add", {"name": "chat_3", "users": [alice, alice]}),
        ("POST", "/chats/add", {"name": "chat_3", "users": [alice, NOBODY]}),
        ("POST", "/chats/add", {"name": "CHAT_1", "users": [alice]}),
        ("POST", "/messages/add", {"chat": chat, "author": bob, "text": "yo"}),
        ("POST", "/messages/add", {"chat": NOBODY, "author": bob, "text": "yo"}),
        ("POST", "/messages/get", {"chat": chat}),
        ("POST", "/messages/get", {"chat": NOBODY}),
        ("POST", "/chats/get", {"user": bob}),
        ("POST", "/chats/get", {"user": NOBODY}),
        ("GET", "/health/live", None),
        ("GET", "/health/ready", None),
        ("GET", "/users/add", None),
        ("POST", "/nowhere", {}),
    ]
    outsider = add_user(client, "outsider")
    calls.append(("POST", "/messages/add", {"chat": chat, "author": outsider, "text": "hi"}))
    message = add_message(client, chat, alice, "again")
    calls += [
        ("POST", "/messages/get", {"chat": chat, "limit": 1}),
        ("POST", "/messages/get", {"chat": chat, "before": message}),
        ("POST", "/messages/get", {"chat": chat, "after": NOBODY, "limit": 2}),
        ("POST", "/messages/get", {"chat": chat, "limit": 0}),
        ("POST", "/chats/get", {"user": bob, "limit": 1}),
        ("POST", "/chats/get", {"user": bob, "after": "nothing"}),
        ("POST", "/users/get", {"user": alice}),
        ("POST", "/users/get", {"username": "BOB"}),
        ("POST", "/users/get", {"users": [bob, alice]}),
        ("POST", "/users/get", {"users": [bob, NOBODY]}),
        ("POST", "/users/get", {}),
    ]
    seen = set()
    for method, path, body in calls:
        answer = client.request(method, path, json=body)
        _assert_documented(document, answer)
        seen.add(answer.status_code)
    answer = client.post("/users/add", content=b"{not json")
    _assert_documented(document, answer)
    answer = client.post("/users/add", content=b" " * (MAX_BODY_BYTES + 1))
    _assert_documented(document, answer)
    assert seen | {answer.status_code} >= {200, 201, 400, 403, 404, 405, 409, 413}
