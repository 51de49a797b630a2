"""`perfex-graph db create-api-role` and the role check of `serve`: the API's PostgreSQL role
is made without the privileges that would bypass row-level security, and serving as a role
that bypasses it is a loud warning, or a refusal in production."""

from __future__ import annotations

import asyncio
import re
from collections.abc import Callable
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.engine import URL
from typer.testing import CliRunner

from cli.database import UnsafeDatabaseRole, check_api_role
from cli.main import app
from models.database import create_engine
from settings import parse_database_url

ARTEFACT = re.compile(r"<(bool|str|int|float|text|integer|boolean)>|[{}]")


def invoke(url: URL | str, *args: str, stdin: str | None = None) -> tuple[int, list[str]]:
    raw = url if isinstance(url, str) else url.render_as_string(hide_password=False)
    result = CliRunner().invoke(
        app, ["db", "create-api-role", *args], input=stdin, env={"MIGRATION_DATABASE_URL": raw}
    )
    return result.exit_code, [line for line in result.output.splitlines() if line.strip()]


@pytest.mark.parametrize("command", ["db", "db create-api-role"])
def test_help_reads_cleanly(command: str) -> None:
    result = CliRunner().invoke(app, [*command.split(), "--help"], env={"TERMINAL_WIDTH": "100"})
    assert result.exit_code == 0, result.output
    assert not ARTEFACT.findall(result.output), result.output


def test_sqlite_has_no_roles(tmp_path: Path) -> None:
    code, lines = invoke(f"sqlite:///{tmp_path}/x.db")
    assert code == 1 and len(lines) == 1 and "is for PostgreSQL" in lines[0], lines


@pytest.fixture(scope="module")
def postgres_url(dialect: str, make_migrated_database: Callable[[str], URL]) -> URL:
    if dialect != "postgresql":
        pytest.skip("roles are PostgreSQL's")
    return make_migrated_database("postgresql")


async def _privileges(url: URL, role: str) -> dict[str, object]:
    engine = create_engine(url)
    try:
        async with engine.connect() as conn:
            row = (
                await conn.execute(
                    text(
                        "SELECT rolsuper, rolbypassrls, rolcanlogin, rolpassword IS NOT NULL,"
                        " has_table_privilege(:r, 'healthcare_patients', 'INSERT'),"
                        " has_table_privilege(:r, 'organizations', 'SELECT'),"
                        " has_table_privilege(:r, 'organizations', 'INSERT'),"
                        " has_table_privilege(:r, 'alembic_version', 'SELECT')"
                        " FROM pg_authid WHERE rolname = :r"
                    ),
                    {"r": role},
                )
            ).one()
    finally:
        await engine.dispose()
    keys = ("super", "bypass", "login", "password", "write", "read_org", "write_org", "version")
    return dict(zip(keys, row, strict=True))


def test_the_role_is_created_then_updated(
    postgres_url: URL, make_postgres_role: Callable[..., str]
) -> None:
    role = make_postgres_role("cli", create=False)
    code, lines = invoke(postgres_url, "--role", role, "--password-stdin", stdin="s3cr'et\n")
    assert code == 0, lines
    assert f"role {role} created" in lines[-1]
    assert asyncio.run(_privileges(postgres_url, role)) == {
        "super": False,
        "bypass": False,
        "login": True,
        "password": True,
        "write": True,
        "read_org": True,
        "write_org": False,
        "version": True,
    }
    code, lines = invoke(postgres_url, "--role", role)
    assert code == 0 and f"role {role} updated" in lines[-1], lines


def test_a_role_that_bypasses_row_level_security_is_refused(postgres_url: URL) -> None:
    superuser = postgres_url.username or "postgres"
    code, lines = invoke(postgres_url, "--role", superuser)
    assert code == 1 and len(lines) == 1 and "superuser or has BYPASSRLS" in lines[0], lines


def test_a_bad_role_name_is_one_line(postgres_url: URL) -> None:
    code, lines = invoke(postgres_url, "--role", "Robert'); DROP")
    assert code == 1 and len(lines) == 1 and "not a plain role name" in lines[0], lines


def test_serving_as_a_superuser_warns_and_refuses_in_production(
    postgres_url: URL, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PERFEX_ENV", "development")
    warnings = check_api_role(postgres_url)
    assert any("is a superuser" in w and "create-api-role" in w for w in warnings), warnings
    monkeypatch.setenv("PERFEX_ENV", "production")
    with pytest.raises(UnsafeDatabaseRole, match="refusing to serve"):
        check_api_role(postgres_url)


def test_serving_as_the_api_role_is_quiet(
    postgres_url: URL, make_postgres_role: Callable[..., str], monkeypatch: pytest.MonkeyPatch
) -> None:
    role = make_postgres_role("quiet")
    code, lines = invoke(postgres_url, "--role", role)
    assert code == 0, lines
    monkeypatch.setenv("PERFEX_ENV", "production")
    assert check_api_role(postgres_url.set(username=role, password=None)) == []


def test_sqlite_and_unreachable_servers_are_not_checked(tmp_path: Path) -> None:
    assert check_api_role(parse_database_url(f"sqlite:///{tmp_path}/x.db")) == []
    assert check_api_role(parse_database_url("postgresql://postgres@127.0.0.1:1/x")) == []
