"""The README's Python example runs as shown."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

README = Path(__file__).resolve().parents[2] / "README.md"


def _python_example() -> str:
    section = README.read_text(encoding="utf-8").split("## Python API", 1)[1]
    match = re.search(r"```python\n(.*?)```", section, re.DOTALL)
    assert match is not None, "README.md has no Python example under '## Python API'"
    return match.group(1)


def test_readme_python_example_prints_what_it_promises(capsys: pytest.CaptureFixture[str]) -> None:
    exec(compile(_python_example(), str(README), "exec"), {})
    assert capsys.readouterr().out == "['noon?']\nFalse True\n"
