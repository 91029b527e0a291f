"""A throwaway PostgreSQL server for the tests: initdb + pg_ctl in a temporary directory, on a
free port, as the `postgres` OS user when running as root (PostgreSQL refuses to run as root).
"""

from __future__ import annotations

import glob
import os
import pwd
import re
import shutil
import socket
import subprocess
import tempfile
from pathlib import Path

import psycopg

APP_USER = "todo"
APP_PASSWORD = "pg-test-Secret-4711"  # distinctive, so tests can assert it is never printed
APP_DATABASE = "todos"
SUPERUSER_PASSWORD = "pg-test-Super-0815"

INSTALL_FIX = (
    "install the PostgreSQL server (Debian: apt-get install postgresql) "
    "so that initdb and pg_ctl are on PATH or in /usr/lib/postgresql/<version>/bin"
)


class PostgresStartError(RuntimeError):
    """One line: what failed and how to fix it."""


class PostgresServer:
    def __init__(self) -> None:
        self._bin = _find_bin_dir()
        self._owner = _postgres_user() if os.geteuid() == 0 else None
        self._root = Path(tempfile.mkdtemp(prefix="todo-api-pg-"))
        self._data = self._root / "data"
        self.port = _free_port()
        self.running = False
        self._give_to_owner(self._root)

    def app_url(self, password: str = APP_PASSWORD) -> str:
        return f"postgresql://{APP_USER}:{password}@127.0.0.1:{self.port}/{APP_DATABASE}"

    def create(self) -> None:
        """initdb, start, and create the app's role and database."""
        pwfile = self._root / "superuser-password"
        pwfile.write_text(SUPERUSER_PASSWORD)
        self._give_to_owner(pwfile)
        self._run(
            "initdb",
            *("-D", str(self._data), "-U", "postgres", f"--pwfile={pwfile}"),
            *("--auth=scram-sha-256", "--encoding=UTF8", "--locale=C", "--no-sync"),
        )
        self.start()
        superuser = f"postgresql://postgres:{SUPERUSER_PASSWORD}@127.0.0.1:{self.port}/postgres"
        with psycopg.connect(superuser, autocommit=True) as conn:
            conn.execute(f"CREATE ROLE {APP_USER} LOGIN PASSWORD '{APP_PASSWORD}'")
            conn.execute(f"CREATE DATABASE {APP_DATABASE} OWNER {APP_USER}")

    def start(self) -> None:
        options = (
            f"-c port={self.port} -c listen_addresses=127.0.0.1 "
            f"-c unix_socket_directories={self._root} -c fsync=off"
        )
        log = self._root / "server.log"
        try:
            self._run(
                "pg_ctl",
                "-D",
                str(self._data),
                "-l",
                str(log),
                "-w",
                "-t",
                "30",
                "-o",
                options,
                "start",
            )
        except PostgresStartError as error:
            tail = log.read_text(errors="replace").strip().splitlines()[-3:] if log.exists() else []
            raise PostgresStartError(f"{error}; server log: {' | '.join(tail)}") from None
        self.running = True

    def stop(self) -> None:
        self._run("pg_ctl", "-D", str(self._data), "-m", "fast", "-w", "stop")
        self.running = False

    def drop_table(self) -> None:
        """A fresh start for the next test: the app creates the table again."""
        with psycopg.connect(self.app_url(), autocommit=True) as conn:
            conn.execute("DROP TABLE IF EXISTS todos")

    def destroy(self) -> None:
        try:
            if self.running:
                self.stop()
        finally:
            shutil.rmtree(self._root, ignore_errors=True)

    def _give_to_owner(self, path: Path) -> None:
        if self._owner:
            os.chown(path, self._owner.pw_uid, self._owner.pw_gid)

    def _run(self, tool: str, *args: str) -> None:
        command = [str(self._bin / tool), *args]
        if self._owner:
            command = ["runuser", "-u", self._owner.pw_name, "--", *command]
        result = subprocess.run(command, capture_output=True, text=True, cwd=self._root)
        if result.returncode != 0:
            lines = (result.stderr or result.stdout).strip().splitlines()[-3:]
            output = " | ".join(line.rstrip(".") for line in lines)
            raise PostgresStartError(f"`{tool} {args[-1]}` exited {result.returncode}: {output}")


def _find_bin_dir() -> Path:
    initdb = shutil.which("initdb")
    if initdb and shutil.which("pg_ctl"):
        return Path(initdb).parent
    # Debian keeps the server binaries off PATH.
    versions = glob.glob("/usr/lib/postgresql/*/bin")
    for directory in sorted(versions, key=lambda d: [int(n) for n in re.findall(r"\d+", d)])[::-1]:
        if (Path(directory) / "initdb").exists():
            return Path(directory)
    raise PostgresStartError(f"initdb and pg_ctl not found. Fix: {INSTALL_FIX}")


def _postgres_user() -> pwd.struct_passwd:
    try:
        return pwd.getpwnam("postgres")
    except KeyError:
        raise PostgresStartError(
            "running as root, and there is no `postgres` OS user to run PostgreSQL as "
            f"(it refuses to run as root). Fix: run the tests as a non-root user, or {INSTALL_FIX}"
        ) from None


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]
