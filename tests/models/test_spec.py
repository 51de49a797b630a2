"""The models and the migrated database match the schema spec (`../shared/schema`)."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from pathlib import Path

import pytest
from spec import (
    GLOBAL_TABLES,
    STORAGE,
    TIERS,
    SpecError,
    SpecIndex,
    SpecTable,
    compare,
    compare_database,
    load_spec,
    parse_enum_check,
    schema_dir,
)
from sqlalchemy import inspect
from sqlalchemy.ext.asyncio import AsyncEngine

import models

TIER_1_TABLES = 39
TIER_1_EXPLICIT_COLUMNS = 938


def _report(differences: list[str]) -> str:
    return f"{len(differences)} difference(s) from the spec:\n" + "\n".join(differences)


def test_models_match_spec(spec_tables: dict[str, SpecTable]) -> None:
    differences = compare(spec_tables, models.Base.metadata)
    assert not differences, _report(differences)


def test_tier_1_counts() -> None:
    tables = load_spec(tiers=(1,))
    assert len(tables) == TIER_1_TABLES
    assert sum(len(t.explicit_columns) for t in tables.values()) == TIER_1_EXPLICIT_COLUMNS


def test_spec_is_consistent(spec_tables: dict[str, SpecTable]) -> None:
    """What the README promises of the files: refs stay within the tiers, indexes name columns."""
    problems = []
    loaded_tiers = {t.tier for t in spec_tables.values()}
    for table in spec_tables.values():
        names = {c.name for c in table.columns}
        for column in table.columns:
            if column.kind == "ref" and column.references not in spec_tables:
                problems.append(f"{table.name}.{column.name} -> {column.references} (tier > 1?)")
        for index in table.indexes:
            missing = set(index.columns) - names
            if missing:
                problems.append(f"{table.name}: index {index.name} names {sorted(missing)}")
        if table.patient_centric:
            patient = next((c for c in table.columns if c.name == "patient_id"), None)
            if patient is None or patient.references != "healthcare_patients":
                problems.append(f"{table.name}: patient_centric without patient_id")
    assert loaded_tiers <= set(TIERS)
    assert spec_tables.keys() >= GLOBAL_TABLES
    assert not problems, "\n".join(problems)


def test_missing_spec_says_where_it_looked(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    nowhere = tmp_path / "no-schema-here"
    monkeypatch.setenv("PERFEX_SCHEMA_DIR", str(nowhere))
    assert schema_dir() == nowhere
    with pytest.raises(SpecError, match="no-schema-here"):
        load_spec()


def _alter(tables: dict[str, SpecTable], name: str, **changes: object) -> None:
    tables[name] = dataclasses.replace(tables[name], **changes)  # type: ignore[arg-type]


def _altered_spec(spec_tables: dict[str, SpecTable]) -> dict[str, SpecTable]:
    """A copy of the spec with one deliberate change of each sort the comparator checks."""
    tables = dict(spec_tables)
    sessions = tables["dialyse_sessions"]
    sessions = sessions.with_column("status", required=True)
    sessions = sessions.with_column("machine_id", references="dialyse_labs")
    sessions = sessions.with_column("cancelled_by", on_delete="cascade")
    sessions = sessions.with_column("is_recurring", default=True)
    sessions = sessions.with_column("pre_weight", unit="lb")
    sessions = sessions.with_column("ktv", kind="integer")
    indexes = tuple(i for i in sessions.indexes if i.name != "idx_dialyse_sessions_slot")
    indexes += (SpecIndex("idx_dialyse_sessions_status", ("status",)),)
    tables["dialyse_sessions"] = dataclasses.replace(sessions, indexes=indexes)
    role = tables["users"].column("platform_role")
    tables["users"] = (
        tables["users"]
        .with_column("platform_role", values=tuple(v for v in role.values if v != "admin"))
        .with_column("first_name", sensitive=True)
    )
    _alter(tables, "dialyse_machines", soft_delete=True)
    _alter(tables, "roles", patient_centric=True)
    tables["tier_2_table"] = dataclasses.replace(tables["roles"], name="tier_2_table")
    del tables["user_roles"]
    return tables


EXPECTED_MODEL_DIFFERENCES = [
    "dialyse_sessions.status: nullable is True, spec says required",
    "dialyse_sessions.machine_id: foreign key target is dialyse_machines.id, "
    "spec says dialyse_labs.id",
    "dialyse_sessions.cancelled_by: ON DELETE is set null, spec says cascade",
    "dialyse_sessions.is_recurring: Python default is False, spec says True",
    "dialyse_sessions.is_recurring: server default is 'false', spec says 'true'",
    "dialyse_sessions.pre_weight: comment 'Weight before the session. Unit: kg.' lacks 'Unit: lb.'",
    "dialyse_sessions.ktv: kind is real, spec says integer",
    "dialyse_sessions: index idx_dialyse_sessions_status (('status',), False) in the spec, missing",
    "dialyse_sessions: index idx_dialyse_sessions_slot (('slot_id',), False) is not in the spec",
    "users.platform_role: CHECK values are {'admin', 'super_admin', 'user'}, "
    "spec says {'super_admin', 'user'}",
    "users.platform_role: info['values'] is ('super_admin', 'admin', 'user'), "
    "spec says ('super_admin', 'user')",
    "users.first_name: info['sensitive'] is None, spec says True",
    "dialyse_machines: soft_delete is False, spec says True",
    "roles: patient_centric is False, spec says True",
    "tier_2_table: table in the spec, missing",
    "user_roles: table is not in the spec (tiers (1,))",
]


def test_comparator_reports_each_alteration(spec_tables: dict[str, SpecTable]) -> None:
    """`compare` can fail: every deliberate change to the spec shows up as a difference."""
    baseline = set(compare(spec_tables, models.Base.metadata))
    new = set(compare(_altered_spec(spec_tables), models.Base.metadata)) - baseline
    missing = [line for line in EXPECTED_MODEL_DIFFERENCES if line not in new]
    assert not missing, (
        "not reported:\n" + "\n".join(missing) + "\n\ngot:\n" + "\n".join(sorted(new))
    )


@pytest.mark.parametrize(
    ("sqltext", "expected"),
    [
        ("status IN ('a', 'b')", ("status", {"a", "b"})),
        ("t.status IN ('a', 'it''s')", ("status", {"a", "it's"})),
        ("(status = ANY (ARRAY['a'::text, 'b'::text]))", ("status", {"a", "b"})),
        ("length(name) > 3", None),
    ],
)
def test_parse_enum_check(sqltext: str, expected: tuple[str, set[str]] | None) -> None:
    parsed = parse_enum_check(sqltext)
    assert (parsed and (parsed[0], set(parsed[1]))) == expected


async def _reflect(
    engine: AsyncEngine, check: Callable[..., list[str]], *args: object
) -> list[str]:
    async with engine.connect() as conn:
        return await conn.run_sync(lambda sync: check(*args, inspect(sync)))


async def test_migrated_database_matches_spec(
    migrated_engine: AsyncEngine, spec_tables: dict[str, SpecTable]
) -> None:
    """Reflected tables, columns, storage types, FKs, indexes and enum CHECKs match the spec."""
    differences = await _reflect(migrated_engine, compare_database, spec_tables)
    assert not differences, _report(differences)


async def test_migrated_database_counts(migrated_engine: AsyncEngine) -> None:
    tier_1 = load_spec(tiers=(1,))

    def count(sync: object) -> tuple[int, int]:
        inspector = inspect(sync)
        tables = [t for t in inspector.get_table_names() if t in tier_1]
        explicit = 0
        for name in tables:
            implicit = {c.name for c in tier_1[name].columns if c.implicit}
            explicit += sum(c["name"] not in implicit for c in inspector.get_columns(name))
        return len(tables), explicit

    async with migrated_engine.connect() as conn:
        tables, explicit = await conn.run_sync(count)
    assert (tables, explicit) == (TIER_1_TABLES, TIER_1_EXPLICIT_COLUMNS)


async def test_database_comparator_can_fail(
    migrated_engine: AsyncEngine, spec_tables: dict[str, SpecTable], dialect: str
) -> None:
    """`compare_database` can fail: the deliberate changes show up against the database too."""
    baseline = set(await _reflect(migrated_engine, compare_database, spec_tables))
    altered = _altered_spec(spec_tables)
    new = set(await _reflect(migrated_engine, compare_database, altered)) - baseline
    (real,) = STORAGE[dialect]["real"]
    integer = " or ".join(sorted(STORAGE[dialect]["integer"]))
    expected = [
        *EXPECTED_MODEL_DIFFERENCES[:3],
        f"dialyse_sessions.ktv: stored as {real}, spec says {integer}",
        *EXPECTED_MODEL_DIFFERENCES[7:10],
        "dialyse_machines: soft_delete is False, spec says True",
        "tier_2_table: table in the spec, missing",
        "user_roles: table is not in the spec (tiers (1,))",
    ]
    missing = [line for line in expected if line not in new]
    assert not missing, (
        "not reported:\n" + "\n".join(missing) + "\n\ngot:\n" + "\n".join(sorted(new))
    )
