"""Strawberry's own CLI (the `[cli]` extra, in the dev group) exports the same SDL as ours."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from cli.schema import current_sdl

ROOT = Path(__file__).resolve().parents[2]


def test_strawberry_export_schema_matches_perfex_graph() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "strawberry", "export-schema", "graph.schema:schema"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.rstrip("\n") == current_sdl().rstrip("\n")
