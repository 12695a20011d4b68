"""The command line: wrong settings and unusable databases end in one line."""

from __future__ import annotations

from pathlib import Path

import pytest

from entrypoints import cli
from entrypoints.settings import OPTIONS, Settings


@pytest.fixture(autouse=True)
def _no_developer_settings(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)  # away from any .env
    for option in OPTIONS:
        monkeypatch.delenv(option.env, raising=False)


@pytest.mark.parametrize(
    ("argv", "status", "line"),
    [
        (
            ["serve", "--port", "0"],
            2,
            "chat-server serve: --port must be a whole number from 1 to 65535, not '0'",
        ),
        (
            ["serve", "--log-format", "xml"],
            2,
            "chat-server serve: --log-format must be one of text, json, not 'xml'",
        ),
        (
            ["migrate", "--database-url", "sqlite:////proc/no/such/dir/chat.db"],
            1,
            "chat-server migrate: [Errno 2] No such file or directory: '/proc/no'",
        ),
    ],
    ids=["bad-port", "bad-log-format", "unwritable-sqlite-path"],
)
def test_a_command_that_cannot_start_says_why_in_one_line(
    argv: list[str], status: int, line: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert cli.main(argv) == status
    captured = capsys.readouterr()
    assert captured.err.splitlines() == [line]
    assert captured.out == ""


@pytest.mark.parametrize(
    ("argv", "debug"), [([], False), (["--debug"], True), (["--debug", "no"], False)]
)
def test_serve_takes_settings_from_flags(
    monkeypatch: pytest.MonkeyPatch, argv: list[str], debug: bool
) -> None:
    started: list[Settings] = []

    def serve(settings: Settings) -> int:
        started.append(settings)
        return 0

    monkeypatch.setattr(cli, "_serve", serve)
    assert cli.main(["serve", "--port", "9100", *argv]) == 0
    assert [(s.port, s.debug) for s in started] == [(9100, debug)]
