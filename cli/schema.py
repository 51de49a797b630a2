"""`export-schema` and `schema-diff`: the reviewed SDL contract and its breaking changes."""

from __future__ import annotations

import difflib
from pathlib import Path

import typer
from graphql import GraphQLError, build_schema, find_breaking_changes, find_dangerous_changes

from cli.output import console, fail

DEFAULT_OUTPUT = Path("schema.graphql")


def current_sdl() -> str:
    from graph.schema import schema

    return str(schema) + "\n"


def export_schema(
    output: Path = typer.Option(
        DEFAULT_OUTPUT, "--output", "-o", metavar="FILE", help="Where to write the SDL."
    ),
    check: bool = typer.Option(
        False,
        "--check",
        help="Only verify the file is up to date; print the difference and exit 1 if not.",
    ),
) -> None:
    """Write the GraphQL schema (SDL) to schema.graphql, or check that it is current."""
    sdl = current_sdl()
    if check:
        try:
            snapshot = output.read_text() if output.exists() else None
        except OSError as exc:
            raise fail(f"cannot read {output}: {exc.strerror}") from None
        if snapshot != sdl:
            _print_diff(output, snapshot, sdl)
            missing = "does not exist" if snapshot is None else "is out of date"
            raise fail(
                f"{output} {missing}: run `perfex-graph export-schema`, then review the diff"
            )
        console.print(f"{output} is up to date")
        return
    try:
        output.write_text(sdl)
    except OSError as exc:
        raise fail(f"cannot write {output}: {exc.strerror}") from None
    console.print(f"wrote {output} ({len(sdl.splitlines())} lines)")


def _print_diff(path: Path, snapshot: str | None, sdl: str) -> None:
    """A unified diff from the snapshot to the schema the code builds, on stdout."""
    lines = difflib.unified_diff(
        (snapshot or "").splitlines(keepends=True),
        sdl.splitlines(keepends=True),
        fromfile=f"{path} (snapshot)",
        tofile=f"{path} (current schema)",
    )
    for line in lines:
        typer.echo(line if line.endswith("\n") else line + "\n", nl=False)


def _load(path: Path) -> object:
    try:
        return build_schema(path.read_text())
    except OSError as exc:
        raise fail(f"cannot read {path}: {exc.strerror}") from None
    except (GraphQLError, TypeError) as exc:
        first = str(exc).splitlines()[0]
        raise fail(f"{path} is not a valid GraphQL schema: {first}") from None


def schema_diff(
    old: Path = typer.Argument(
        ..., metavar="OLD", help="The previous schema.graphql (e.g. of the last release)."
    ),
    new: Path = typer.Argument(..., metavar="NEW", help="The new schema.graphql."),
) -> None:
    """Print breaking and dangerous changes from OLD to NEW; exit 1 if any are breaking."""
    before, after = _load(old), _load(new)
    breaking = find_breaking_changes(before, after)  # type: ignore[arg-type]
    dangerous = find_dangerous_changes(before, after)  # type: ignore[arg-type]
    for change in breaking:
        typer.echo(f"BREAKING  {change.type.name}: {change.description}")
    for danger in dangerous:
        typer.echo(f"DANGEROUS {danger.type.name}: {danger.description}")
    typer.echo(f"{len(breaking)} breaking, {len(dangerous)} dangerous change(s)")
    if breaking:
        raise typer.Exit(1)
