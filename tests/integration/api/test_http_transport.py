"""The contract's transport rules that hold for every answer: exact paths, and headers."""

from __future__ import annotations

import pytest
from starlette.testclient import TestClient

from tests.integration.api.calls import add_user, problem


@pytest.mark.parametrize("path", ["/users%2fadd", "/users%2Fadd", "/users/%61dd", "/%75sers/add"])
def test_an_escaped_path_is_not_the_route_it_decodes_to(client: TestClient, path: str) -> None:
    answer = client.post(path, json={"username": "sneaky"})
    problem(answer, 404, "not_found")
    looked_up = client.post("/users/get", json={"username": "sneaky"})
    problem(looked_up, 404, "user_not_found")  # nothing was created


def test_every_answer_says_nosniff_and_api_answers_are_not_stored(client: TestClient) -> None:
    alice = add_user(client, "alice")
    answers = [
        client.post("/users/add", json={"username": "bob"}),
        client.post("/chats/get", json={"user": alice}),
        client.post("/users/add", json={}),
        client.post("/nowhere", json={}),
        client.get("/users/add"),
        client.post("/users/add", content=b"x" * (2 * 1024 * 1024)),
        client.get("/health/live"),
        client.get("/health/ready"),
    ]
    for answer in answers:
        assert answer.headers["x-content-type-options"] == "nosniff", answer
        assert answer.headers["cache-control"] == "no-store", answer
    document = client.get("/openapi.json")
    assert document.headers["x-content-type-options"] == "nosniff"
    assert "cache-control" not in document.headers
