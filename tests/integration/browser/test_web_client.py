"""The web client at ``/`` in a real browser: two people chatting, history, refusals, layout."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import expect

from entrypoints.http import web
from entrypoints.http.web import CONTENT_SECURITY_POLICY
from tests.integration.api.calls import add_chat, add_message, add_user
from tests.integration.browser.conftest import NewPage
from tests.integration.browser.pages import (
    chat_button,
    chat_names,
    messages,
    new_chat,
    open_chat,
    send,
    sign_in,
    texts,
)
from tests.integration.live.server import ServerProcess, migrate, start_server

HOSTILE = "<img src=x onerror=\"document.title='owned'\"> & <b>bold</b>"


@pytest.fixture
def server(tmp_path: Path) -> Iterator[ServerProcess]:
    url = f"sqlite:///{tmp_path / 'chat.db'}"
    migrate(url, tmp_path)
    process = start_server(url, tmp_path)
    yield process
    process.stop()


def test_two_people_chat_live_in_two_pages(
    new_page: NewPage, database_url: str, tmp_path: Path
) -> None:
    server = start_server(database_url, tmp_path)
    try:
        alice, bob = new_page(), new_page()
        sign_in(alice, server.url, "alice")
        sign_in(bob, server.url, "bob")
        new_chat(alice, "lunch", "bob")
        new_chat(alice, "plans", "Bob")  # names are found in any letter case
        # Bob's list got both chats from the stream, the newest first.
        expect(bob.locator("#chat-list .name")).to_have_text(["plans", "lunch"])
        open_chat(bob, "lunch")
        expect(bob.locator("#chat-members-list")).to_have_text("Members: alice, bob")

        open_chat(alice, "lunch")
        send(alice, HOSTILE)
        expect(bob.locator("#messages .text")).to_have_text([HOSTILE])
        expect(bob.locator("#messages .author")).to_have_text(["alice"])
        # The chat with the newest message jumped to the top, for both.
        assert chat_names(bob) == ["lunch", "plans"]
        assert chat_names(alice) == ["lunch", "plans"]
        # The text was shown as text: no element was made of it, no handler ran.
        assert bob.locator("#messages img, #messages b").count() == 0
        assert bob.title() == "Chat"

        send(bob, "see you at 12\nat the usual place")
        expect(alice.locator("#messages .text")).to_have_text(
            [HOSTILE, "see you at 12\nat the usual place"]
        )
        # Each send shows once: the pending one became the stream's message.
        expect(alice.locator("#messages .pending")).to_have_count(0)
        expect(bob.locator("#messages > li")).to_have_count(2)
    finally:
        server.stop()


def test_the_page_is_served_with_a_policy_that_forbids_inline_script(
    new_page: NewPage, server: ServerProcess
) -> None:
    page = new_page()
    answer = page.goto(server.url)
    assert answer is not None
    assert answer.status == 200
    headers = answer.headers
    assert headers["content-security-policy"] == CONTENT_SECURITY_POLICY
    assert "script-src 'self'" in CONTENT_SECURITY_POLICY
    assert "unsafe-inline" not in CONTENT_SECURITY_POLICY
    assert headers["x-content-type-options"] == "nosniff"
    assert headers["content-type"] == "text/html; charset=utf-8"
    # An inline script, were one ever injected, would not run.
    page.evaluate(
        "() => { const s = document.createElement('script');"
        " s.textContent = 'window.ran = true'; document.body.append(s); }"
    )
    assert page.evaluate("() => window.ran === undefined")
    # Nothing on the page turns text into markup.
    script = (Path(web.__file__).parent / "app.js").read_text(encoding="utf-8")
    for sink in ["innerHTML", "outerHTML", "insertAdjacentHTML", "document.write", "eval("]:
        assert sink not in script
    with server.client() as http:
        for path, kind in [("/web/app.js", "text/javascript"), ("/web/style.css", "text/css")]:
            got = http.get(path)
            assert got.status_code == 200
            assert got.headers["content-type"].startswith(kind)
            assert got.headers["x-content-type-options"] == "nosniff"


def test_a_reload_keeps_the_user_the_open_chat_and_its_history(
    new_page: NewPage, server: ServerProcess
) -> None:
    page = new_page()
    sign_in(page, server.url, "carol")
    new_chat(page, "notes")
    for text in ["one", "two", "three"]:
        send(page, text)
    expect(page.locator("#messages .text")).to_have_text(["one", "two", "three"])
    # Every send answered and seen on the stream: a reload now loses nothing.
    expect(page.locator("#messages .pending")).to_have_count(0)
    page.reload()
    expect(page.locator("#me-name")).to_have_text("carol")
    expect(page.locator("#chat-title")).to_have_text("notes")
    expect(page.locator("#messages .text")).to_have_text(["one", "two", "three"])
    # Another tab is another session: it asks who you are.
    other = new_page()
    other.goto(server.url)
    expect(other.get_by_label("Your name")).to_be_visible()


def test_scrolling_up_loads_older_messages_a_page_at_a_time(
    new_page: NewPage, server: ServerProcess
) -> None:
    with server.client() as http:
        dave = add_user(http, "dave")
        chat = add_chat(http, "history", [dave])
        for n in range(120):
            add_message(http, chat, dave, f"message {n}")
    page = new_page()
    sign_in(page, server.url, "dave")
    open_chat(page, "history")
    expect(messages(page)).to_have_count(50)
    assert texts(page)[-1] == "message 119"
    page.locator("#log").evaluate("log => { log.scrollTop = 0 }")
    expect(messages(page)).to_have_count(100)
    page.locator("#log").evaluate("log => { log.scrollTop = 0 }")
    expect(messages(page)).to_have_count(120)
    expect(page.get_by_role("button", name="Load older messages")).to_be_hidden()
    assert texts(page) == [f"message {n}" for n in range(120)]


def test_every_refusal_shows_the_servers_own_words(
    new_page: NewPage, server: ServerProcess
) -> None:
    page = new_page()
    sign_in(page, server.url, "erin")
    new_chat(page, "mine")
    page.get_by_text("New chat").click()
    page.get_by_label("Chat name").fill("with a stranger")
    page.get_by_label("Other members' names, separated by commas").fill("nobody-here")
    page.get_by_role("button", name="Create chat").click()
    expect(page.get_by_role("alert")).to_contain_text("nobody-here")
    page.get_by_label("Chat name").fill("MINE")
    page.get_by_label("Other members' names, separated by commas").fill("")
    page.get_by_role("button", name="Create chat").click()
    expect(page.get_by_role("alert")).to_contain_text("MINE")

    open_chat(page, "mine")
    send(page, "x" * 4097)
    failed = page.locator("#messages .failed")
    expect(failed).to_contain_text("Not sent: ")
    expect(failed).to_contain_text("4096")
    failed.get_by_role("button", name="Discard").click()
    expect(messages(page)).to_have_count(0)

    page.get_by_role("button", name="Switch user").click()
    page.get_by_label("Your name").fill("bad name")
    page.get_by_role("button", name="Continue").click()
    expect(page.get_by_role("alert")).to_contain_text("username")


def test_the_page_reads_at_320_pixels_wide(new_page: NewPage, server: ServerProcess) -> None:
    page = new_page(viewport={"width": 320, "height": 640})
    sign_in(page, server.url, "frank")
    new_chat(page, "a chat with a rather long name that has to wrap somewhere")
    send(page, "a message long enough to need more than one line at this width, surely")
    expect(page.locator("#messages .text")).to_have_count(1)
    assert page.evaluate("() => document.documentElement.scrollWidth") <= 320
    expect(page.get_by_role("button", name="Send")).to_be_in_viewport()


def test_screenshots_of_the_main_views(
    new_page: NewPage, server: ServerProcess, tmp_path: Path
) -> None:
    """The README's pictures; ``make screenshots`` writes them to docs/screenshots."""
    folder = Path(os.environ.get("CHAT_SCREENSHOTS") or tmp_path)
    folder.mkdir(parents=True, exist_ok=True)
    with server.client() as http:
        people = {name: add_user(http, name) for name in ["ada", "grace", "linus"]}
        team = add_chat(http, "design review", list(people.values()))
        add_chat(http, "lunch", [people["ada"], people["grace"]])
        for author, text in [
            ("grace", "The page draft is up; comments welcome."),
            ("linus", "Looks good. One nit: the list should jump on new messages."),
            ("grace", "It does now, live from the stream."),
        ]:
            add_message(http, team, people[author], text)
    ada = new_page(viewport={"width": 1000, "height": 600})
    sign_in(ada, server.url, "ada")
    open_chat(ada, "design review")
    send(ada, "Shipping it.")
    expect(ada.locator("#messages .pending")).to_have_count(0)
    ada.screenshot(path=folder / "chat.png")
    narrow = new_page(viewport={"width": 360, "height": 640})
    sign_in(narrow, server.url, "grace")
    open_chat(narrow, "design review")
    expect(chat_button(narrow, "design review")).to_be_visible()
    narrow.screenshot(path=folder / "chat-narrow.png")
    for name in ["chat.png", "chat-narrow.png"]:
        assert (folder / name).read_bytes().startswith(b"\x89PNG")
