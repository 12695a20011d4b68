"""Settings: flags over environment over .env over defaults, and one-line errors."""

from __future__ import annotations

import pickle
from pathlib import Path

import pytest

from entrypoints.settings import Settings, SettingsError, load_settings


def test_defaults_serve_sqlite_under_var_on_port_9000(tmp_path: Path) -> None:
    settings = load_settings(environ={}, env_file=tmp_path / "absent.env")
    assert settings == Settings()
    assert settings.database_url == "sqlite:///var/chat.db"
    assert (settings.host, settings.port, settings.workers) == ("127.0.0.1", 9000, 1)
    assert settings.max_body_bytes == 1024 * 1024
    assert settings.allowed_hosts == ("*",)
    assert (settings.metrics_host, settings.metrics_port) == ("127.0.0.1", None)
    assert settings.cors_origins == ()


def test_flags_beat_environment_which_beats_the_env_file(tmp_path: Path) -> None:
    env_file = tmp_path / ".env"
    env_file.write_text(
        "# local overrides\nRUNSERVER_PORT=9100\nexport WORKERS=3\nLOG_FORMAT='json'\n"
        'DATABASE_URL="postgresql://chat@127.0.0.1/chat"\n',
        encoding="utf-8",
    )
    environ = {"RUNSERVER_PORT": "9200", "DEBUG": "yes", "ALLOWED_HOSTS": "a.test, *.b.test"}
    settings = load_settings({"port": "9300", "host": None}, environ=environ, env_file=env_file)
    assert settings.port == 9300
    assert settings.workers == 3
    assert settings.log_format == "json"
    assert settings.database_url == "postgresql://chat@127.0.0.1/chat"
    assert settings.debug is True
    assert settings.allowed_hosts == ("a.test", "*.b.test")
    assert settings.host == "127.0.0.1"


def test_postgres_scheme_is_accepted_as_given() -> None:
    # Opening the database reads either spelling (tests/integration/test_sql_adapters.py).
    settings = load_settings(environ={"DATABASE_URL": "postgres://u@h/db"}, env_file=None)
    assert settings.database_url == "postgres://u@h/db"


@pytest.mark.parametrize(
    ("environ", "words"),
    [
        ({"RUNSERVER_PORT": "nine"}, ["RUNSERVER_PORT", "'nine'", "1 to 65535"]),
        ({"RUNSERVER_PORT": "70000"}, ["RUNSERVER_PORT", "70000"]),
        ({"WORKERS": "0"}, ["WORKERS", "'0'"]),
        ({"LOG_LEVEL": "loud"}, ["LOG_LEVEL", "'loud'", "debug"]),
        ({"LOG_FORMAT": "xml"}, ["LOG_FORMAT", "text, json"]),
        ({"DEBUG": "maybe"}, ["DEBUG", "true or false"]),
        ({"MAX_BODY_BYTES": "1MB"}, ["MAX_BODY_BYTES", "'1MB'"]),
        ({"ALLOWED_HOSTS": " , "}, ["ALLOWED_HOSTS", "at least one"]),
        ({"ALLOWED_HOSTS": "a*.test"}, ["ALLOWED_HOSTS", "*.example.com"]),
        ({"HOST": " "}, ["HOST"]),
        ({"DATABASE_URL": "mysql://root:hunter2@db/chat"}, ["DATABASE_URL", "mysql"]),
        ({"METRICS_PORT": "0"}, ["METRICS_PORT", "1 to 65535"]),
        ({"METRICS_PORT": "9000"}, ["METRICS_PORT", "RUNSERVER_PORT", "9000"]),
        ({"METRICS_HOST": ""}, ["METRICS_HOST"]),
        ({"CORS_ORIGINS": "chat.example.com"}, ["CORS_ORIGINS", "'chat.example.com'"]),
        ({"CORS_ORIGINS": "https://a.test/app"}, ["CORS_ORIGINS", "https://a.test/app"]),
        ({"CORS_ORIGINS": "https://*.a.test"}, ["CORS_ORIGINS", "or * for any"]),
    ],
)
def test_a_wrong_setting_is_one_clear_line(environ: dict[str, str], words: list[str]) -> None:
    with pytest.raises(SettingsError) as info:
        load_settings(environ=environ, env_file=None)
    message = str(info.value)
    assert "\n" not in message
    for word in words:
        assert word in message
    assert "hunter2" not in message


def test_cors_origins_are_kept_as_browsers_send_them() -> None:
    environ = {"CORS_ORIGINS": " https://Chat.Example.com/, http://127.0.0.1:8080 "}
    settings = load_settings(environ=environ, env_file=None)
    assert settings.cors_origins == ("https://chat.example.com", "http://127.0.0.1:8080")
    assert load_settings({"cors_origins": "*"}, environ={}, env_file=None).cors_origins == ("*",)


def test_a_wrong_flag_is_named_as_a_flag() -> None:
    with pytest.raises(SettingsError, match=r"^--max-body-bytes must be"):
        load_settings({"max_body_bytes": "-1"}, environ={}, env_file=None)


def test_a_wrong_value_in_the_env_file_names_the_file(tmp_path: Path) -> None:
    env_file = tmp_path / ".env"
    env_file.write_text("WORKERS=many\n", encoding="utf-8")
    with pytest.raises(SettingsError, match=r"^WORKERS \(in .*\.env\) must be"):
        load_settings(environ={}, env_file=env_file)


def test_settings_survive_the_trip_to_a_worker_process() -> None:
    settings = Settings(
        database_url="sqlite:////tmp/x.db",
        port=9001,
        workers=2,
        allowed_hosts=("a", "b"),
        debug=True,
        log_format="json",
        max_body_bytes=10,
    )
    # uvicorn hands its configuration, the settings in it, to workers pickled.
    assert pickle.loads(pickle.dumps(settings)) == settings
