"""`serve`: run the API under uvicorn; `--demo` also creates, fills and explains a demo."""

from __future__ import annotations

import datetime as dt
import os

import typer
import uvicorn
from sqlalchemy import select
from sqlalchemy.engine import URL

from cli.database import (
    KNOWN_ERRORS,
    check_api_role,
    describe_error,
    open_database,
    run,
    sqlite_problem,
)
from cli.output import console, fail
from models.database import (
    DatabaseNotMigrated,
    DatabaseUnavailable,
    create_engine,
    current_revision,
    session_factory,
)
from models.migrate import upgrade
from settings import (
    CORS_VARIABLE,
    DEMO_CORS_ORIGINS,
    DEMO_MAX_TTL_SECONDS,
    DEMO_TOKEN_VARIABLE,
    auth_settings,
    configured_cors_origins,
    database_url,
    demo_auth_settings,
    demo_secret_path,
    describe,
    serving_problems,
)
from settings.database import migration_database_url
from settings.errors import ConfigError

# One line for each, never a traceback (ValueError: mint_token refusing the demo's token).
SERVE_ERRORS: tuple[type[Exception], ...] = (*KNOWN_ERRORS, ValueError)
# The demo clinician: a physician who also administers the demo organization (audit log).
DEMO_ROLES = ("physician", "admin")


async def _is_empty(url: URL) -> bool:
    from models.core import Organization

    engine = create_engine(url, system=True)
    try:
        if await current_revision(engine) is None:
            return True
        async with session_factory(engine)() as session:
            return (await session.scalar(select(Organization.id).limit(1))) is None
    finally:
        await engine.dispose()


async def _seed_demo(url: URL) -> None:
    from seed.options import SeedOptions
    from seed.runner import seed_database

    engine = create_engine(url, system=True)
    try:
        report = await seed_database(engine, SeedOptions())
    finally:
        await engine.dispose()
    console.print(f"seeded the demo database in {report.elapsed_seconds:.1f} s")


async def _demo_clinician(url: URL) -> tuple[str, str, str, str]:
    """(user id, organization id, e-mail, organization slug) of a member of the first demo
    organization."""
    from models.core import Organization, OrganizationMember, User

    engine = create_engine(url, system=True)
    try:
        async with session_factory(engine)() as session:
            row = (
                await session.execute(
                    select(
                        OrganizationMember.user_id,
                        OrganizationMember.organization_id,
                        User.email,
                        Organization.slug,
                    )
                    .join(Organization, Organization.id == OrganizationMember.organization_id)
                    .join(User, User.id == OrganizationMember.user_id)
                    .order_by(
                        Organization.slug, OrganizationMember.joined_at, OrganizationMember.id
                    )
                    .limit(1)
                )
            ).one()
            return str(row[0]), str(row[1]), str(row[2]), str(row[3])
    finally:
        await engine.dispose()


def _prepare_demo(url: URL, host: str, port: int) -> None:
    from graph.auth import mint_token

    owner = migration_database_url(url)  # migrate, seed and look up as the owner
    open_database(owner)
    if run(_is_empty(owner)):
        console.print(f"creating the demo database at {describe(owner)} ...")
        upgrade(owner)
        run(_seed_demo(owner))
    else:
        upgrade(owner)
    settings = demo_auth_settings(demo_secret_path(url))
    # uvicorn builds the app (in each worker) from the environment: hand it the demo settings.
    os.environ["PERFEX_JWT_ALGORITHMS"] = '["HS256"]'
    os.environ["PERFEX_JWT_MAX_TTL_SECONDS"] = str(DEMO_MAX_TTL_SECONDS)
    os.environ["PERFEX_JWT_SECRET"] = settings.secret.get_secret_value() if settings.secret else ""
    os.environ["PERFEX_JWT_PUBLIC_KEY"] = ""  # keys from a .env would clash with HS256
    os.environ["PERFEX_JWT_PRIVATE_KEY"] = ""
    cors = "PERFEX_CORS_ORIGINS"
    if configured_cors_origins() is None:
        os.environ[CORS_VARIABLE] = ",".join(DEMO_CORS_ORIGINS)
        cors = "the demo"
    user_id, organization_id, email, slug = run(_demo_clinician(owner))
    token = mint_token(
        settings,
        user_id=user_id,
        organization_id=organization_id,
        roles=list(DEMO_ROLES),
        ttl_seconds=DEMO_MAX_TTL_SECONDS,
    )
    os.environ[DEMO_TOKEN_VARIABLE] = token  # GraphiQL opens with it (this demo only)
    expires = dt.datetime.now(dt.UTC) + dt.timedelta(seconds=DEMO_MAX_TTL_SECONDS)
    shown_host = "localhost" if host in ("0.0.0.0", "127.0.0.1") else host  # noqa: S104
    allowed = ", ".join(os.environ[CORS_VARIABLE].split(",")) or "none"
    console.print(f"\nGraphiQL: http://{shown_host}:{port}/graphql", highlight=False)
    console.print(f"Browser origins allowed by {cors}: {allowed}", highlight=False)
    console.print(
        f"Signed in as {email} in organization {slug}; for other roles, run in this directory:\n"
        f"  perfex-graph token --user {email} --org {slug} --roles admin",
        highlight=False,
    )
    console.print(f"Paste into GraphiQL's Headers tab (valid until {expires:%Y-%m-%d %H:%M} UTC):")
    typer.echo(f'{{"Authorization": "Bearer {token}"}}\n')


def _warn_unless_ready(url: URL) -> None:
    """A database that is down or not yet migrated is reported, not fatal: a deployment may
    start the API before the database or its migration; /readyz answers 503 meanwhile."""
    problem = sqlite_problem(url, must_exist=True)
    if problem is not None:  # a wrong path is a mistake to fix now, not a wait
        raise DatabaseUnavailable(problem)
    try:
        open_database(url, must_exist=True, migrated=True)
    except (DatabaseUnavailable, DatabaseNotMigrated) as exc:
        console.print(
            f"warning: {describe_error(exc)}; serving anyway, /readyz answers 503 until then",
            highlight=False,
        )


def serve(
    host: str = typer.Option("127.0.0.1", "--host", metavar="HOST", help="Interface to listen on."),
    port: int = typer.Option(8000, "--port", metavar="PORT", min=1, max=65535, help="TCP port."),
    workers: int = typer.Option(
        1, "--workers", metavar="N", min=1, max=64, help="Worker processes."
    ),
    demo: bool = typer.Option(
        False,
        "--demo",
        help="Create and seed the database if empty, and print a token to try the API.",
    ),
) -> None:
    """Serve the GraphQL API (and GraphiQL at /graphql) with uvicorn."""
    try:
        url = database_url()
        configured_cors_origins()  # fail now, with one line, on a bad PERFEX_CORS_ORIGINS
        problems = serving_problems(url, demo=demo)  # PERFEX_ENV=production: no demo keys
        if problems:
            raise ConfigError(f"refusing to serve in production: {'; '.join(problems)}")
        if demo:
            _prepare_demo(url, host, port)
        else:
            auth_settings()  # fail now, with one line, on bad token settings
            _warn_unless_ready(url)
        for warning in check_api_role(url):  # PostgreSQL: row-level security must hold
            console.print(f"[bold red]WARNING:[/] {warning}", highlight=False)
    except SERVE_ERRORS as exc:
        raise fail(describe_error(exc)) from None
    uvicorn.run(
        "graph.app:create_app",
        factory=True,
        host=host,
        port=port,
        workers=workers,
        log_level="info",
        access_log=False,
        server_header=False,
    )
