"""Todo API of the todo app: FastAPI over SQLite or PostgreSQL."""
