"""Entry point for uvicorn (`uvicorn todo_api.main:app`): settings from the environment."""

import logging
import os
import sys

from .app import create_app
from .config import ConfigError, load_settings

try:
    settings = load_settings(os.environ)
except ConfigError as error:
    # One line instead of a traceback: the message already says what to fix.
    print(f"todo-api: configuration error: {error}", file=sys.stderr)
    raise SystemExit(1) from None

logging.basicConfig(format="%(levelname)s:     %(name)s: %(message)s")
for name in ("todo_api", "uvicorn", "uvicorn.error", "uvicorn.access"):
    logging.getLogger(name).setLevel(settings.python_log_level)

logging.getLogger("todo_api").info(
    "starting: environment=%s, database=%s, cors origin=%s",
    settings.environment,
    settings.database.describe(),
    settings.frontend_url or "none",
)
app = create_app(settings)
