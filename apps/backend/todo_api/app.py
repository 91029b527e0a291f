"""The HTTP API: todos under /api/todos, and /health for the Deployment's probes."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Annotated, Any

from fastapi import FastAPI, HTTPException, Path, Request, Response
from fastapi.exceptions import RequestValidationError
from fastapi.middleware.cors import CORSMiddleware
from fastapi.responses import JSONResponse
from pydantic import AfterValidator, BaseModel, StrictBool, StringConstraints, model_validator
from pydantic_core import PydanticCustomError
from starlette.exceptions import HTTPException as StarletteHTTPException

from .config import Settings
from .storage import SqlStore, StoreUnavailable, Todo, open_store

log = logging.getLogger("todo_api")

# Ids are 64-bit in both databases; larger numbers are rejected before they reach a query.
MAX_ID = 2**63 - 1
TodoId = Annotated[int, Path(ge=1, le=MAX_ID, description="Id of an existing todo")]


def _printable(title: str) -> str:
    # A title is one line, and PostgreSQL cannot store NUL in text.
    if any(ord(c) < 0x20 or ord(c) == 0x7F for c in title):
        raise PydanticCustomError("title_characters", "must not contain control characters")
    return title


Title = Annotated[
    str,
    StringConstraints(strict=True, strip_whitespace=True, min_length=1, max_length=200),
    AfterValidator(_printable),
]


class TodoCreate(BaseModel):
    title: Title


class TodoPatch(BaseModel):
    title: Title | None = None
    completed: StrictBool | None = None

    @model_validator(mode="after")
    def _something_to_change(self) -> TodoPatch:
        if not self.model_fields_set & {"title", "completed"}:
            raise PydanticCustomError("nothing_to_update", "send title and/or completed")
        for name in self.model_fields_set & {"title", "completed"}:
            if getattr(self, name) is None:
                raise PydanticCustomError("null_field", f"{name} must not be null")
        return self


def create_app(settings: Settings) -> FastAPI:
    store = open_store(settings.database)

    @asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        # Start even when the database is down: /health reports it and the table is created
        # as soon as the database answers.
        try:
            store.ensure_schema()
        except StoreUnavailable as error:
            log.warning("database not ready at startup (%s); /health answers 503", error.reason)
        yield

    docs = settings.environment == "development"
    app = FastAPI(
        title="Todo API",
        lifespan=lifespan,
        docs_url="/docs" if docs else None,
        redoc_url=None,
        openapi_url="/openapi.json" if docs else None,
    )
    if settings.frontend_url:
        app.add_middleware(
            CORSMiddleware,
            allow_origins=[settings.frontend_url],
            allow_methods=["GET", "POST", "PATCH", "DELETE"],
            allow_headers=["Content-Type"],
        )
    _add_error_handlers(app)
    _add_routes(app, store)
    return app


def _add_routes(app: FastAPI, store: SqlStore) -> None:
    @app.get("/health")
    def health() -> JSONResponse:
        try:
            store.check()
        except StoreUnavailable as error:
            return JSONResponse(
                {"status": "unavailable", "database": error.reason}, status_code=503
            )
        return JSONResponse({"status": "ok", "database": "ok"})

    @app.get("/api/todos")
    def list_todos() -> list[Todo]:
        return store.list()

    @app.post("/api/todos", status_code=201)
    def create_todo(body: TodoCreate) -> Todo:
        return store.create(body.title)

    @app.patch("/api/todos/{todo_id}")
    def update_todo(todo_id: TodoId, body: TodoPatch) -> Todo:
        todo = store.update(todo_id, title=body.title, completed=body.completed)
        if todo is None:
            raise HTTPException(404, f"todo {todo_id} not found")
        return todo

    @app.delete("/api/todos/{todo_id}", status_code=204)
    def delete_todo(todo_id: TodoId) -> Response:
        if not store.delete(todo_id):
            raise HTTPException(404, f"todo {todo_id} not found")
        return Response(status_code=204)


def _add_error_handlers(app: FastAPI) -> None:
    """Every error answers {"error": "<one line>"}."""

    @app.exception_handler(RequestValidationError)
    async def invalid_request(_: Request, exc: RequestValidationError) -> JSONResponse:
        errors = exc.errors()
        bad_json = next((e for e in errors if e["type"] == "json_invalid"), None)
        if bad_json is not None:
            detail = bad_json.get("ctx", {}).get("error", "parse error")
            return JSONResponse({"error": f"request body is not valid JSON: {detail}"}, 400)
        return JSONResponse({"error": "; ".join(_describe(e) for e in errors)}, 422)

    @app.exception_handler(StarletteHTTPException)
    async def http_error(_: Request, exc: StarletteHTTPException) -> JSONResponse:
        return JSONResponse({"error": exc.detail}, exc.status_code, headers=exc.headers)

    @app.exception_handler(StoreUnavailable)
    async def store_unavailable(_: Request, exc: StoreUnavailable) -> JSONResponse:
        return JSONResponse({"error": f"database unavailable: {exc.reason}"}, 503)


def _describe(error: dict[str, Any]) -> str:
    """`title: String should have at most 200 characters` from a pydantic error."""
    # loc starts with where the value came from ("body", "path"); the field name is enough,
    # and the whole body is called "body".
    where = ".".join(str(part) for part in error["loc"][1:]) or str(error["loc"][0])
    return f"{where}: {error['msg']}"
