"""The README's Python example runs as shown."""

from __future__ import annotations

import asyncio
import re
from pathlib import Path
from typing import Any

import pytest

README = Path(__file__).resolve().parents[2] / "README.md"


def _python_examples() -> list[str]:
    section = README.read_text(encoding="utf-8").split("## Python API", 1)[1]
    found = re.findall(r"```python\n(.*?)```", section, re.DOTALL)
    assert found, "README.md has no Python example under '## Python API'"
    return found


def _python_example() -> str:
    return _python_examples()[0]


def test_readme_python_example_prints_what_it_promises(capsys: pytest.CaptureFixture[str]) -> None:
    exec(compile(_python_example(), str(README), "exec"), {})
    assert capsys.readouterr().out == "['noon?']\nFalse True\nTrue 1\n"


def test_readme_live_stream_example_tells_the_next_message(
    capsys: pytest.CaptureFixture[str],
) -> None:
    first, stream = _python_examples()[:2]
    namespace: dict[str, Any] = {}
    exec(compile(first, str(README), "exec"), namespace)
    exec(compile(stream, str(README), "exec"), namespace)
    chats, lunch, bob = namespace["chats"], namespace["lunch"], namespace["bob"]

    async def main() -> None:
        watching = asyncio.ensure_future(namespace["watch"]())
        while not watching.done():  # until the stream has opened and told one
            await asyncio.to_thread(chats.send_message, lunch.id, bob.id, "on my way")
            await asyncio.sleep(0.05)
        await watching

    asyncio.run(asyncio.wait_for(main(), 30))
    assert capsys.readouterr().out.splitlines()[-1] == "message on my way"
