"""Settings from the environment, and how the app and its entry point use them."""

import os
import re
import subprocess
import sys

import pytest
from fastapi.testclient import TestClient

from todo_api.app import create_app
from todo_api.config import (
    DEFAULT_SQLITE_PATH,
    DEVELOPMENT_FRONTEND_URL,
    ConfigError,
    PostgresDatabase,
    SqliteDatabase,
    load_settings,
)

PASSWORD = "hunter2-Secret"
GROQ_KEY = "gsk_test_Secret_Key"


def test_defaults():
    settings = load_settings({})
    assert settings.environment == "development"
    assert settings.log_level == "info"
    assert settings.frontend_url == DEVELOPMENT_FRONTEND_URL
    assert settings.database == SqliteDatabase(DEFAULT_SQLITE_PATH)
    assert settings.groq_api_key is None


def test_values_are_read_case_insensitively():
    settings = load_settings(
        {"ENVIRONMENT": "Production", "LOG_LEVEL": "DEBUG", "GROQ_API_KEY": GROQ_KEY}
    )
    assert (settings.environment, settings.log_level) == ("production", "debug")
    assert settings.groq_api_key == GROQ_KEY


@pytest.mark.parametrize(
    ("env", "database"),
    [
        ({"SQLITE_PATH": "/data/todos.db"}, SqliteDatabase("/data/todos.db")),
        ({"DATABASE_URL": "sqlite:///todos.db"}, SqliteDatabase("todos.db")),
        (
            {"DATABASE_URL": "sqlite:////data/x.db", "SQLITE_PATH": "/y.db"},
            SqliteDatabase("/data/x.db"),
        ),
        ({"DATABASE_URL": f"postgresql://u:{PASSWORD}@db:5432/todos"}, "postgresql"),
        ({"DATABASE_URL": f"postgres://u:{PASSWORD}@db/todos"}, "postgresql"),
        ({"DATABASE_URL": "  "}, SqliteDatabase(DEFAULT_SQLITE_PATH)),
    ],
)
def test_database_url_forms(env, database):
    parsed = load_settings(env).database
    if database == "postgresql":
        assert isinstance(parsed, PostgresDatabase)
        assert parsed.url == env["DATABASE_URL"]
    else:
        assert parsed == database


@pytest.mark.parametrize(
    "url",
    [
        f"mysql://u:{PASSWORD}@db/todos",
        f"postgresql+psycopg://u:{PASSWORD}@db/todos",
        "sqlite://",
        "sqlite:///",
        PASSWORD,  # e.g. a password pasted into the wrong key
    ],
)
def test_unsupported_database_url_names_the_variable_and_hides_the_value(url):
    with pytest.raises(ConfigError) as error:
        load_settings({"DATABASE_URL": url})
    message = str(error.value)
    assert message.startswith("DATABASE_URL is not a supported database URL: use postgresql://")
    assert "sqlite:///" in message
    assert PASSWORD not in message
    assert "\n" not in message


@pytest.mark.parametrize(
    ("env", "start"),
    [
        ({"ENVIRONMENT": "staging"}, "ENVIRONMENT='staging' is not supported: set it to one of"),
        ({"LOG_LEVEL": "verbose"}, "LOG_LEVEL='verbose' is not supported: set it to one of"),
        ({"FRONTEND_URL": "localhost:3000"}, "FRONTEND_URL='localhost:3000' is not an origin"),
        (
            {"FRONTEND_URL": "http://x:3000/app"},
            "FRONTEND_URL='http://x:3000/app' is not an origin",
        ),
    ],
)
def test_invalid_settings(env, start):
    with pytest.raises(ConfigError, match="^" + re.escape(start)):
        load_settings(env)


def test_frontend_url_is_an_origin_and_has_no_default_in_production():
    assert load_settings({"FRONTEND_URL": "https://todo.example:8443/"}).frontend_url == (
        "https://todo.example:8443"
    )
    assert load_settings({"ENVIRONMENT": "production"}).frontend_url is None


def test_secrets_stay_out_of_repr_and_descriptions():
    settings = load_settings(
        {"DATABASE_URL": f"postgresql://todo:{PASSWORD}@db:5432/todos", "GROQ_API_KEY": GROQ_KEY}
    )
    for text in (repr(settings), settings.database.describe()):
        assert PASSWORD not in text
        assert GROQ_KEY not in text
    assert settings.database.describe() == "postgresql at db:5432/todos"


def test_cors_allows_only_the_frontend_origin(tmp_path):
    env = {"DATABASE_URL": f"sqlite:///{tmp_path}/t.db", "FRONTEND_URL": "http://web:3000"}
    with TestClient(create_app(load_settings(env))) as client:
        for origin, allowed in (("http://web:3000", "http://web:3000"), ("http://evil", None)):
            response = client.options(
                "/api/todos",
                headers={"Origin": origin, "Access-Control-Request-Method": "POST"},
            )
            assert response.headers.get("access-control-allow-origin") == allowed


@pytest.mark.parametrize(("environment", "status"), [("development", 200), ("production", 404)])
def test_api_docs_only_in_development(tmp_path, environment, status):
    env = {"DATABASE_URL": f"sqlite:///{tmp_path}/t.db", "ENVIRONMENT": environment}
    with TestClient(create_app(load_settings(env))) as client:
        assert client.get("/openapi.json").status_code == status


def run_entry_point(**env: str) -> subprocess.CompletedProcess:
    """Imports todo_api.main as uvicorn does, in a fresh interpreter with only `env` set."""
    return subprocess.run(
        [sys.executable, "-c", "import todo_api.main"],
        env={"PATH": os.environ["PATH"], **env},
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_entry_point_fails_with_one_line_on_bad_config():
    result = run_entry_point(DATABASE_URL=f"mysql://todo:{PASSWORD}@db/todos")
    assert result.returncode == 1
    assert result.stdout == ""
    lines = result.stderr.splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("todo-api: configuration error: DATABASE_URL is not a supported")
    assert PASSWORD not in result.stderr


def test_entry_point_logs_settings_but_no_secrets():
    result = run_entry_point(
        DATABASE_URL=f"postgresql://todo:{PASSWORD}@db.internal:5432/todos",
        GROQ_API_KEY=GROQ_KEY,
        LOG_LEVEL="debug",
    )
    assert result.returncode == 0, result.stderr
    assert "starting: environment=development, database=postgresql at db.internal:5432/todos" in (
        result.stderr
    )
    assert PASSWORD not in result.stderr + result.stdout
    assert GROQ_KEY not in result.stderr + result.stdout
