"""`serve --demo` on an empty default database: migrate, seed, and print a working token."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from starlette.testclient import TestClient

from cli.serve import _prepare_demo
from graph.app import create_app
from settings import DEMO_SECRET_FILE, demo_auth_settings, parse_database_url


def test_demo_creates_seeds_and_hands_out_a_working_token(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.chdir(tmp_path)
    for name in ("PERFEX_JWT_ALGORITHMS", "PERFEX_JWT_SECRET", "PERFEX_JWT_MAX_TTL_SECONDS"):
        monkeypatch.delenv(name, raising=False)
    url = parse_database_url(f"sqlite:///{tmp_path / 'demo.db'}")

    _prepare_demo(url, "127.0.0.1", 8000)

    captured = capsys.readouterr()
    assert "http://localhost:8000/graphql" in captured.err
    header = re.search(r'\{"Authorization": "Bearer ([^"]+)"\}', captured.out)
    assert header, captured.out
    settings = demo_auth_settings(tmp_path / DEMO_SECRET_FILE)
    assert (tmp_path / DEMO_SECRET_FILE).stat().st_mode & 0o077 == 0
    with TestClient(create_app(database_url=url, auth=settings)) as client:
        response = client.post(
            "/graphql",
            json={"query": "{ me { roles organization { name } } patients(limit: 5) { id } }"},
            headers={"Authorization": f"Bearer {header.group(1)}"},
        )
    body = response.json()
    assert response.status_code == 200, body
    assert body["data"]["me"]["roles"] == ["clinician"]
    assert len(body["data"]["patients"]) == 5

    # A second start reuses the database and the secret: nothing is seeded twice.
    size = (tmp_path / "demo.db").stat().st_size
    _prepare_demo(url, "127.0.0.1", 8000)
    assert "creating the demo database" not in capsys.readouterr().err
    assert (tmp_path / "demo.db").stat().st_size == size
