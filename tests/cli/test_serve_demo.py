"""`serve --demo` on an empty default database: migrate, seed, and print a working token."""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest
from starlette.testclient import TestClient

from cli.serve import _prepare_demo
from graph.app import create_app
from settings import (
    DEMO_TOKEN_VARIABLE,
    demo_auth_settings,
    demo_secret_path,
    parse_database_url,
)


def test_demo_creates_seeds_and_hands_out_a_working_token(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path / "state"))
    jwt = ("ALGORITHMS", "SECRET", "MAX_TTL_SECONDS", "PUBLIC_KEY", "PRIVATE_KEY")
    for name in (*(f"PERFEX_JWT_{n}" for n in jwt), "PERFEX_CORS_ORIGINS", DEMO_TOKEN_VARIABLE):
        # _prepare_demo sets them: recorded first, so that they are restored after the test
        monkeypatch.setenv(name, "")
        monkeypatch.delenv(name)
    url = parse_database_url(f"sqlite:///{tmp_path / 'demo.db'}")

    _prepare_demo(url, "127.0.0.1", 8000)

    captured = capsys.readouterr()
    assert "http://localhost:8000/graphql" in captured.err
    header = re.search(r'\{"Authorization": "Bearer ([^"]+)"\}', captured.out)
    assert header, captured.out
    assert os.environ[DEMO_TOKEN_VARIABLE] == header.group(1)  # GraphiQL will pre-fill it
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
