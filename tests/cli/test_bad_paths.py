"""Bad paths end in one error line, never a traceback.

`DATABASE_URL=sqlite:////nonexistent/dir/x.db perfex-graph migrate` used to print aiosqlite's
`RuntimeError: Event loop is closed` traceback in about half the runs (its worker thread posted
to the loop asyncio.run had just closed), and its one line spoke of a server SQLite does not
have. The subprocess tests run the command as a person does, where Python itself prints what
escapes a thread; the others run in-process (faster) with the same checks.
"""

from __future__ import annotations

import os
import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner, Result

import cli.database
import cli.serve
from cli.database import open_database
from cli.main import app
from models.database import DatabaseUnavailable
from settings import auth_settings, database_url, parse_database_url

ROOT = Path(__file__).resolve().parents[2]
MISSING_DIR = "sqlite:////nonexistent/dir/x.db"
UNREACHABLE_POSTGRES = "postgresql://postgres@127.0.0.1:1/perfex"  # nothing listens on port 1
SECRET = "s" * 48
TOKEN_ARGS = ["token", "--user", "someone@example.org", "--org", "clinic"]
COMMANDS = {
    "migrate": ["migrate"],
    "seed": ["seed", "--organizations", "1"],
    "serve": ["serve"],
    "serve-demo": ["serve", "--demo"],
    "token": TOKEN_ARGS,
}


def _environment(tmp_path: Path, values: dict[str, str]) -> dict[str, str]:
    """The caller's environment without any of this project's settings, plus `values`."""
    ours = ("PERFEX_", "DATABASE_URL", "XDG_STATE_HOME")
    env = {name: value for name, value in os.environ.items() if not name.startswith(ours)}
    env.update(PYTHONPATH=str(ROOT), XDG_STATE_HOME=str(tmp_path / "state"), COLUMNS="200")
    return {**env, **values}


def _start(args: list[str], tmp_path: Path, **values: str) -> subprocess.Popen[str]:
    return subprocess.Popen(  # noqa: S603 (this interpreter, fixed arguments)
        [sys.executable, "-m", "cli.main", *args],
        cwd=tmp_path,  # no .env, no ./perfex_graph.db
        env=_environment(tmp_path, values),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def _assert_one_line(code: int, stdout: str, stderr: str, *expected: str) -> str:
    assert "Traceback" not in stderr and "Traceback" not in stdout, stderr
    assert code == 1, (code, stdout, stderr)
    assert stderr.count("\n") == 1 and stderr.startswith("error: "), stderr
    for text in expected:
        assert text in stderr, stderr
    return stderr


def test_a_missing_directory_is_one_line_and_never_a_traceback(tmp_path: Path) -> None:
    """Four processes at once: migrate three times, and the demo (in-process below: the rest)."""
    runs = [_start(["migrate"], tmp_path, DATABASE_URL=MISSING_DIR) for _ in range(3)]
    runs.append(_start(["serve", "--demo"], tmp_path, DATABASE_URL=MISSING_DIR))
    for process in runs:
        stdout, stderr = process.communicate(timeout=180)
        line = _assert_one_line(
            process.returncode,
            stdout,
            stderr,
            "SQLite",
            "the directory /nonexistent/dir does not exist",
        )
        assert "server" not in line


@pytest.fixture
def thread_errors() -> Iterator[list[Any]]:
    """What escapes any thread while the test runs."""
    seen: list[Any] = []
    previous = threading.excepthook
    threading.excepthook = seen.append
    yield seen
    threading.excepthook = previous


@pytest.fixture
def invoke(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Any]:
    """`invoke(args, **env)`: the command in-process, in an empty directory, with only `env`
    of this project's settings; the server is never started."""
    for name in list(os.environ):
        if name.startswith(("PERFEX_", "DATABASE_URL")):
            monkeypatch.delenv(name)
    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path / "state"))
    monkeypatch.chdir(tmp_path)

    started: list[object] = []

    def no_server(*args: object, **_kwargs: object) -> None:
        started.append(args)  # recorded, never run

    monkeypatch.setattr(cli.serve.uvicorn, "run", no_server)

    def run(args: list[str], **env: str) -> Result:
        database_url.cache_clear()
        auth_settings.cache_clear()
        started.clear()
        result = CliRunner().invoke(app, args, env=env)
        result.started = bool(started)  # type: ignore[attr-defined]
        return result

    yield run
    database_url.cache_clear()
    auth_settings.cache_clear()


