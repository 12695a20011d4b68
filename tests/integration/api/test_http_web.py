"""The web client's files: served from the package, public, under a strict policy."""

from __future__ import annotations

import pytest
from starlette.testclient import TestClient

from entrypoints.http.web import CONTENT_SECURITY_POLICY, FILES


@pytest.mark.parametrize("path", sorted(FILES))
def test_each_file_is_served_public_under_the_policy(client: TestClient, path: str) -> None:
    answer = client.get(path)
    assert answer.status_code == 200
    assert answer.headers["content-type"] == FILES[path][1]
    assert answer.headers["content-security-policy"] == CONTENT_SECURITY_POLICY
    assert answer.headers["x-content-type-options"] == "nosniff"
    # Public files, revalidated on each load: not the API's no-store.
    assert answer.headers.get_list("cache-control") == ["no-cache"]
    assert answer.content


def test_the_page_loads_only_its_own_script_and_stylesheet(client: TestClient) -> None:
    page = client.get("/").text
    assert '<script type="module" src="/web/app.js"></script>' in page
    assert '<link rel="stylesheet" href="/web/style.css">' in page
    assert "http://" not in page
    assert "https://" not in page
    assert "<script>" not in page  # no inline script: the policy would refuse it


def test_other_methods_and_paths_are_refused_as_problems(client: TestClient) -> None:
    assert client.post("/", json={}).json()["code"] == "method_not_allowed"
    assert client.get("/web/other.js").json()["code"] == "not_found"
    assert client.get("/index.html").json()["code"] == "not_found"
