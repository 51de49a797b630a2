"""`serve --demo` on an empty default database: migrate, seed, and print a working token."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from starlette.testclient import TestClient

from cli.serve import _prepare_demo
from graph.app import create_app
from settings import demo_auth_settings, demo_secret_path, parse_database_url


def test_demo_creates_seeds_and_hands_out_a_working_token(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path / "state"))
    for name in ("ALGORITHMS", "SECRET", "MAX_TTL_SECONDS", "PUBLIC_KEY", "PRIVATE_KEY"):
        monkeypatch.delenv(f"PERFEX_JWT_{name}", raising=False)  # _prepare_demo sets them
    monkeypatch.delenv("PERFEX_CORS_ORIGINS", raising=False)
    url = parse_database_url(f"sqlite:///{tmp_path / 'demo.db'}")

    _prepare_demo(url, "127.0.0.1", 8000)

    captured = capsys.readouterr()
    assert "http://localhost:8000/graphql" in captured.err
    header = re.search(r'\{"Authorization": "Bearer ([^"]+)"\}', captured.out)
    assert header, captured.out
    assert "perfex-graph token --user " in captured.err  # with an e-mail and a slug
    assert "http://localhost:*" in captured.err  # browser pages on this machine may call it
    secret_file = demo_secret_path(url)  # in the user's state directory, not the checkout
    assert secret_file.is_relative_to(tmp_path / "state") and not list(tmp_path.glob(".perfex*"))
    settings = demo_auth_settings(secret_file)
    demo_query = "{ me { roles organization { name } } patients(first: 5) { nodes { id } } }"
    assert secret_file.stat().st_mode & 0o077 == 0
    with TestClient(create_app(database_url=url, auth=settings)) as client:
        response = client.post(
            "/graphql",
            json={"query": demo_query},
            headers={"Authorization": f"Bearer {header.group(1)}"},
        )
    body = response.json()
    assert response.status_code == 200, body
    assert body["data"]["me"]["roles"] == ["physician", "admin"]
    assert len(body["data"]["patients"]["nodes"]) == 5

    # A second start reuses the database and the secret: nothing is seeded twice.
    size = (tmp_path / "demo.db").stat().st_size
    _prepare_demo(url, "127.0.0.1", 8000)
    assert "creating the demo database" not in capsys.readouterr().err
    assert (tmp_path / "demo.db").stat().st_size == size
