"""A real browser for the web client's tests: the system's Chromium, driven by Playwright.

Fixtures:

``chromium``
    A headless Chromium (``CHAT_CHROMIUM``, or ``chromium`` on the ``PATH``:
    Debian's package, which ``.ci/run`` installs). Without one every browser
    test skips with one line saying why, or fails when
    ``CHAT_REQUIRE_BROWSER=1`` (as CI sets it).
``new_page``
    Opens a page in a context of its own (its own session storage, as a
    second person on another computer), logging the page's errors so a
    failing test shows them; all are closed after the test.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Callable, Iterator

import pytest
from playwright.sync_api import Browser, Page, sync_playwright

NewPage = Callable[..., Page]


def _chromium_path() -> str | None:
    return os.environ.get("CHAT_CHROMIUM") or shutil.which("chromium")


# Per module, not per session: while Playwright's synchronous API is open its
# event loop counts as running in this thread, and the other suites'
# asyncio.run() would refuse to start.
@pytest.fixture(scope="module")
def chromium() -> Iterator[Browser]:
    path = _chromium_path()
    if path is None:
        reason = (
            "no Chromium: install Debian's chromium package (.ci/run does) or set CHAT_CHROMIUM"
        )
        if os.environ.get("CHAT_REQUIRE_BROWSER") == "1":
            pytest.fail(reason)
        pytest.skip(reason)
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=path, args=["--no-sandbox"])
        try:
            yield browser
        finally:
            browser.close()


@pytest.fixture
def new_page(chromium: Browser) -> Iterator[NewPage]:
    contexts = []
    errors: list[str] = []

    def open_page(**options: object) -> Page:
        context = chromium.new_context(**options)  # type: ignore[arg-type]
        context.set_default_timeout(15_000)
        contexts.append(context)
        page = context.new_page()
        page.on("pageerror", lambda error: errors.append(f"{page.url}: {error}"))
        return page

    yield open_page
    for context in contexts:
        context.close()
    assert not errors, f"the page raised: {errors}"
