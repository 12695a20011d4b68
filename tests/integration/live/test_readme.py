"""The README's curl examples, run verbatim against a real server.

Only what cannot be the same twice is translated: the port (a free one, not
9000) and the ids and times the server makes. An id or time in the README
stands for whatever the server answered in its place, and must stand for the
same value wherever it appears again, so the examples must agree with each
other exactly as they would in a real session.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from pathlib import Path

import attrs
import pytest

from tests.integration.live.server import migrate, start_server

README = Path(__file__).resolve().parents[3] / "README.md"
PLACEHOLDER = re.compile(
    r"[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}"
    r"|\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{6}Z"
)


@attrs.frozen
class Example:
    command: str
    answer: str


def readme_examples() -> list[Example]:
    section = README.read_text(encoding="utf-8").split("\n## HTTP API\n", 1)[1]
    section = section.split("\n## ", 1)[0]
    examples: list[Example] = []
    for block in re.findall(r"```console\n(.*?)```", section, re.DOTALL):
        for chunk in block.split("$ ")[1:]:
            command, _, answer = chunk.partition("\n")
            examples.append(Example(command, answer.strip()))
    return examples


def _same(documented: object, answered: object, names: dict[str, str]) -> bool:
    """Whether the answer is the documented one, with ``names`` binding placeholders."""
    if isinstance(documented, str) and PLACEHOLDER.fullmatch(documented):
        if not isinstance(answered, str) or not PLACEHOLDER.fullmatch(answered):
            return False
        return names.setdefault(documented, answered) == answered
    if isinstance(documented, dict) and isinstance(answered, dict):
        return documented.keys() == answered.keys() and all(
            _same(documented[key], answered[key], names) for key in documented
        )
    if isinstance(documented, list) and isinstance(answered, list):
        return len(documented) == len(answered) and all(
            _same(d, a, names) for d, a in zip(documented, answered, strict=True)
        )
    return documented == answered


def test_the_readme_shows_the_briefs_five_methods_in_order() -> None:
    paths = [re.findall(r"localhost:9000(/\S+)", e.command) for e in readme_examples()]
    assert [p[0] for p in paths if p][:6] == [
        "/users/add",
        "/users/add",
        "/chats/add",
        "/messages/add",
        "/chats/get",
        "/messages/get",
    ]


@pytest.mark.skipif(shutil.which("curl") is None, reason="curl is not installed")
def test_the_readme_curl_examples_answer_as_documented(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'chat.db'}"
    migrate(url, tmp_path)
    server = start_server(url, tmp_path)
    names: dict[str, str] = {}
    try:
        for example in readme_examples():
            command = PLACEHOLDER.sub(lambda m: names.get(m.group(), m.group()), example.command)
            command = command.replace("localhost:9000", f"127.0.0.1:{server.port}")
            done = subprocess.run(
                ["bash", "-c", command], capture_output=True, text=True, timeout=30, check=True
            )
            answered = json.loads(done.stdout)
            assert _same(json.loads(example.answer), answered, names), (example, answered)
    finally:
        assert server.stop()
    assert len(set(names.values())) == len(names)  # distinct ids and times stayed distinct
