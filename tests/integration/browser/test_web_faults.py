"""The web client through faults: the server stopped, the database away, the stream cut."""

from __future__ import annotations

from pathlib import Path

import httpx2
import pytest
from playwright.sync_api import expect
from sqlalchemy.engine import make_url

from tests.integration.api.calls import add_message
from tests.integration.browser.conftest import NewPage
from tests.integration.browser.pages import messages, new_chat, send, sign_in
from tests.integration.live.server import (
    CHAT_SERVER,
    launch,
    migrate,
    server_environ,
    start_server,
)
from tests.integration.reliability.tcp_proxy import TcpProxy


def _stored(url: str, user: str) -> list[tuple[str, bool]]:
    """The user's first chat's messages: each text, and whether it came with a key."""
    with httpx2.Client(base_url=url, timeout=10) as http:
        chats = http.post("/chats/get", json={"user": user}).json()
        listed = http.post("/messages/get", json={"chat": chats[0]["id"]}).json()
        return [(m["text"], m["client_msg_id"] is not None) for m in listed]


def test_a_send_while_the_server_is_stopped_is_retried_with_its_key_and_shown_once(
    new_page: NewPage, tmp_path: Path
) -> None:
    url = f"sqlite:///{tmp_path / 'chat.db'}"
    migrate(url, tmp_path)
    server = start_server(url, tmp_path)
    page = new_page()
    sign_in(page, server.url, "gina")
    new_chat(page, "while down")
    me = page.evaluate("() => JSON.parse(sessionStorage.getItem('chat.user')).id")
    assert server.stop()

    send(page, "sent while the server was away")
    expect(page.locator("#messages .waiting")).to_contain_text("Not sent yet; retrying.")
    expect(page.locator("#banner")).to_contain_text("cannot be reached")
    expect(page.locator("#banner")).to_contain_text("Reconnecting to the live stream")
    argv = [CHAT_SERVER, "serve", "--port", str(server.port)]
    again = launch(argv, port=server.port, cwd=tmp_path, environ=server_environ(url))
    try:
        expect(page.locator("#messages .text")).to_have_text(["sent while the server was away"])
        expect(page.locator("#messages .pending")).to_have_count(0)
        expect(page.locator("#banner")).to_be_hidden()
        assert _stored(again.url, me) == [("sent while the server was away", True)]
        # The stream came back too: a message sent elsewhere shows live.
        with again.client() as http:
            chat = http.post("/chats/get", json={"user": me}).json()[0]["id"]
            add_message(http, chat, me, "from another device")
        expect(messages(page)).to_have_count(2)
        expect(page.locator("#messages .text").last).to_have_text("from another device")
    finally:
        again.stop()


@pytest.mark.postgres
def test_the_banner_shows_while_the_database_is_away_and_the_send_lands_after(
    new_page: NewPage, postgresql_database_url: str, tmp_path: Path
) -> None:
    url = make_url(postgresql_database_url)
    with TcpProxy(target=(url.host or "127.0.0.1", url.port or 5432)) as proxy:
        behind = url.set(host="127.0.0.1", port=proxy.port).render_as_string(hide_password=False)
        server = start_server(behind, tmp_path)
        try:
            page = new_page()
            sign_in(page, server.url, "hank")
            new_chat(page, "outage")
            me = page.evaluate("() => JSON.parse(sessionStorage.getItem('chat.user')).id")
            proxy.cut("refuse")
            send(page, "sent during the outage")
            expect(page.locator("#banner")).to_contain_text("unavailable")
            expect(page.locator("#messages .waiting")).to_contain_text("retrying")
            proxy.restore()
            expect(page.locator("#messages .text")).to_have_text(["sent during the outage"])
            expect(page.locator("#messages .pending")).to_have_count(0)
            expect(page.locator("#banner")).to_be_hidden(timeout=20_000)
            assert _stored(server.url, me) == [("sent during the outage", True)]

            # A page loaded while the database is away waits for it, then opens.
            proxy.cut("refuse")
            page.reload()
            expect(page.locator("#banner")).to_contain_text("unavailable")
            proxy.restore()
            expect(page.locator("#chat-title")).to_have_text("outage", timeout=20_000)
            expect(page.locator("#messages .text")).to_have_text(["sent during the outage"])
        finally:
            server.stop()
