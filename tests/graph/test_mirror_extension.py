"""Domain code extends a mirrored type with computed fields, without copying the type."""

from __future__ import annotations

import datetime as dt
from typing import Any

import strawberry

from graph import mirror
from models.base import Base
from models.dialyse import DialysisSession


def test_extension_fields_join_the_mirrored_type() -> None:
    class SessionExtras:
        @strawberry.field(description="Weight removed by the session. Unit: kg.")
        def weight_loss(self) -> float | None:
            row: Any = self
            if row.pre_weight is None or row.post_weight is None:
                return None
            return round(row.pre_weight - row.post_weight, 2)

    mirror.extend(DialysisSession)(SessionExtras)
    try:
        models = sorted((m.class_ for m in Base.registry.mappers), key=lambda m: m.__name__)
        types = mirror.mirror_types(models)
    finally:
        mirror._extensions.pop(DialysisSession)

    session_type = types[DialysisSession]

    def session() -> Any:
        return DialysisSession(  # a transient row: no database needed for this check
            id="3f1c0a52-7a0e-4d1e-9b5e-0c8f2a1d9e11",
            pre_weight=72.4,
            post_weight=70.1,
            session_date=dt.date(2026, 1, 5),
        )

    session.__annotations__ = {"return": session_type | None}
    query = strawberry.type(type("Query", (), {"session": strawberry.field(resolver=session)}))

    schema = strawberry.Schema(query=query, types=list(types.values()))
    sdl = str(schema)
    assert "weightLoss: Float" in sdl
    assert "sessionDate: Date!" in sdl  # the mirrored columns are all still there
    result = schema.execute_sync("{ session { weightLoss sessionDate } }")
    assert result.errors is None
    assert result.data == {"session": {"weightLoss": 2.3, "sessionDate": "2026-01-05"}}
