"""The todo API; every test runs on SQLite and on PostgreSQL (see the `client` fixture)."""

from datetime import datetime

import pytest
from fastapi.testclient import TestClient

from todo_api.app import create_app
from todo_api.config import load_settings


def create(client: TestClient, title: str) -> dict:
    response = client.post("/api/todos", json={"title": title})
    assert response.status_code == 201, response.text
    return response.json()


def assert_error(response, status: int) -> str:
    assert response.status_code == status, response.text
    body = response.json()
    assert isinstance(body["error"], str) and body["error"]
    return body["error"]


def test_list_starts_empty(client):
    response = client.get("/api/todos")
    assert response.status_code == 200
    assert response.json() == []


def test_create_returns_the_todo(client):
    todo = create(client, "  buy milk \t")
    assert set(todo) == {"id", "title", "completed", "created_at"}
    assert isinstance(todo["id"], int)
    assert todo["title"] == "buy milk"
    assert todo["completed"] is False
    assert datetime.fromisoformat(todo["created_at"]).tzinfo is not None


def test_title_of_200_characters_is_accepted(client):
    assert create(client, "x" * 200)["title"] == "x" * 200


def test_list_is_ordered_by_id(client):
    ids = [create(client, title)["id"] for title in ("b", "a", "c")]
    client.patch(f"/api/todos/{ids[0]}", json={"title": "z"})  # an update must not reorder
    todos = client.get("/api/todos").json()
    assert [t["id"] for t in todos] == sorted(ids)
    assert [t["title"] for t in todos] == ["z", "a", "c"]


def test_patch_completed(client):
    todo = create(client, "walk")
    response = client.patch(f"/api/todos/{todo['id']}", json={"completed": True})
    assert response.status_code == 200
    assert response.json() == {**todo, "completed": True}
    response = client.patch(f"/api/todos/{todo['id']}", json={"completed": False})
    assert response.json()["completed"] is False


def test_patch_title_and_completed(client):
    todo = create(client, "walk")
    response = client.patch(f"/api/todos/{todo['id']}", json={"title": " run ", "completed": True})
    assert response.status_code == 200
    assert response.json() == {**todo, "title": "run", "completed": True}
    assert client.get("/api/todos").json() == [response.json()]


def test_delete(client):
    keep, gone = create(client, "keep"), create(client, "gone")
    response = client.delete(f"/api/todos/{gone['id']}")
    assert response.status_code == 204
    assert response.content == b""
    assert client.get("/api/todos").json() == [keep]


def test_todos_survive_a_restart(database_url):
    settings = load_settings({"DATABASE_URL": database_url})
    with TestClient(create_app(settings)) as client:
        todo = create(client, "persist")
    with TestClient(create_app(settings)) as client:
        assert client.get("/api/todos").json() == [todo]


@pytest.mark.parametrize(
    ("body", "status", "message"),
    [
        pytest.param(b'{"title": ', 400, "not valid JSON", id="invalid-json"),
        pytest.param(b"", 422, "body: Field required", id="no-body"),
        pytest.param(b"[]", 422, "body: Input should be a valid dictionary", id="array"),
        pytest.param(b"{}", 422, "title: Field required", id="no-title"),
        pytest.param(
            b'{"title": null}', 422, "title: Input should be a valid string", id="null-title"
        ),
        pytest.param(
            b'{"title": 42}', 422, "title: Input should be a valid string", id="number-title"
        ),
        pytest.param(
            b'{"title": ""}',
            422,
            "title: String should have at least 1 character",
            id="empty-title",
        ),
        pytest.param(
            b'{"title": "   "}',
            422,
            "title: String should have at least 1 character",
            id="blank-title",
        ),
        pytest.param(
            b'{"title": "' + b"x" * 201 + b'"}',
            422,
            "title: String should have at most 200",
            id="title-201-chars",
        ),
        pytest.param(
            b'{"title": "a\\nb"}',
            422,
            "title: must not contain control characters",
            id="newline-in-title",
        ),
        pytest.param(
            b'{"title": "a\\u0000b"}',
            422,
            "title: must not contain control characters",
            id="nul-in-title",
        ),
    ],
)
def test_create_rejects_bad_bodies(client, body, status, message):
    response = client.post("/api/todos", content=body, headers={"content-type": "application/json"})
    assert message in assert_error(response, status)
    assert client.get("/api/todos").json() == []


@pytest.mark.parametrize(
    ("body", "status", "message"),
    [
        pytest.param(b'{"completed": tru', 400, "not valid JSON", id="invalid-json"),
        pytest.param(b"{}", 422, "body: send title and/or completed", id="empty"),
        pytest.param(
            b'{"titel": "typo"}', 422, "body: send title and/or completed", id="unknown-field-only"
        ),
        pytest.param(
            b'{"completed": null}', 422, "completed must not be null", id="null-completed"
        ),
        pytest.param(b'{"title": null}', 422, "title must not be null", id="null-title"),
        pytest.param(
            b'{"completed": "yes"}',
            422,
            "completed: Input should be a valid boolean",
            id="string-completed",
        ),
        pytest.param(
            b'{"completed": 1}',
            422,
            "completed: Input should be a valid boolean",
            id="number-completed",
        ),
        pytest.param(
            b'{"title": ""}',
            422,
            "title: String should have at least 1 character",
            id="empty-title",
        ),
        pytest.param(
            b'{"title": ["x"]}', 422, "title: Input should be a valid string", id="array-title"
        ),
    ],
)
def test_patch_rejects_bad_bodies(client, body, status, message):
    todo = create(client, "unchanged")
    response = client.patch(
        f"/api/todos/{todo['id']}", content=body, headers={"content-type": "application/json"}
    )
    assert message in assert_error(response, status)
    assert client.get("/api/todos").json() == [todo]


@pytest.mark.parametrize("method", ["patch", "delete"])
def test_unknown_id_is_404(client, method):
    kwargs = {"json": {"completed": True}} if method == "patch" else {}
    response = client.request(method, "/api/todos/999", **kwargs)
    assert assert_error(response, 404) == "todo 999 not found"


@pytest.mark.parametrize("todo_id", ["abc", "1.5", "0", "-1", str(2**63)])
@pytest.mark.parametrize("method", ["patch", "delete"])
def test_bad_id_is_422(client, method, todo_id):
    kwargs = {"json": {"completed": True}} if method == "patch" else {}
    response = client.request(method, f"/api/todos/{todo_id}", **kwargs)
    assert assert_error(response, 422).startswith("todo_id: ")


def test_unknown_route_and_method_answer_json(client):
    assert assert_error(client.get("/api/nothing"), 404) == "Not Found"
    response = client.put("/api/todos/1", json={"title": "x"})
    assert assert_error(response, 405) == "Method Not Allowed"
    assert "PATCH" in response.headers["allow"]
