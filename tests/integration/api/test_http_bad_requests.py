"""Requests refused before any use case runs: bad JSON, wrong shape, size, path, method.

One case per way of breaking the contract's ``invalid_json``, ``invalid_body``,
``not_found``, ``method_not_allowed`` and ``body_too_large`` rows.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from starlette.testclient import TestClient

from tests.integration.api.calls import problem
from tests.integration.api.conftest import MAX_BODY_BYTES


@pytest.mark.parametrize(
    ("raw", "code"),
    [
        pytest.param(b"", "invalid_json", id="invalid_json-empty"),
        pytest.param(b'{"username": "a"', "invalid_json", id="invalid_json-truncated"),
        pytest.param(b"username=a", "invalid_json", id="invalid_json-form"),
        pytest.param(b"[" * 30_000 + b"]" * 30_000, "invalid_json", id="invalid_json-deep"),
        pytest.param(
            b'{"a":' * 10_000 + b"1" + b"}" * 10_000, "invalid_json", id="invalid_json-deep-obj"
        ),
        pytest.param(
            b'{"username": 1' + b"0" * 5000 + b"}", "invalid_json", id="invalid_json-huge-int"
        ),
        pytest.param(b'{"username": 1e999}', "invalid_json", id="invalid_json-huge-float"),
        pytest.param(b'{"username": NaN}', "invalid_json", id="invalid_json-nan"),
        pytest.param(b'{"username": -Infinity}', "invalid_json", id="invalid_json-infinity"),
        pytest.param(b'{"username": "\xff"}', "invalid_json", id="invalid_json-bad-utf8"),
        pytest.param(
            b'{"username": "\xed\xa0\x80"}', "invalid_json", id="invalid_json-utf8-surrogate"
        ),
        pytest.param(b'{"username": "a\x00"}', "invalid_json", id="invalid_json-raw-nul"),
        pytest.param(
            b'{"username": "a", "username": "b"}', "invalid_json", id="invalid_json-dup-key"
        ),
        pytest.param(b"\xef\xbb\xbf{}", "invalid_json", id="invalid_json-bom"),
        pytest.param(b"[]", "invalid_body", id="invalid_body-array"),
        pytest.param(b'"alice"', "invalid_body", id="invalid_body-string"),
        pytest.param(b"null", "invalid_body", id="invalid_body-null"),
        pytest.param(b"42", "invalid_body", id="invalid_body-number"),
    ],
)
def test_bad_body(client: TestClient, raw: bytes, code: str) -> None:
    body = problem(client.post("/users/add", content=raw), 400, code)
    assert body["field"] is None


@pytest.mark.parametrize(
    ("method", "path"),
    [("POST", "/nope"), ("GET", "/web/"), ("POST", "/users/add/"), ("POST", "/users")],
)
def test_not_found_for_unknown_paths(client: TestClient, method: str, path: str) -> None:
    body = problem(client.request(method, path, json={}), 404, "not_found")
    assert path in body["detail"]


@pytest.mark.parametrize(
    ("method", "path", "allow"),
    [
        ("GET", "/users/add", "POST"),
        ("PUT", "/messages/get", "POST"),
        ("POST", "/health/live", "GET, HEAD"),
        ("DELETE", "/openapi.json", "GET, HEAD"),
    ],
)
def test_method_not_allowed_names_the_allowed_methods(
    client: TestClient, method: str, path: str, allow: str
) -> None:
    answer = client.request(method, path)
    problem(answer, 405, "method_not_allowed")
    assert answer.headers["allow"] == allow


# The test client buffers what it sends; test_live_server.py shows over a real
# socket that the server stops reading at the limit.
def test_body_too_large_by_content_length(client: TestClient) -> None:
    answer = client.post("/users/add", content=b" " * (MAX_BODY_BYTES + 1))
    body = problem(answer, 413, "body_too_large")
    assert str(MAX_BODY_BYTES) in body["detail"]


def test_body_too_large_streamed_without_length(client: TestClient) -> None:
    def body() -> Iterator[bytes]:
        for _ in range(100):
            yield b" " * 8192

    problem(client.post("/users/add", content=body()), 413, "body_too_large")


def test_body_just_at_the_limit_is_read(client: TestClient) -> None:
    raw = b'{"username": "edge"}'
    answer = client.post("/users/add", content=raw + b" " * (MAX_BODY_BYTES - len(raw)))
    assert answer.status_code == 201
