"""schema.graphql is the reviewed contract: it must equal what the code exports."""

from __future__ import annotations

from pathlib import Path

from cli.schema import current_sdl

SNAPSHOT = Path(__file__).resolve().parents[2] / "schema.graphql"


def test_snapshot_matches_the_code() -> None:
    committed = SNAPSHOT.read_text() if SNAPSHOT.exists() else ""
    assert committed == current_sdl(), (
        "schema.graphql differs from the schema the code builds: run "
        "`perfex-graph export-schema`, read the diff, and commit it"
    )


def test_snapshot_names_the_documented_types() -> None:
    sdl = SNAPSHOT.read_text()
    for type_name in ("Patient", "DialysisSession", "Ecg", "RpmReading", "Me", "Node"):
        assert f"type {type_name} " in sdl or f"interface {type_name} " in sdl, type_name


def test_readme_example_query_is_valid() -> None:
    """The README's example must keep working as the schema changes."""
    import re

    from graphql import parse, validate

    from graph.schema import schema

    readme = (SNAPSHOT.parent / "README.md").read_text()
    examples = re.findall(r"```graphql\n(.*?)```", readme, re.DOTALL)
    assert examples
    for example in examples:
        assert validate(schema._schema, parse(example)) == []
