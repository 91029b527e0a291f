"""Fixtures: every API test runs once on SQLite (a file in a temp dir) and once on a real
PostgreSQL server started for the session. A PostgreSQL that cannot start fails the tests:
skipping would let the PostgreSQL half pass silently."""

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient
from pg_server import PostgresServer, PostgresStartError

from todo_api.app import create_app
from todo_api.config import load_settings


@pytest.fixture(scope="session")
def postgres() -> Iterator[PostgresServer]:
    server = failure = None
    try:
        server = PostgresServer()
        server.create()
    except PostgresStartError as error:
        failure = str(error)
    if failure:
        if server:
            server.destroy()
        pytest.fail(
            f"PostgreSQL test server could not start: {failure}. Fix that: the PostgreSQL "
            "tests are required, not skippable.",
            pytrace=False,
        )
    yield server
    server.destroy()


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request: pytest.FixtureRequest, tmp_path) -> str:
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'todos.db'}"  # an absolute path: sqlite:////tmp/...
    # Only requested here, so a run of the SQLite tests alone does not start PostgreSQL.
    server: PostgresServer = request.getfixturevalue("postgres")
    server.drop_table()
    return server.app_url()


@pytest.fixture
def client(database_url: str) -> Iterator[TestClient]:
    with TestClient(create_app(load_settings({"DATABASE_URL": database_url}))) as client:
        yield client
