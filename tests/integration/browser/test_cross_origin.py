"""A web page on another origin calls the API and opens the stream, when CORS_ORIGINS lets it."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

from tests.integration.api.calls import add_user
from tests.integration.browser.conftest import NewPage
from tests.integration.live.server import migrate, start_server


class _AnotherSite(BaseHTTPRequestHandler):
    def do_GET(self) -> None:
        body = b"<!doctype html><title>another site</title><p>a page elsewhere"
        self.send_response(200)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: object) -> None:
        pass


@pytest.fixture
def other_origin() -> Iterator[str]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), _AnotherSite)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05})
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        thread.join()
        server.server_close()


# Runs in the other site's page: what a front-end engineer's code would do.
CALLS = """async ([api, user]) => {
  const post = (path, body) => fetch(api + path, {
    method: "POST",
    headers: {"Content-Type": "application/json", "X-Request-ID": "from-another-site"},
    body: JSON.stringify(body),
  });
  const out = {};
  try {
    const made = await post("/chats/add", {name: "across", users: [user]});
    out.status = made.status;
    out.requestId = made.headers.get("X-Request-ID");
    out.chat = (await made.json()).id;
  } catch (error) {
    out.fetchError = String(error);
  }
  const send = {chat: out.chat, author: user, text: "hello from elsewhere", client_msg_id: "k1"};
  out.event = await new Promise((resolve) => {
    const source = new EventSource(`${api}/events?user=${user}`);
    source.onopen = async () => { await post("/messages/add", send); };
    source.addEventListener("message", (event) => {
      source.close();
      resolve(JSON.parse(event.data));
    });
    source.onerror = () => { source.close(); resolve("refused"); };
    setTimeout(() => resolve("timed out"), 10000);
  });
  if (out.chat) {
    out.replayed = (await post("/messages/add", send)).headers.get("Idempotent-Replayed");
  }
  return out;
}"""


def _run_elsewhere(
    new_page: NewPage, origin: str, tmp_path: Path, cors_origins: str | None
) -> tuple[dict[str, Any], list[object]]:
    """``CALLS`` run by a page on ``origin``: what it saw, and the user's chats after."""
    url = f"sqlite:///{tmp_path / 'chat.db'}"
    migrate(url, tmp_path)
    extra = {"CORS_ORIGINS": cors_origins} if cors_origins else {}
    server = start_server(url, tmp_path, **extra)
    try:
        with server.client() as http:
            user = add_user(http, "ivy")
            page = new_page()
            page.goto(origin)
            out: dict[str, Any] = page.evaluate(CALLS, [server.url, user])
            return out, http.post("/chats/get", json={"user": user}).json()
    finally:
        server.stop()


def test_a_page_on_a_listed_origin_calls_the_api_and_reads_the_stream(
    new_page: NewPage, other_origin: str, tmp_path: Path
) -> None:
    listed = f"https://unrelated.test,{other_origin}"
    out, chats = _run_elsewhere(new_page, other_origin, tmp_path, listed)
    assert out["status"] == 201
    assert out["requestId"] == "from-another-site"  # an exposed header
    assert out["event"]["text"] == "hello from elsewhere"
    assert out["event"]["client_msg_id"] == "k1"
    assert out["replayed"] == "true"
    assert len(chats) == 1


@pytest.mark.parametrize("origins", [None, "http://127.0.0.1:1"], ids=["unset", "another"])
def test_a_page_on_any_other_origin_is_refused_by_the_browser(
    new_page: NewPage, other_origin: str, tmp_path: Path, origins: str | None
) -> None:
    out, chats = _run_elsewhere(new_page, other_origin, tmp_path, origins)
    assert "Failed to fetch" in out["fetchError"]
    assert out["event"] == "refused"
    assert chats == []  # the preflight stopped the call: nothing was made
