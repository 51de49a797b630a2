"""Mixins: generated ids, insert/update timestamps, lazy="raise" relations, soft delete, repr."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

import pytest
from base_rows import PATIENT_FIRST_NAME, PATIENT_LAST_NAME, BaseRows
from spec import SpecTable, model_kind
from sqlalchemy import select
from sqlalchemy.exc import InvalidRequestError
from sqlalchemy.ext.asyncio import AsyncEngine
from sqlalchemy.orm import Mapper, Session, make_transient_to_detached

import models
from models.base import SoftDeleteMixin
from models.core import Organization, OrganizationMember
from models.database import session_factory
from models.healthcare import Patient
from models.types import utcnow

UTC = dt.UTC
OLD = dt.datetime(2020, 1, 1, tzinfo=UTC)
SECRET = "Sekret-Value"


def _mappers() -> list[Mapper[Any]]:
    mappers = sorted(models.Base.registry.mappers, key=lambda m: m.class_.__name__)
    assert len(mappers) == len(models.Base.metadata.tables)
    return mappers


async def test_ids_are_generated_uuid_strings(private_engine: AsyncEngine) -> None:
    tag = uuid.uuid4().hex
    async with session_factory(private_engine)() as session, session.begin():
        organizations = [Organization(name="A", slug=f"a-{tag}"), Organization(name="B", slug=tag)]
        assert all(o.id is None for o in organizations)
        session.add_all(organizations)
        await session.flush()
        ids = [o.id for o in organizations]
    for value in ids:
        assert isinstance(value, str)
        parsed = uuid.UUID(value)
        assert str(parsed) == value
        assert parsed.version == 4
    assert ids[0] != ids[1]


async def test_timestamps_are_set_on_insert(
    private_engine: AsyncEngine, base_rows: BaseRows
) -> None:
    before = utcnow()
    async with session_factory(private_engine)() as session, session.begin():
        member = OrganizationMember(
            organization_id=base_rows.organization_id,
            user_id=base_rows.user_id,
            joined_at=before,
        )
        session.add(member)
    after = dt.datetime.now(UTC)
    async with private_engine.connect() as conn:
        created_at, updated_at = (
            await conn.execute(
                select(OrganizationMember.created_at, OrganizationMember.updated_at).where(
                    OrganizationMember.id == member.id
                )
            )
        ).one()
    assert before <= created_at <= after
    assert created_at.tzinfo == UTC
    assert updated_at == created_at


async def test_updated_at_changes_on_update(private_engine: AsyncEngine) -> None:
    tag = uuid.uuid4().hex
    factory = session_factory(private_engine)
    async with factory() as session, session.begin():
        organization = Organization(name="Before", slug=tag)
        session.add(organization)
    created_at = organization.created_at

    async with factory() as session, session.begin():
        row = await session.get_one(Organization, organization.id)
        row.updated_at = OLD  # an explicit value wins over onupdate
    async with factory() as session:
        assert (await session.get_one(Organization, organization.id)).updated_at == OLD

    before_update = utcnow()
    async with factory() as session, session.begin():
        row = await session.get_one(Organization, organization.id)
        row.name = "After"
    async with factory() as session:
        row = await session.get_one(Organization, organization.id)
    assert row.name == "After"
    assert row.updated_at > OLD
    assert row.updated_at >= before_update
    assert row.created_at == created_at


def test_every_relationship_is_lazy_raise() -> None:
    lazy = {
        f"{mapper.class_.__name__}.{rel.key}": rel.lazy
        for mapper in _mappers()
        for rel in mapper.relationships
    }
    assert lazy, "no relationships found"
    assert {key: value for key, value in lazy.items() if value != "raise"} == {}


def test_accessing_any_unloaded_relationship_raises() -> None:
    """For each relationship of each model, on a persistent instance with nothing loaded."""
    session = Session()
    silent = []
    for mapper in _mappers():
        if not mapper.relationships:
            continue
        instance = mapper.class_(id=str(uuid.uuid4()))
        make_transient_to_detached(instance)
        session.add(instance)
        for rel in mapper.relationships:
            try:
                getattr(instance, rel.key)
            except InvalidRequestError as exc:
                assert "lazy='raise'" in str(exc)
            else:
                silent.append(f"{mapper.class_.__name__}.{rel.key}")
    session.close()
    assert silent == []


async def test_unloaded_relationship_of_a_loaded_row_raises(
    private_engine: AsyncEngine, base_rows: BaseRows
) -> None:
    async with session_factory(private_engine)() as session:
        patient = await session.get_one(Patient, base_rows.patient_id)
        with pytest.raises(InvalidRequestError, match="lazy='raise'"):
            _ = patient.organization
        with pytest.raises(InvalidRequestError, match="lazy='raise'"):
            _ = patient.deleted_by_user


def test_soft_delete_columns_exactly_on_soft_delete_tables(
    spec_tables: dict[str, SpecTable],
) -> None:
    wrong = []
    for mapper in _mappers():
        table = mapper.local_table
        spec = spec_tables[table.name]
        has = {name: name in table.c for name in ("deleted_at", "deleted_by")}
        if set(has.values()) != {spec.soft_delete}:
            wrong.append(f"{table.name}: {has}, spec soft_delete={spec.soft_delete}")
        if issubclass(mapper.class_, SoftDeleteMixin) != spec.soft_delete:
            wrong.append(f"{table.name}: SoftDeleteMixin is not used as the spec says")
        if spec.soft_delete:
            deleted_by = table.c.deleted_by
            assert deleted_by.nullable and table.c.deleted_at.nullable
            assert [fk.target_fullname for fk in deleted_by.foreign_keys] == ["users.id"]
    assert wrong == []
    assert sum(t.soft_delete for t in spec_tables.values()) > 0


def _filled(mapper: Mapper[Any]) -> Any:
    """An instance with a recognisable value in every text, enum and number column."""
    instance = mapper.class_()
    for prop in mapper.column_attrs:
        column = prop.columns[0]
        kind = model_kind(column)
        if column.primary_key:
            continue
        if kind in ("text", "enum", "id", "ref"):
            setattr(instance, prop.key, SECRET)
        elif kind in ("integer", "real", "decimal"):
            setattr(instance, prop.key, 93817)
    return instance


def test_repr_never_shows_column_values() -> None:
    leaking = []
    for mapper in _mappers():
        shown = repr(_filled(mapper)) + str(_filled(mapper))
        if SECRET in shown or "93817" in shown:
            leaking.append(f"{mapper.class_.__name__}: {shown}")
    assert leaking == []


async def test_repr_of_a_loaded_patient_hides_the_name(
    private_engine: AsyncEngine, base_rows: BaseRows
) -> None:
    async with session_factory(private_engine)() as session:
        patient = await session.get_one(Patient, base_rows.patient_id)
    assert patient.first_name == PATIENT_FIRST_NAME
    shown = f"{patient!r} {patient!s} {[patient]}"
    assert PATIENT_FIRST_NAME not in shown and PATIENT_LAST_NAME not in shown
    assert shown.startswith(f"<Patient id={base_rows.patient_id!r}>")
