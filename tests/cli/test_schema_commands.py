"""export-schema and schema-diff, as a user's CI would run them."""

from __future__ import annotations

from pathlib import Path

from typer.testing import CliRunner

from cli.main import app
from cli.schema import current_sdl

runner = CliRunner()


def test_export_then_check(tmp_path: Path) -> None:
    target = tmp_path / "schema.graphql"
    assert runner.invoke(app, ["export-schema", "--output", str(target)]).exit_code == 0
    assert target.read_text() == current_sdl()
    assert runner.invoke(app, ["export-schema", "--check", "--output", str(target)]).exit_code == 0
    target.write_text(target.read_text() + "\n# edited\n")
    stale = runner.invoke(app, ["export-schema", "--check", "--output", str(target)])
    assert stale.exit_code == 1
    assert "out of date" in stale.output


def test_check_prints_the_difference(tmp_path: Path) -> None:
    target = tmp_path / "schema.graphql"
    sdl = current_sdl()
    line = next(text for text in sdl.splitlines() if text.startswith("type Query"))
    target.write_text(sdl.replace(line, "type Query  # edited", 1) + "type Gone {\n  a: Int\n}\n")
    result = runner.invoke(app, ["export-schema", "--check", "--output", str(target)])
    assert result.exit_code == 1
    assert f"--- {target} (snapshot)" in result.stdout
    assert f"+++ {target} (current schema)" in result.stdout
    assert "@@ " in result.stdout
    assert "-type Query  # edited\n" in result.stdout
    assert f"+{line}\n" in result.stdout
    assert "-type Gone {\n" in result.stdout
    assert "out of date" in result.stderr and "Traceback" not in result.output
    missing = runner.invoke(app, ["export-schema", "--check", "-o", str(tmp_path / "none")])
    assert missing.exit_code == 1
    assert "does not exist" in missing.stderr
    assert f"+{line}\n" in missing.stdout


def test_schema_diff_reports_breaking_and_dangerous(tmp_path: Path) -> None:
    old, new = tmp_path / "old.graphql", tmp_path / "new.graphql"
    old.write_text("type Query { a: Int, b: String }\nenum E { X }\n")
    new.write_text("type Query { a: String }\nenum E { X Y }\n")
    result = runner.invoke(app, ["schema-diff", str(old), str(new)])
    assert result.exit_code == 1
    assert "BREAKING  FIELD_REMOVED: Field Query.b was removed." in result.output
    assert "BREAKING  FIELD_CHANGED_KIND" in result.output
    assert "DANGEROUS VALUE_ADDED_TO_ENUM" in result.output


def test_schema_diff_passes_additions(tmp_path: Path) -> None:
    old, new = tmp_path / "old.graphql", tmp_path / "new.graphql"
    old.write_text("type Query { a: Int }\n")
    new.write_text("type Query { a: Int, b: String }\n")
    result = runner.invoke(app, ["schema-diff", str(old), str(new)])
    assert result.exit_code == 0, result.output
    assert "0 breaking" in result.output


def test_schema_diff_bad_input_is_one_line(tmp_path: Path) -> None:
    broken = tmp_path / "broken.graphql"
    broken.write_text("type Query {")
    result = runner.invoke(app, ["schema-diff", str(broken), str(tmp_path / "missing.graphql")])
    assert result.exit_code == 1
    assert "not a valid GraphQL schema" in result.output
    assert "Traceback" not in result.output
