"""/health answers 200 only when the database answers a query, and 503 with a short reason
(never a credential) otherwise; the app recovers once the database is back."""

import logging

from fastapi.testclient import TestClient
from pg_server import APP_PASSWORD, APP_USER

from todo_api.app import create_app
from todo_api.config import load_settings

UNAVAILABLE = "unavailable"


def client_for(database_url: str) -> TestClient:
    return TestClient(create_app(load_settings({"DATABASE_URL": database_url})))


def test_health_ok(client):
    response = client.get("/health")
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "database": "ok"}


def test_sqlite_in_a_missing_directory_is_503_until_it_exists(tmp_path):
    directory = tmp_path / "not-yet"
    with client_for(f"sqlite:///{directory}/todos.db") as client:
        response = client.get("/health")
        assert response.status_code == 503
        assert response.json() == {
            "status": UNAVAILABLE,
            "database": "unable to open database file",
        }
        response = client.get("/api/todos")
        assert response.status_code == 503
        assert response.json() == {"error": "database unavailable: unable to open database file"}

        directory.mkdir()
        assert client.get("/health").status_code == 200
        assert client.post("/api/todos", json={"title": "late"}).status_code == 201


def test_postgres_stopped_is_503_and_recovers(postgres):
    postgres.drop_table()
    with client_for(postgres.app_url()) as client:
        todo = client.post("/api/todos", json={"title": "survives"}).json()
        postgres.stop()
        try:
            response = client.get("/health")
            assert response.status_code == 503
            body = response.json()
            assert body["status"] == UNAVAILABLE
            assert "Connection refused" in body["database"]
            assert client.get("/api/todos").status_code == 503
        finally:
            postgres.start()
        assert client.get("/health").json() == {"status": "ok", "database": "ok"}
        assert client.get("/api/todos").json() == [todo]


def test_postgres_table_dropped_under_the_app_is_recreated(postgres):
    with client_for(postgres.app_url()) as client:
        postgres.drop_table()
        assert client.get("/health").status_code == 503  # the probe query fails
        assert client.get("/health").status_code == 200  # the next connection recreates it


def test_postgres_wrong_password_is_503_without_credentials(postgres, caplog):
    wrong = "Wrong-Pa55word"
    with caplog.at_level(logging.DEBUG), client_for(postgres.app_url(password=wrong)) as client:
        response = client.get("/health")
        assert response.status_code == 503
        reason = response.json()["database"]
        assert reason == 'password authentication failed for user "***"'
        api_error = client.get("/api/todos").json()["error"]
    for text in (reason, api_error, caplog.text):
        assert wrong not in text
        assert APP_PASSWORD not in text
        assert f'"{APP_USER}"' not in text
    assert "database not ready at startup" in caplog.text