def _assert_result(result: Result, *expected: str) -> str:
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        raise AssertionError(f"{type(result.exception).__name__}: {result.exception}")
    return _assert_one_line(result.exit_code, result.stdout, result.stderr, *expected)


@pytest.mark.parametrize("name", COMMANDS)
def test_each_command_says_what_is_wrong_with_the_database(
    invoke: Any, thread_errors: list[Any], name: str
) -> None:
    result = invoke(COMMANDS[name], DATABASE_URL=MISSING_DIR, PERFEX_JWT_SECRET=SECRET)
    line = _assert_result(result, "SQLite", "the directory /nonexistent/dir does not exist")
    assert "server" not in line
    result = invoke(COMMANDS[name], DATABASE_URL=UNREACHABLE_POSTGRES, PERFEX_JWT_SECRET=SECRET)
    if name == "serve":  # a server that is down may come up: warn, serve, /readyz says 503
        said = result.stdout + result.stderr
        assert result.started and result.exit_code == 0, said
        assert "warning:" in said and "server is running" in said and "/readyz answers 503" in said
    else:
        assert not result.started
        _assert_result(result, "127.0.0.1:1", "server is running")
    assert thread_errors == []


def test_files_sqlite_cannot_use_are_named(invoke: Any, tmp_path: Path) -> None:
    garbage = tmp_path / "garbage.db"
    garbage.write_bytes(b"not a database, " * 512)
    cases = {
        f"sqlite:///{garbage}": ("cannot open the SQLite database", "file is not a database"),
        f"sqlite:///{tmp_path}": ("is a directory",),
        f"sqlite:///{garbage}/x.db": ("is not a directory",),
    }
    for url, expected in cases.items():
        for args in (["migrate"], TOKEN_ARGS):
            _assert_result(invoke(args, DATABASE_URL=url, PERFEX_JWT_SECRET=SECRET), *expected)


def test_commands_that_read_do_not_create_an_empty_database(invoke: Any, tmp_path: Path) -> None:
    result = invoke(TOKEN_ARGS, PERFEX_JWT_SECRET=SECRET)
    _assert_result(result, "there is no SQLite database at", "perfex-graph migrate")
    _assert_result(invoke(["serve"], PERFEX_JWT_SECRET=SECRET), "there is no SQLite database")
    assert not (tmp_path / "perfex_graph.db").exists()
    (tmp_path / "empty.db").touch()
    for args in (["seed"], TOKEN_ARGS):
        result = invoke(args, DATABASE_URL="sqlite:///empty.db", PERFEX_JWT_SECRET=SECRET)
        _assert_result(result, "not migrated", "perfex-graph migrate")
    served = invoke(["serve"], DATABASE_URL="sqlite:///empty.db", PERFEX_JWT_SECRET=SECRET)
    assert served.started and "not migrated" in served.stdout + served.stderr


def test_settings_mistakes_are_one_line(invoke: Any) -> None:
    cases = [
        (["migrate"], {"DATABASE_URL": "mysql://db/x"}, "only SQLite"),
        (["serve"], {"PERFEX_CORS_ORIGINS": "example.org"}, "PERFEX_CORS_ORIGINS"),
        (["serve", "--demo"], {"PERFEX_CORS_ORIGINS": "[1,"}, "PERFEX_CORS_ORIGINS"),
        (["serve"], {"PERFEX_JWT_SECRET": "short"}, "PERFEX_JWT_SECRET is too short"),
        (TOKEN_ARGS, {"PERFEX_JWT_ALGORITHMS": "HS256,RS256"}, "mixes HMAC and RSA"),
    ]
    for args, env, expected in cases:
        _assert_result(invoke(args, **env), expected)


def test_no_worker_thread_outlives_a_failed_connect(
    thread_errors: list[Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    """The race itself, without the up-front path check that now catches this case first."""
    monkeypatch.setattr(cli.database, "sqlite_problem", lambda *_args, **_kwargs: None)
    url = parse_database_url(MISSING_DIR)
    for _ in range(10):
        with pytest.raises(DatabaseUnavailable, match="unable to open database file"):
            open_database(url)
        workers = [t for t in threading.enumerate() if "_connection_worker_thread" in t.name]
        assert workers == []
    assert thread_errors == []
