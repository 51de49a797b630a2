"""Every dataloader of the API, and the per-request registry that creates them.

Loader classes are generated once, at import, from the models' foreign keys and named
`<Thing>By<Key>Loader` (`PatientByIdLoader`, `DialysisSessionsByPatientIdLoader`); instances
live in a `Loaders` built for each request, so no cache is ever shared between requests,
users or organizations.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Table

from graph.dataloaders.base import ByForeignKeyLoader, ByIdLoader
from graph.naming import pascal, plural
from graph.session import RequestDatabase
from models.base import Base

_DATED_KINDS = ("date", "timestamp")


def model_of_table(table: Table) -> type[Base]:
    for mapper in Base.registry.mappers:
        if mapper.local_table is table:
            return mapper.class_  # type: ignore[no-any-return]
    raise LookupError(table.name)


def default_order(model: type[Base]) -> tuple[str, ...]:
    """Newest-first order of a table: its dated index column (e.g. `session_date` from
    `idx_dialyse_sessions_patient_session_date`), else `created_at`."""
    table: Table = model.__table__  # type: ignore[assignment]
    candidates = sorted(table.indexes, key=lambda ix: (len(ix.columns) != 2, ix.name or ""))
    for index in candidates:
        dated = [c for c in index.columns if c.info.get("kind") in _DATED_KINDS]
        if len(index.columns) <= 2 and dated:
            return (model.__mapper__.get_property_by_column(dated[0]).key,)
    return ("created_at",)


def _by_id_class(model: type[Base]) -> type[ByIdLoader]:
    name = f"{model.__name__}ByIdLoader"
    return type(name, (ByIdLoader,), {"model": model, "__module__": __name__})


def _by_fk_class(model: type[Base], column: str) -> type[ByForeignKeyLoader]:
    name = f"{plural(model.__name__)}By{pascal(column)}Loader"
    attrs: dict[str, Any] = {
        "model": model,
        "column": column,
        "order": default_order(model),
        "__module__": __name__,
    }
    return type(name, (ByForeignKeyLoader,), attrs)


BY_ID: dict[type[Base], type[ByIdLoader]] = {}
BY_FOREIGN_KEY: dict[tuple[type[Base], str], type[ByForeignKeyLoader]] = {}
for _mapper in Base.registry.mappers:
    _model = _mapper.class_
    BY_ID[_model] = _by_id_class(_model)
    for _column in _mapper.local_table.columns:
        if _column.foreign_keys:
            _key = _mapper.get_property_by_column(_column).key
            BY_FOREIGN_KEY[(_model, _key)] = _by_fk_class(_model, _key)
    globals().update({cls.__name__: cls for cls in (BY_ID[_model], *BY_FOREIGN_KEY.values())})


class Loaders:
    """The loaders of one request, created on first use."""

    def __init__(self, db: RequestDatabase) -> None:
        self._db = db
        self._by_id: dict[type[Base], ByIdLoader] = {}
        self._by_fk: dict[tuple[type[Base], str, int, int], ByForeignKeyLoader] = {}

    def by_id(self, model: type[Base]) -> ByIdLoader:
        loader = self._by_id.get(model)
        if loader is None:
            loader = self._by_id[model] = BY_ID[model](self._db)
        return loader

    def by_foreign_key(
        self, model: type[Base], column: str, limit: int, offset: int = 0
    ) -> ByForeignKeyLoader:
        key = (model, column, limit, offset)
        loader = self._by_fk.get(key)
        if loader is None:
            loader = self._by_fk[key] = BY_FOREIGN_KEY[(model, column)](self._db, limit, offset)
        return loader
