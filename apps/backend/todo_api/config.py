"""Settings read once from the environment (keys of the chart's ConfigMap and Secret)."""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass, field
from urllib.parse import unquote, urlsplit

ENVIRONMENTS = ("development", "production")
LOG_LEVELS = ("critical", "error", "warning", "info", "debug")
DEFAULT_SQLITE_PATH = "./todos.db"
# The frontend's `next dev` origin, so a development setup works with no configuration.
DEVELOPMENT_FRONTEND_URL = "http://localhost:3000"

DATABASE_URL_FORMS = (
    "postgresql://USER:PASSWORD@HOST:PORT/DBNAME (or postgres://...), "
    "sqlite:///relative/path.db or sqlite:////absolute/path.db, "
    "or unset for SQLite at SQLITE_PATH"
)


class ConfigError(ValueError):
    """A setting is invalid; the message is one line naming the variable and the fix."""


@dataclass(frozen=True)
class SqliteDatabase:
    path: str

    def describe(self) -> str:
        return f"sqlite at {self.path}"


@dataclass(frozen=True)
class PostgresDatabase:
    # The URL holds the password: keep it out of repr() and thus out of any log line.
    url: str = field(repr=False)

    def describe(self) -> str:
        parts = urlsplit(self.url)
        where = parts.hostname or "local socket"
        if parts.port:
            where += f":{parts.port}"
        return f"postgresql at {where}{parts.path}"

    @property
    def credentials(self) -> tuple[str, ...]:
        """User name and password in the URL, for scrubbing them from error messages."""
        parts = urlsplit(self.url)
        return tuple(unquote(secret) for secret in (parts.username, parts.password) if secret)


Database = SqliteDatabase | PostgresDatabase


@dataclass(frozen=True)
class Settings:
    environment: str = "development"
    log_level: str = "info"
    frontend_url: str | None = None
    database: Database = field(default_factory=lambda: SqliteDatabase(DEFAULT_SQLITE_PATH))
    # Read so a missing Secret key is not an error; no feature uses it yet.
    groq_api_key: str | None = field(default=None, repr=False)

    @property
    def python_log_level(self) -> int:
        return logging.getLevelName(self.log_level.upper())


def load_settings(env: Mapping[str, str]) -> Settings:
    """Builds Settings from environment variables; raises ConfigError on the first bad one."""
    environment = _choice(env, "ENVIRONMENT", ENVIRONMENTS, "development")
    frontend_url = _origin(env.get("FRONTEND_URL", "").strip())
    if frontend_url is None and environment == "development":
        frontend_url = DEVELOPMENT_FRONTEND_URL
    return Settings(
        environment=environment,
        log_level=_choice(env, "LOG_LEVEL", LOG_LEVELS, "info"),
        frontend_url=frontend_url,
        database=_database(env),
        groq_api_key=env.get("GROQ_API_KEY") or None,
    )


def _choice(env: Mapping[str, str], name: str, allowed: tuple[str, ...], default: str) -> str:
    value = env.get(name, "").strip().lower() or default
    if value not in allowed:
        raise ConfigError(
            f"{name}={value!r} is not supported: set it to one of {', '.join(allowed)}"
        )
    return value


def _origin(value: str) -> str | None:
    """FRONTEND_URL as a CORS origin: scheme://host[:port], no path."""
    if not value:
        return None
    parts = urlsplit(value)
    if parts.scheme not in ("http", "https") or not parts.netloc or parts.path not in ("", "/"):
        raise ConfigError(
            f"FRONTEND_URL={value!r} is not an origin: "
            "set it to the frontend's scheme, host and port, e.g. http://localhost:3000"
        )
    return f"{parts.scheme}://{parts.netloc}"


def _database(env: Mapping[str, str]) -> Database:
    # Never put the URL in a message: it holds the password.
    url = env.get("DATABASE_URL", "").strip()
    if not url:
        return SqliteDatabase(env.get("SQLITE_PATH", "").strip() or DEFAULT_SQLITE_PATH)
    scheme, sep, rest = url.partition("://")
    if sep and scheme.lower() in ("postgresql", "postgres"):
        return PostgresDatabase(url)
    # SQLAlchemy's convention: the path follows the third slash, so four slashes mean absolute.
    if sep and scheme.lower() == "sqlite" and rest.startswith("/") and len(rest) > 1:
        return SqliteDatabase(rest[1:])
    raise ConfigError(f"DATABASE_URL is not a supported database URL: use {DATABASE_URL_FORMS}")
