"""What a person does on the web client, as steps for the browser tests."""

from __future__ import annotations

from playwright.sync_api import Locator, Page, expect


def sign_in(page: Page, url: str, username: str) -> None:
    """Open the client and continue as ``username`` (created when new), by keyboard."""
    page.goto(url)
    page.get_by_label("Your name").fill(username)
    page.get_by_label("Your name").press("Enter")
    expect(page.locator("#me-name")).to_have_text(username)


def chat_button(page: Page, name: str) -> Locator:
    return page.locator("#chat-list button", has_text=name)


def new_chat(page: Page, name: str, *others: str) -> None:
    page.get_by_text("New chat").click()
    page.get_by_label("Chat name").fill(name)
    page.get_by_label("Other members' names, separated by commas").fill(", ".join(others))
    page.get_by_role("button", name="Create chat").click()
    expect(page.locator("#chat-title")).to_have_text(name)


def open_chat(page: Page, name: str) -> None:
    chat_button(page, name).click()
    expect(page.locator("#chat-title")).to_have_text(name)


def send(page: Page, text: str) -> None:
    page.get_by_label("Message", exact=True).fill(text)
    page.get_by_label("Message", exact=True).press("Enter")


def messages(page: Page) -> Locator:
    """The open chat's messages on screen, pending sends included."""
    return page.locator("#messages > li")


def texts(page: Page) -> list[str]:
    return page.locator("#messages > li .text").all_inner_texts()


def chat_names(page: Page) -> list[str]:
    return page.locator("#chat-list .name").all_inner_texts()
