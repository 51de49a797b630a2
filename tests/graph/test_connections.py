"""Connections: keyset pages that stay stable while rows are inserted, page info, bounded and
validated arguments, and per-parent pages that are exactly each parent's first N."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from typing import Any

import pytest
from api_client import Api, Client
from sqlalchemy import func, select
from sqlalchemy.engine import URL

from graph.ids import decode, encode
from models.database import session_factory
from models.dialyse import DialysisSession
from models.healthcare import Patient

WALK = """query($first: Int, $after: String, $last: Int, $before: String, $order: [PatientOrder!]) {
  patients(first: $first, after: $after, last: $last, before: $before, orderBy: $order) {
    totalCount
    pageInfo { hasNextPage hasPreviousPage startCursor endCursor }
    edges { cursor node { id lastName firstName } }
  }
}"""
NAMES = ["Martin", "Bernard", "Dubois", "Martin", "Petit", "Durand", "Leroy", "Moreau", "Simon"]


async def _add_patients(client: Client, names: list[tuple[str, str]]) -> list[str]:
    rows = [
        Patient(
            organization_id=client.organization_id,
            last_name=last,
            first_name=first,
            date_of_birth=dt.date(1950, 1, 1) + dt.timedelta(days=97 * i),
        )
        for i, (last, first) in enumerate(names)
    ]
    async with session_factory(client.engine)() as session, session.begin():
        session.add_all(rows)
    return [row.id for row in rows]


@pytest.fixture
async def clinic(api: Api, migrated_url: URL) -> Client:
    """A new organization with 27 patients, some sharing a last name (ties go to first name,
    then id)."""
    client = await api(migrated_url)
    names = [(NAMES[i % len(NAMES)], f"P{i:02d}") for i in range(27)]
    await _add_patients(client, names)
    return client


def _key(node: dict[str, Any]) -> tuple[str, str, str]:
    return node["lastName"], node["firstName"], decode(node["id"])[1]


async def test_a_forward_walk_with_inserts_between_pages_has_no_duplicate_and_no_gap(
    clinic: Client,
) -> None:
    seen: list[dict[str, Any]] = []
    inserted_after: list[tuple[str, str]] = []
    after = None
    for page_number in range(20):
        data = await clinic.data(WALK, {"first": 4, "after": after})
        page = data["patients"]
        seen += [edge["node"] for edge in page["edges"]]
        if not page["pageInfo"]["hasNextPage"]:
            break
        after = page["pageInfo"]["endCursor"]
        # Rows inserted before the position must not shift the next page; rows after it
        # must appear in their place.
        early, late = ("Aaron", f"E{page_number:02d}"), ("Zola", f"L{page_number:02d}")
        await _add_patients(clinic, [early, late])
        inserted_after.append(late)
    keys = [_key(node) for node in seen]
    assert len(keys) == len(set(keys)), "a row came twice"
    assert keys == sorted(keys), "the walk is not in the declared order"
    names = {(last, first) for last, first, _id in keys}
    original = {(NAMES[i % len(NAMES)], f"P{i:02d}") for i in range(27)}
    assert original <= names, "a row that existed all along was skipped"
    assert set(inserted_after) <= names, "a row inserted ahead of the position was missed"
    assert not any(last == "Aaron" for last, _f in names), "a row behind the position appeared"


async def test_a_backward_walk_gives_the_same_rows_reversed(clinic: Client) -> None:
    forward = await clinic.data(WALK, {"first": 100})
    expected = [edge["node"]["id"] for edge in forward["patients"]["edges"]]
    collected: list[str] = []
    before = None
    while True:
        page = (await clinic.data(WALK, {"last": 5, "before": before}))["patients"]
        collected = [edge["node"]["id"] for edge in page["edges"]] + collected
        if not page["pageInfo"]["hasPreviousPage"]:
            break
        before = page["pageInfo"]["startCursor"]
    assert collected == expected
    assert forward["patients"]["totalCount"] == len(expected) == 27


async def test_a_backward_walk_with_inserts_between_pages_has_no_duplicate_and_no_gap(
    clinic: Client,
) -> None:
    original = [
        edge["node"] for edge in (await clinic.data(WALK, {"first": 100}))["patients"]["edges"]
    ]
    seen: list[dict[str, Any]] = []
    ahead: list[str] = []
    before = None
    for page_number in range(20):
        page = (await clinic.data(WALK, {"last": 4, "before": before}))["patients"]
        seen = [edge["node"] for edge in page["edges"]] + seen
        if not page["pageInfo"]["hasPreviousPage"]:
            break
        before = page["pageInfo"]["startCursor"]
        # Walking backwards, "Aaron" is still ahead of the position (each new one sorts before
        # the last, so it stays ahead even once the walk is among them); "Zola" is behind.
        early = f"B{99 - page_number:02d}"
        await _add_patients(clinic, [("Aaron", early), ("Zola", f"Y{page_number:02d}")])
        ahead.append(early)
    keys = [_key(node) for node in seen]
    assert len(keys) == len(set(keys)) and keys == sorted(keys)
    assert {node["id"] for node in original} <= {node["id"] for node in seen}
    firsts = {node["firstName"] for node in seen}
    assert set(ahead) <= firsts, "a row inserted ahead of the position was missed"
    assert not any(name.startswith("Y") for name in firsts), "a row behind the position appeared"


async def test_a_walk_in_another_order_is_keyed_on_that_order(clinic: Client) -> None:
    order = [{"field": "DATE_OF_BIRTH", "direction": "DESC"}]
    all_rows = await clinic.data(WALK, {"first": 100, "order": order})
    expected = [edge["node"]["id"] for edge in all_rows["patients"]["edges"]]
    walked, after = [], None
    while True:
        page = (await clinic.data(WALK, {"first": 6, "after": after, "order": order}))["patients"]
        walked += [edge["node"]["id"] for edge in page["edges"]]
        if not page["pageInfo"]["hasNextPage"]:
            break
        after = page["pageInfo"]["endCursor"]
    assert walked == expected
    async with clinic.engine.connect() as conn:
        births = dict(
            (await conn.execute(
                select(Patient.id, Patient.date_of_birth).where(
                    Patient.organization_id == clinic.organization_id
                )
            )).all()
        )  # fmt: skip
    dates = [births[decode(i)[1]] for i in walked]
    assert dates == sorted(dates, reverse=True)


async def test_page_info_at_both_ends(clinic: Client) -> None:
    first = (await clinic.data(WALK, {"first": 10}))["patients"]
    assert first["pageInfo"]["hasNextPage"] is True
    assert first["pageInfo"]["hasPreviousPage"] is False
    assert first["pageInfo"]["startCursor"] == first["edges"][0]["cursor"]
    assert first["pageInfo"]["endCursor"] == first["edges"][-1]["cursor"]
    last = (await clinic.data(WALK, {"last": 10}))["patients"]
    assert last["pageInfo"]["hasPreviousPage"] is True
    assert last["pageInfo"]["hasNextPage"] is False
    everything = (await clinic.data(WALK, {"first": 500}))["patients"]
    assert everything["pageInfo"]["hasNextPage"] is False
    assert len(everything["edges"]) == everything["totalCount"] == 27


@pytest.mark.parametrize(
    ("variables", "why"),
    [
        ({"first": 1, "last": 1}, "both sizes"),
        ({"first": -1}, "negative"),
        ({"first": 0}, "empty page"),
        ({"first": 501}, "over the maximum"),
        ({"last": 501}, "over the maximum backwards"),
        ({"first": 2, "before": "x"}, "first with before"),
        ({"after": "bm90IGpzb24"}, "not a cursor"),
        ({"after": "W10"}, "an empty JSON list"),
        ({"after": "x" * 5000}, "a huge cursor"),
    ],
)
async def test_bad_pages_are_bad_user_input_without_data(
    clinic: Client, variables: dict[str, Any], why: str
) -> None:
    body = await clinic.query(WALK, variables, status=200)
    assert body["data"] is None, why
    assert [e["extensions"]["code"] for e in body["errors"]] == ["BAD_USER_INPUT"], why


async def test_a_cursor_of_another_list_or_order_is_refused(clinic: Client) -> None:
    page = (await clinic.data(WALK, {"first": 2}))["patients"]
    cursor = page["pageInfo"]["endCursor"]
    other_order = [{"field": "LAST_NAME", "direction": "DESC"}]
    refused = await clinic.query(WALK, {"first": 2, "after": cursor, "order": other_order})
    assert refused["data"] is None
    assert refused["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT"
    other_list = await clinic.query(
        "query($after: String) { users(first: 1, after: $after) { nodes { id } } }",
        {"after": cursor},
    )
    assert other_list["data"] is None
    assert other_list["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT"


# --- per-parent pages ----------------------------------------------------------------------------

NESTED = """query {
  patients(first: 100) {
    nodes {
      id
      newest: dialysisSessions(first: 2) { totalCount nodes { id } }
      oldest: dialysisSessions(first: 5, orderBy: [{field: SESSION_DATE, direction: ASC}]) {
        nodes { id }
        pageInfo { hasNextPage }
      }
      done: dialysisSessions(first: 3, where: {status: {eq: COMPLETED}}) { nodes { id status } }
    }
  }
}"""


async def _sessions(client: Client) -> dict[str, list[Any]]:
    """Each patient's visible sessions, newest first (the declared order), from the database."""
    async with client.engine.connect() as conn:
        rows = await conn.execute(
            select(DialysisSession.id, DialysisSession.patient_id, DialysisSession.session_date,
                   DialysisSession.status)
            .where(
                DialysisSession.organization_id == client.organization_id,
                DialysisSession.deleted_at.is_(None),
            )
            .order_by(DialysisSession.session_date.desc(), DialysisSession.id)
        )  # fmt: skip
        grouped: dict[str, list[Any]] = defaultdict(list)
        for row in rows:
            grouped[encode("Patient", row.patient_id)].append(row)
    return grouped


