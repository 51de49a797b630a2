"""Helpers of the domain mutation tests (issue 12): run a one-input mutation, read its payload
errors, create a patient through the API, count an organization's rows, sign in a colleague of
another role in the same organization, and break the audit write."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from api_client import Api, Client
from sqlalchemy import func, select
from sqlalchemy.engine import URL

import graph.mutations
from graph.ids import decode_as
from models.audit import AuditEvent
from models.database import session_factory

ERRORS = "errors { field code message }"
PATIENT = """mutation($input: PatientCreateInput!) {
  patientCreate(input: $input) { patient { id } errors { code } } }"""
PAST = "2026-10-01T09:30:00+00:00"


async def run(client: Client, document: str, **fields: Any) -> dict[str, Any]:
    """The payload of a mutation document taking `$input` (HTTP 200, no GraphQL errors)."""
    data = await client.data(document, {"input": fields})
    return next(iter(data.values()))  # type: ignore[no-any-return]


def refusals(payload: dict[str, Any]) -> list[tuple[str | None, str]]:
    return [(error["field"], error["code"]) for error in payload["errors"]]


async def new_patient(client: Client) -> str:
    created = await client.data(
        PATIENT, {"input": {"firstName": "Eva", "lastName": "Heart", "dateOfBirth": "1955-05-06"}}
    )
    return created["patientCreate"]["patient"]["id"]  # type: ignore[no-any-return]


async def count(client: Client, model: Any, **where: Any) -> int:
    """Rows of `model` in the client's organization (not through the API)."""
    async with session_factory(client.engine)() as session:
        query = select(func.count()).select_from(model)
        query = query.where(model.organization_id == client.organization_id)
        for name, value in where.items():
            query = query.where(getattr(model, name) == value)
        return int(await session.scalar(query) or 0)


async def colleague(api: Api, url: URL, client: Client, *roles: str) -> Client:
    """Another token of the same member and organization, with `roles`."""
    assert client.organization_id is not None and client.user_id is not None
    return await api(url, org=client.organization_id, user=client.user_id, roles=roles)


async def audit_actions(client: Client, global_id: str, type_name: str) -> list[Any]:
    """The write audit events of one record, oldest first."""
    async with session_factory(client.engine)() as session:
        found = await session.scalars(
            select(AuditEvent)
            .where(AuditEvent.entity_id == decode_as(global_id, type_name))
            .where(AuditEvent.action != "read")
            .order_by(AuditEvent.occurred_at)
        )
        return list(found)


def break_audit(monkeypatch: pytest.MonkeyPatch) -> None:
    """Make the audit write of every mutation fail (after the record's own flush)."""

    def broken(*_args: Any, **_kwargs: Any) -> Any:
        raise RuntimeError("the audit write failed")

    monkeypatch.setattr(graph.mutations, "change_event", broken)


def readme_mutation(name: str) -> str:
    """The README's `mutation <name>` example (section "Writes (mutations)")."""
    readme = (Path(__file__).resolve().parents[2] / "README.md").read_text(encoding="utf-8")
    found = re.search(rf"```graphql\n(mutation {name}\b.*?)```", readme, re.DOTALL)
    assert found, f"the README has no `mutation {name}` example"
    return found.group(1)
