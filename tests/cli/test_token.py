"""`perfex-graph token`: people name the user and organization as they see them (e-mail, slug,
name, the API's global IDs), the database at DATABASE_URL says who that is, and the demo's
secret is found by itself."""

from __future__ import annotations

import asyncio
import concurrent.futures
import datetime as dt
import os
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy.engine import URL
from typer.testing import CliRunner, Result

from cli.main import app
from graph.auth import verify_token
from graph.ids import encode
from models.core import Organization, OrganizationMember, User
from models.database import create_engine, session_factory
from settings import (
    AuthSettings,
    auth_settings,
    database_url,
    demo_auth_settings,
    demo_secret_path,
    parse_database_url,
)

SECRET = "t" * 48


@dataclass(frozen=True)
class People:
    url: URL
    tag: str  # makes e-mails and slugs unique per database
    alice: str  # member of alpha
    bob: str  # member of twin-1 only
    carol: str  # inactive member of alpha
    alpha: str
    twin: str


def _email(name: str, tag: str) -> str:
    return f"{name}.{tag}@example.test"


async def _add_people(url: URL, tag: str) -> People:
    ids = {name: str(uuid.uuid4()) for name in ("alice", "bob", "carol", "alpha", "t1", "t2")}
    now = dt.datetime.now(dt.UTC)
    engine = create_engine(url)
    try:
        async with session_factory(engine)() as session, session.begin():
            session.add_all(
                [
                    Organization(id=ids["alpha"], name=f"Clinic Alpha {tag}", slug=f"alpha-{tag}"),
                    Organization(id=ids["t1"], name=f"Twin {tag}", slug=f"twin-1-{tag}"),
                    Organization(id=ids["t2"], name=f"twin {tag}", slug=f"twin-2-{tag}"),
                    User(id=ids["alice"], email=_email("alice", tag), password_hash="x"),
                    User(id=ids["bob"], email=_email("bob", tag), password_hash="x"),
                    User(
                        id=ids["carol"],
                        email=_email("carol", tag),
                        password_hash="x",
                        is_active=False,
                    ),
                ]
            )
            await session.flush()
            for user, org in (("alice", "alpha"), ("bob", "t1"), ("carol", "alpha")):
                session.add(
                    OrganizationMember(
                        organization_id=ids[org], user_id=ids[user], role="member", joined_at=now
                    )
                )
    finally:
        await engine.dispose()
    return People(url, tag, ids["alice"], ids["bob"], ids["carol"], ids["alpha"], ids["t1"])


@pytest.fixture(scope="module")
def people(dialect: str, make_migrated_database: Callable[[str], URL]) -> People:
    url = make_migrated_database(dialect)
    with concurrent.futures.ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(asyncio.run, _add_people(url, uuid.uuid4().hex[:8])).result()


@pytest.fixture
def invoke(
    people: People, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> Iterator[Callable[..., Result]]:
    """`invoke(*args, **env)`: `perfex-graph token` on the people's database, in an empty
    directory with a private state directory; PERFEX_JWT_SECRET unless `env` says otherwise."""
    for name in list(os.environ):
        if name.startswith("PERFEX_"):
            monkeypatch.delenv(name)
    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path / "state"))
    monkeypatch.setenv("DATABASE_URL", people.url.render_as_string(hide_password=False))
    monkeypatch.chdir(tmp_path)

    def run(*args: str, **env: Any) -> Result:
        database_url.cache_clear()
        auth_settings.cache_clear()
        return CliRunner().invoke(app, ["token", *args], env={"PERFEX_JWT_SECRET": SECRET, **env})

    yield run
    database_url.cache_clear()
    auth_settings.cache_clear()


def _claims(
    result: Result, settings: AuthSettings | None = None
) -> tuple[str, str, tuple[str, ...]]:
    assert result.exit_code == 0, result.stderr
    assert result.stderr == "" and result.stdout.count("\n") == 1
    claims = verify_token(result.stdout.strip(), settings or AuthSettings(secret=SECRET))
    return claims.user_id, claims.organization_id, claims.roles


def _error(result: Result) -> str:
    assert result.exit_code == 1, result.stdout
    assert result.stdout == "" and "Traceback" not in result.stderr
    assert result.stderr.startswith("error: ") and result.stderr.count("\n") == 1, result.stderr
    return result.stderr


