"""`perfex-graph`: the command line. Each command turns known failures into one clear line."""

from __future__ import annotations

import asyncio

import typer

from cli.output import console, fail
from models.database import DatabaseUnavailable, create_engine, current_revision
from models.migrate import head_revision, upgrade
from settings import ConfigError, database_url, describe

app = typer.Typer(
    name="perfex-graph",
    help="Perfex Clinical Graph: a GraphQL API over the Perfex ERP Healthcare database.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
)


@app.callback()
def _root() -> None:
    """Perfex Clinical Graph. Configure with DATABASE_URL (default: ./perfex_graph.db)."""


@app.command()
def migrate() -> None:
    """Upgrade the database at DATABASE_URL to the latest schema."""
    try:
        url = database_url()
        asyncio.run(_ensure_reachable(url))
        upgrade(url)
    except (ConfigError, DatabaseUnavailable) as exc:
        raise fail(str(exc)) from None
    console.print(f"database at {describe(url)} is at revision {head_revision()}")


def _register() -> None:
    """Commands live in their own modules, which import `app`, `console` and `fail` from here."""
    from cli.schema import export_schema, schema_diff
    from cli.seed import seed
    from cli.serve import serve
    from cli.token import token

    app.command()(serve)
    app.command()(token)
    app.command("export-schema")(export_schema)
    app.command("schema-diff")(schema_diff)
    app.command()(seed)


_register()


async def _ensure_reachable(url: object) -> None:
    engine = create_engine(url)  # type: ignore[arg-type]
    try:
        await current_revision(engine)
    finally:
        await engine.dispose()


def main() -> None:
    app()


if __name__ == "__main__":
    main()
