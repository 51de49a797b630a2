"""`perfex-graph`: the command line. Each command turns known failures into one clear line."""

from __future__ import annotations

import typer

from cli.database import KNOWN_ERRORS, describe_error, open_database
from cli.help import Command, Group
from cli.output import console, fail
from models.migrate import head_revision, upgrade
from settings import describe
from settings.database import migration_database_url

app = typer.Typer(
    name="perfex-graph",
    help="Perfex Clinical Graph: a GraphQL API over the Perfex ERP Healthcare database.",
    cls=Group,
    no_args_is_help=True,
    pretty_exceptions_enable=False,
)


@app.callback()
def _root() -> None:
    """Perfex Clinical Graph. Configure with DATABASE_URL (default: ./perfex_graph.db)."""


@app.command(cls=Command)
def migrate() -> None:
    """Upgrade the database at MIGRATION_DATABASE_URL (default: DATABASE_URL) to the latest
    schema, as the owner of the tables."""
    try:
        url = migration_database_url()
        open_database(url)
        upgrade(url)
    except KNOWN_ERRORS as exc:
        raise fail(describe_error(exc)) from None
    console.print(f"database at {describe(url)} is at revision {head_revision()}")


def _register() -> None:
    """Commands live in their own modules, which import `console` and `fail` from cli.output."""
    from cli.db import db_app
    from cli.schema import export_schema, schema_diff
    from cli.seed import seed
    from cli.serve import serve
    from cli.token import token

    app.command(cls=Command)(serve)
    app.command(cls=Command)(token)
    app.command("export-schema", cls=Command)(export_schema)
    app.command("schema-diff", cls=Command)(schema_diff)
    app.command(cls=Command)(seed)
    app.add_typer(db_app)


_register()


def main() -> None:
    app()


if __name__ == "__main__":
    main()
