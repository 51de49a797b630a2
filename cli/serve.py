"""`serve`: run the API under uvicorn; `--demo` also creates, fills and explains a demo."""

from __future__ import annotations

import asyncio
import datetime as dt
import os
from pathlib import Path

import typer
import uvicorn
from sqlalchemy import select
from sqlalchemy.engine import URL

from cli.output import console, fail
from models.database import DatabaseUnavailable, create_engine, current_revision, session_factory
from models.migrate import upgrade
from settings import (
    DEMO_MAX_TTL_SECONDS,
    DEMO_SECRET_FILE,
    ConfigError,
    auth_settings,
    database_url,
    demo_auth_settings,
    describe,
)


async def _is_empty(url: URL) -> bool:
    from models.core import Organization

    engine = create_engine(url)
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

    engine = create_engine(url)
    try:
        report = await seed_database(engine, SeedOptions())
    finally:
        await engine.dispose()
    console.print(f"seeded the demo database in {report.elapsed_seconds:.1f} s")


async def _demo_clinician(url: URL) -> tuple[str, str]:
    """(user id, organization id) of a member of the first demo organization."""
    from models.core import Organization, OrganizationMember

    engine = create_engine(url)
    try:
        async with session_factory(engine)() as session:
            row = (
                await session.execute(
                    select(OrganizationMember.user_id, OrganizationMember.organization_id)
                    .join(Organization, Organization.id == OrganizationMember.organization_id)
                    .order_by(
                        Organization.slug, OrganizationMember.joined_at, OrganizationMember.id
                    )
                    .limit(1)
                )
            ).one()
            return str(row[0]), str(row[1])
    finally:
        await engine.dispose()


def _prepare_demo(url: URL, host: str, port: int) -> None:
    from graph.auth import mint_token

    if asyncio.run(_is_empty(url)):
        console.print(f"creating the demo database at {describe(url)} ...")
        upgrade(url)
        asyncio.run(_seed_demo(url))
    else:
        upgrade(url)
    secret_file = Path(DEMO_SECRET_FILE).resolve()
    settings = demo_auth_settings(secret_file)
    # uvicorn builds the app (in each worker) from the environment: hand it the demo settings.
    os.environ["PERFEX_JWT_ALGORITHMS"] = '["HS256"]'
    os.environ["PERFEX_JWT_MAX_TTL_SECONDS"] = str(DEMO_MAX_TTL_SECONDS)
    os.environ["PERFEX_JWT_SECRET"] = settings.secret.get_secret_value() if settings.secret else ""
    user_id, organization_id = asyncio.run(_demo_clinician(url))
    token = mint_token(
        settings,
        user_id=user_id,
        organization_id=organization_id,
        roles=["clinician"],
        ttl_seconds=DEMO_MAX_TTL_SECONDS,
    )
    expires = dt.datetime.now(dt.UTC) + dt.timedelta(seconds=DEMO_MAX_TTL_SECONDS)
    shown_host = "localhost" if host in ("0.0.0.0", "127.0.0.1") else host  # noqa: S104
    console.print(f"\nGraphiQL: http://{shown_host}:{port}/graphql")
    console.print(f"Paste into GraphiQL's Headers tab (valid until {expires:%Y-%m-%d %H:%M} UTC):")
    typer.echo(f'{{"Authorization": "Bearer {token}"}}\n')


def serve(
    host: str = typer.Option("127.0.0.1", "--host", help="Interface to listen on."),
    port: int = typer.Option(8000, "--port", min=1, max=65535, help="TCP port."),
    workers: int = typer.Option(1, "--workers", min=1, max=64, help="Worker processes."),
    demo: bool = typer.Option(False, "--demo", help="Create and seed a demo database if empty."),
) -> None:
    """Serve the GraphQL API (and GraphiQL at /graphql) with uvicorn."""
    try:
        url = database_url()
        if demo:
            _prepare_demo(url, host, port)
        else:
            auth_settings()  # fail now, with one line, on bad token settings
    except (ConfigError, DatabaseUnavailable, ValueError) as exc:
        raise fail(str(exc)) from None
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
