"""Every `--help` page reads cleanly: no `<bool>` on flags, no `{old}` in the usage line."""

from __future__ import annotations

import re

import pytest
from typer.testing import CliRunner

from cli.main import app

COMMANDS = ["", "serve", "export-schema", "schema-diff", "token", "seed", "migrate"]
# What typer prints for a parameter without a metavar: `<bool>`, `<str>`, `{name}` ...
ARTEFACT = re.compile(r"<(bool|str|int|float|text|integer|boolean)>|[{}]")


@pytest.mark.parametrize("command", COMMANDS)
def test_help_has_no_type_artefacts(command: str) -> None:
    result = CliRunner().invoke(app, [*command.split(), "--help"], env={"TERMINAL_WIDTH": "100"})
    assert result.exit_code == 0, result.output
    assert "Usage: perfex-graph" in result.output
    found = ARTEFACT.findall(result.output)
    assert not found, f"{found} in:\n{result.output}"


def test_flags_and_arguments_are_shown_as_people_type_them() -> None:
    runner = CliRunner()
    diff = runner.invoke(app, ["schema-diff", "--help"]).output
    assert "schema-diff [OPTIONS] OLD NEW" in diff
    serve = runner.invoke(app, ["serve", "--help"]).output
    assert re.search(r"--demo\s+Create", serve), serve
    token = runner.invoke(app, ["token", "--help"]).output
    assert "EMAIL|ID" in token and "SLUG|NAME|ID" in token