def test_user_and_organization_as_people_know_them(people: People, invoke: Any) -> None:
    email, slug = _email("alice", people.tag), f"alpha-{people.tag}"
    member = (people.alice, people.alpha)
    spellings = [
        (email, slug),
        (email.upper(), f"Clinic Alpha {people.tag}".lower()),  # e-mail and name: any case
        (encode("User", people.alice), encode("Organization", people.alpha)),  # the API's IDs
        (people.alice.upper(), slug),  # a raw UUID with a slug: looked up too
    ]
    for user, org in spellings:
        assert _claims(invoke("--user", user, "--org", org))[:2] == member, (user, org)
    result = invoke("--user", email, "--org", slug, "--roles", "admin, nurse", "--ttl", "120")
    assert _claims(result)[2] == ("admin", "nurse")


def test_what_cannot_get_a_token_is_said_in_one_line(people: People, invoke: Any) -> None:
    tag = people.tag
    alice, slug = _email("alice", tag), f"alpha-{tag}"
    cases = [
        (("nobody@example.test", slug), "no user with e-mail nobody@example.test"),
        ((alice, "no-such-clinic"), "no organization with slug or name 'no-such-clinic'"),
        ((alice, str(uuid.uuid4())), "no organization with id"),
        ((str(uuid.uuid4()), slug), "no user with id"),
        ((alice, f"Twin {tag}"), f"2 organizations are named 'Twin {tag}'"),
        ((alice, f"twin-1-{tag}"), f"is not a member of the organization twin-1-{tag}"),
        ((_email("carol", tag), slug), "is not active"),
        ((encode("Organization", people.alpha), slug), "not User"),
        ((alice, encode("User", people.alice)), "not Organization"),
        (("alice", slug), "neither an e-mail, a user id (UUID) nor a User global ID"),
    ]
    for (user, org), message in cases:
        assert message in _error(invoke("--user", user, "--org", org)), (user, org)
    not_member = _error(invoke("--user", _email("bob", tag), "--org", slug))
    assert f"but a member of twin-1-{tag}" in not_member
    ambiguous = _error(invoke("--user", alice, "--org", f"Twin {tag}"))
    assert f"twin-1-{tag}, twin-2-{tag}" in ambiguous and "give the slug" in ambiguous


def test_the_demo_secret_is_found_for_its_database(
    people: People, invoke: Any, tmp_path: Path
) -> None:
    args = ("--user", _email("alice", people.tag), "--org", f"alpha-{people.tag}")
    assert "no signing key" in _error(invoke(*args, PERFEX_JWT_SECRET=None))

    secret_file = demo_secret_path(people.url)  # as `serve --demo` on this database leaves it
    demo = demo_auth_settings(secret_file)
    assert secret_file.is_relative_to(tmp_path / "state" / "perfex-graph")
    assert secret_file.stat().st_mode & 0o777 == 0o600
    assert _claims(invoke(*args, PERFEX_JWT_SECRET=None), demo)[:2] == (people.alice, people.alpha)
    # Configured keys always win over the demo's.
    assert _claims(invoke(*args))[:2] == (people.alice, people.alpha)
    # Two raw UUIDs look nothing up, so they sign only with configured keys.
    raw = _error(invoke("--user", people.alice, "--org", people.alpha, PERFEX_JWT_SECRET=None))
    assert "PERFEX_JWT_SECRET is required" in raw and "e-mail or global ID" in raw


def test_each_database_has_its_own_demo_secret(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path / "state"))
    monkeypatch.chdir(tmp_path)
    relative = parse_database_url("sqlite:///./perfex_graph.db")
    absolute = parse_database_url(f"sqlite:///{tmp_path / 'perfex_graph.db'}")
    elsewhere = parse_database_url(f"sqlite:///{tmp_path / 'other' / 'perfex_graph.db'}")
    assert demo_secret_path(relative) == demo_secret_path(absolute)
    assert demo_secret_path(elsewhere) != demo_secret_path(absolute)
    assert demo_secret_path(absolute).parent == tmp_path / "state" / "perfex-graph" / "demo-secrets"
    postgres = parse_database_url("postgresql://me:pw@db.example:5432/clinic")
    assert demo_secret_path(postgres) == demo_secret_path(postgres.set(password="other"))
    assert demo_secret_path(postgres) != demo_secret_path(postgres.set(database="other"))
    monkeypatch.setenv("XDG_STATE_HOME", "relative/dir")  # ignored, as XDG says
    assert demo_secret_path(absolute).is_relative_to(Path.home() / ".local" / "state")
