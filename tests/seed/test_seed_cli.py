"""`perfex-graph seed` from the command line: one error line and status 1 on known failures."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import create_engine as create_sync_engine
from sqlalchemy import func, select
from typer.testing import CliRunner

from cli.main import app
from models.migrate import upgrade
from settings import database_url


@pytest.fixture
def database_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    path = tmp_path / "cli.db"
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{path}")
    database_url.cache_clear()
    yield path
    database_url.cache_clear()


def invoke(*args: str) -> tuple[int, list[str]]:
    result = CliRunner().invoke(app, ["seed", *args])
    return result.exit_code, [line for line in result.output.splitlines() if line.strip()]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--organizations", "0"], "error: --organizations must be between 1 and 500, got 0"),
        (["--months", "200"], "error: --months must be between 1 and 120, got 200"),
        (
            ["--rpm-readings-per-day", "49"],
            "error: --rpm-readings-per-day must be between 0 and 48",
        ),
        (["--as-of", "tomorrow"], "error: --as-of must be a date YYYY-MM-DD, got 'tomorrow'"),
    ],
)
def test_a_bad_option_is_one_error_line(database_file: Path, args: list[str], message: str) -> None:
    code, lines = invoke(*args)
    assert code == 1
    assert len(lines) == 1 and lines[0].startswith(message)


def test_an_unmigrated_database_is_one_error_line(database_file: Path) -> None:
    code, lines = invoke("--organizations", "1")
    assert code == 1
    assert len(lines) == 1 and "not migrated: run `perfex-graph migrate`" in lines[0]


def test_a_small_seed_succeeds_then_refuses_to_run_twice(database_file: Path) -> None:
    upgrade(database_url())
    args = ("--organizations", "1", "--patients-per-org", "3", "--months", "1")
    code, lines = invoke(*args, "--rpm-readings-per-day", "2", "--as-of", "2026-10-31")
    assert code == 0, lines
    assert lines[-1].startswith("seeded sqlite+aiosqlite:///") and "3 patients" in lines[-1]
    engine = create_sync_engine(f"sqlite:///{database_file}")
    with engine.connect() as conn:
        assert conn.scalar(select(func.count()).select_from(app_table("organizations"))) == 1
    engine.dispose()
    code, lines = invoke(*args)
    assert code == 1 and len(lines) == 1 and "already holds 1 organization(s)" in lines[0]


def app_table(name: str):  # type: ignore[no-untyped-def]
    import models

    return models.Base.metadata.tables[name]