async def test_every_parent_gets_exactly_its_own_first_n(api: Api, seeded_url: URL) -> None:
    """Not one LIMIT for the whole batch (strawberry-sqlalchemy-mapper's behaviour): each of
    the patients gets min(N, its rows), and aliases paged differently do not collide."""
    client = await api(seeded_url, org=0)
    data = await client.data(NESTED)
    sessions = await _sessions(client)
    patients = data["patients"]["nodes"]
    with_sessions = [p for p in patients if sessions.get(p["id"])]
    assert len(with_sessions) >= 2, "the seeded data must give several patients sessions"
    for patient in patients:
        own = sessions.get(patient["id"], [])
        newest = [encode("DialysisSession", r.id) for r in own]
        oldest = [
            encode("DialysisSession", r.id)
            for r in sorted(own, key=lambda r: (r.session_date, r.id))
        ]
        done = [encode("DialysisSession", r.id) for r in own if r.status == "completed"]
        assert [n["id"] for n in patient["newest"]["nodes"]] == newest[:2]
        assert patient["newest"]["totalCount"] == len(own)
        assert [n["id"] for n in patient["oldest"]["nodes"]] == oldest[:5]
        assert patient["oldest"]["pageInfo"]["hasNextPage"] is (len(own) > 5)
        assert [n["id"] for n in patient["done"]["nodes"]] == done[:3]


