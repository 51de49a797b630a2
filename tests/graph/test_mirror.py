"""Declared mirrored types: columns and relations come from the model, the declaration adds
computed fields and pins the order, and every mistake fails when the type is declared."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from typing import Any

import pytest
import strawberry
from sqlalchemy import Index
from sqlalchemy.orm import RelationshipDirection

import graph.dataloaders.base as loader_base
import graph.dialyse.types
import graph.mirror as mirror
import graph.ordering as ordering
from graph.dataloaders import BY_ID, BY_RELATION, ByIdLoader, ByRelationLoader
from graph.dialyse.loaders import DialysisSessionsByPatientLoader
from graph.mirror import DECLARED, MirrorError, mirrored
from graph.naming import camel
from graph.ordering import asc, desc
from graph.schema import build_schema, schema
from graph.wiring import check_wiring
from models import dialyse
from models.base import Base
from models.dialyse import DialysisSession
from models.healthcare import Patient


@pytest.fixture
def undeclared_session() -> Iterator[None]:
    """DialysisSession as if not yet declared, restored afterwards."""
    saved = (
        dict(mirror.DECLARED),
        dict(mirror._BY_TYPE),
        dict(mirror._BY_NAME),
        dict(ordering._PINNED),
    )
    del mirror.DECLARED[DialysisSession]
    yield
    for registry, content in zip(
        (mirror.DECLARED, mirror._BY_TYPE, mirror._BY_NAME, ordering._PINNED), saved, strict=True
    ):
        registry.clear()
        registry.update(content)


def test_a_declaration_named_unlike_its_model_is_refused(undeclared_session: None) -> None:
    with pytest.raises(MirrorError, match="declare DialysisSession as `class DialysisSession`"):

        @mirrored(DialysisSession, order=[desc("session_date")])
        class Session:
            pass


def test_computed_fields_are_ordinary_methods_of_the_declaration(
    undeclared_session: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    @mirrored(dialyse.DialysisSession, order=[desc("session_date")])
    class DialysisSession:  # the declaration, as in graph/dialyse/types.py
        @strawberry.field(description="Weight removed by the session. Unit: kg.")
        def weight_loss(self) -> float | None:
            row: Any = self
            if row.pre_weight is None or row.post_weight is None:
                return None
            return round(row.pre_weight - row.post_weight, 2)

    monkeypatch.setattr(graph.dialyse.types, "DialysisSession", DialysisSession)
    row = dialyse.DialysisSession(  # a transient row: no database needed for this check
        pre_weight=72.4, post_weight=70.1, session_date=dt.date(2026, 1, 5)
    )

    def session() -> Any:
        return row

    session.__annotations__["return"] = DialysisSession | None  # the declared type

    query = strawberry.type(type("Query", (), {"session": strawberry.field(resolver=session)}))
    probe = strawberry.Schema(query=query, types=[mirror.DECLARED[dialyse.DialysisSession].type])
    sdl = str(probe)
    assert "weightLoss: Float" in sdl
    assert "sessionDate: Date!" in sdl  # the mirrored columns are all still there
    assert "machine: DialysisMachine" in sdl  # and the relations
    result = probe.execute_sync("{ session { weightLoss sessionDate } }")
    assert result.errors is None
    assert result.data == {"session": {"weightLoss": 2.3, "sessionDate": "2026-01-05"}}


@pytest.mark.parametrize("name", ["session_date", "sessionDate", "machine", "machine_id"])
def test_a_computed_field_named_like_a_mirrored_one_is_an_error(
    undeclared_session: None, name: str
) -> None:
    def resolve() -> str:
        return "x"

    namespace = {name: strawberry.field(resolver=resolve)}
    declaration = type("DialysisSession", (), namespace)
    with pytest.raises(MirrorError, match="already mirrored"):
        mirrored(DialysisSession, order=[desc("session_date")])(declaration)


def test_a_type_is_declared_once() -> None:
    with pytest.raises(MirrorError, match="declared twice"):

        @mirrored(dialyse.DialysisMachine, order=[asc("serial_number")])
        class DialysisMachine:
            pass


def test_the_order_must_name_model_attributes(undeclared_session: None) -> None:
    with pytest.raises(ValueError, match="no attribute 'sesion_date'"):

        @mirrored(dialyse.DialysisSession, order=[desc("sesion_date")])
        class DialysisSession:
            pass


def test_relation_fields_are_the_models_relationship_names() -> None:
    """One source: each relationship of a model is a field named after it (camelCase), an
    object for many-to-one and one-to-one, a list for one-to-many; nothing else relates."""
    types = {t["name"]: t for t in schema.introspect()["__schema"]["types"]}
    for model, declared in DECLARED.items():
        fields = {f["name"]: f for f in types[model.__name__]["fields"]}
        relation_names = set()
        for relation in model.__mapper__.relationships:
            (column,) = (
                relation.local_columns
                if relation.direction is RelationshipDirection.MANYTOONE
                else relation.remote_side
            )
            if column.name in mirror.HIDDEN_COLUMNS:
                continue
            name = camel(relation.key)
            relation_names.add(name)
            field_type = fields[name]["type"]
            listed = relation.direction is RelationshipDirection.ONETOMANY and relation.uselist
            if listed:  # a connection: non-null XConnection
                assert field_type["kind"] == "NON_NULL", (model.__name__, name)
                assert field_type["ofType"]["name"].endswith("Connection"), (model.__name__, name)
            else:
                assert field_type["kind"] == "OBJECT", (model.__name__, name)
        object_fields = {
            name
            for name, field in fields.items()
            if field["type"]["kind"] == "OBJECT"
            or ((field["type"].get("ofType") or {}).get("name") or "").endswith("Connection")
        }
        assert object_fields == relation_names, declared.model.__name__


def test_a_new_index_does_not_move_any_list(monkeypatch: pytest.MonkeyPatch) -> None:
    """The order is pinned by the declaration: an index on another dated column changes
    neither the SDL nor the order the loaders use."""
    before = str(schema)
    table: Any = DialysisSession.__table__
    index = Index("idx_probe_session_end", DialysisSession.actual_end_time)  # type: ignore[attr-defined]
    table.indexes.add(index)
    try:
        check_wiring()
        assert str(build_schema()) == before  # queries and mutations alike
        assert ordering.declared_order(DialysisSession) == (desc("session_date"),)
    finally:
        table.indexes.discard(index)


def test_every_listed_relation_has_a_named_loader_or_the_build_fails(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    key = (DialysisSession, "patient")
    assert BY_RELATION[key] is DialysisSessionsByPatientLoader
    monkeypatch.delitem(BY_RELATION, key)
    with pytest.raises(MirrorError, match="add DialysisSessionsByPatientLoader to graph/dialyse"):
        check_wiring()


def test_every_model_is_declared_or_the_build_fails(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delitem(DECLARED, Patient)
    with pytest.raises(MirrorError, match="Patient: no @mirrored declaration in graph/healthcare"):
        check_wiring()
    assert len(Base.registry.mappers) == len(BY_ID)


def test_loader_classes_are_named_for_what_they_load(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(loader_base, "BY_ID", {})
    monkeypatch.setattr(loader_base, "BY_RELATION", {})
    with pytest.raises(TypeError, match="name it DialysisSessionByIdLoader"):
        type("SessionLoader", (ByIdLoader,), {"model": DialysisSession})
    with pytest.raises(TypeError, match="single-column many-to-one"):
        type("X", (ByRelationLoader,), {"relation": Patient.dialysis_sessions})  # type: ignore[attr-defined]
    type("DialysisSessionByIdLoader", (ByIdLoader,), {"model": DialysisSession})
    with pytest.raises(TypeError, match="declared twice"):
        type("DialysisSessionByIdLoader", (ByIdLoader,), {"model": DialysisSession})


def test_lists_use_the_declared_order() -> None:
    assert ordering.declared_order(Patient) == (asc("last_name"), asc("first_name"))
    assert ordering.declared_order(DialysisSession) == (desc("session_date"),)
    assert set(ordering._PINNED) == set(DECLARED)