async def test_cursors_of_a_nested_list_page_through_one_parent(api: Api, seeded_url: URL) -> None:
    client = await api(seeded_url, org=0)
    sessions = await _sessions(client)
    patient, own = max(sessions.items(), key=lambda item: len(item[1]))
    query = """query($id: ID!, $after: String) { patient(id: $id) {
      dialysisSessions(first: 7, after: $after) { nodes { id } pageInfo { hasNextPage endCursor } }
    } }"""
    walked, after = [], None
    while True:
        page = (await client.data(query, {"id": patient, "after": after}))["patient"]
        walked += [node["id"] for node in page["dialysisSessions"]["nodes"]]
        if not page["dialysisSessions"]["pageInfo"]["hasNextPage"]:
            break
        after = page["dialysisSessions"]["pageInfo"]["endCursor"]
    assert walked == [encode("DialysisSession", r.id) for r in own]
    assert len(walked) > 7


async def test_total_count_costs_nothing_unless_selected(api: Api, seeded_url: URL) -> None:
    """totalCount is computed on demand: the same page without it runs one statement less."""
    from sqlalchemy import event

    client = await api(seeded_url, org=0)
    seen: list[str] = []

    def record(*args: Any) -> None:
        seen.append(args[2])

    event.listen(client.engine.sync_engine, "before_cursor_execute", record)
    try:
        await client.data("{ patients(first: 5) { nodes { id } } }")
        without = len(seen)
        seen.clear()
        data = await client.data("{ patients(first: 5) { totalCount nodes { id } } }")
        with_count = len(seen)
    finally:
        event.remove(client.engine.sync_engine, "before_cursor_execute", record)
    assert with_count == without + 1
    async with client.engine.connect() as conn:
        visible = await conn.scalar(
            select(func.count())
            .select_from(Patient)
            .where(Patient.organization_id == client.organization_id, Patient.deleted_at.is_(None))
        )
    assert data["patients"]["totalCount"] == visible


async def test_the_page_maximum_is_a_setting(
    clinic: Client, monkeypatch: pytest.MonkeyPatch
) -> None:
    from settings import ConfigError, LimitSettings, limit_settings

    monkeypatch.setenv("PERFEX_PAGE_MAX", "10")
    limit_settings.cache_clear()
    try:
        assert len((await clinic.data(WALK, {"first": 10}))["patients"]["edges"]) == 10
        refused = await clinic.query(WALK, {"first": 11})
        assert refused["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT"
        assert "1 to 10" in refused["errors"][0]["message"]
        assert len((await clinic.data(WALK, {}))["patients"]["edges"]) == 10  # default capped
    finally:
        monkeypatch.delenv("PERFEX_PAGE_MAX")
        limit_settings.cache_clear()
    with pytest.raises(ConfigError, match="PERFEX_NESTED_PAGE_MAX"):
        LimitSettings(nested_page_max=0)
