"""strawberry-sqlalchemy-mapper over the same models: the library a user would pick instead.

Its types are built from the models (`StrawberrySQLAlchemyMapper.type`, every column and every
relationship; the project's column types mapped to Strawberry scalars, enum columns to a scalar
that answers the API's upper-case names) and its relationships are loaded by its own
`StrawberrySQLAlchemyLoader` (one batched SELECT per relationship and request, through the
project's tenant session; the models' relationships are lazy="raise", so nothing else may load
them). What the library cannot do is written here, and documented in docs/performance.md:

- root fields: the library has no filtered or ordered root lists (its `connection()` pages a
  query with sqlakeyset, without arguments); they are hand-written resolvers returning the
  library's connection types;
- a relation's `first` is a LIMIT over the whole batch of parents and unordered, and relations
  take no `where`: the lists Q1 and Q2 page per patient load the whole relation with the
  library's loader (first=None) and are filtered, ordered and cut per patient in Python;
- its connections have `edges { node }` and `pageInfo` but no `nodes` and no `totalCount`: the
  mapper gets the documents rewritten (`bench.operations.for_mapper`), without `totalCount`;
- no aggregates: Q4's `dialysisSessionsAggregate` is the shared GROUP BY resolver.
"""

from datetime import date, datetime, time
from decimal import Decimal
from typing import Any, NewType

import strawberry
from sqlalchemy import select
from sqlalchemy.engine import URL
from sqlalchemy.orm import RelationshipProperty, configure_mappers
from strawberry.scalars import JSON
from strawberry.schema.config import StrawberryConfig
from strawberry_sqlalchemy_mapper import StrawberrySQLAlchemyLoader, StrawberrySQLAlchemyMapper

from bench import shapes
from bench.instrument import Instrumented
from bench.servers import inputs
from bench.servers.common import Database, raw_id, strawberry_app
from graph.auth import Principal
from models import (
    cardiology,
    clinical_ai,
    dialyse,
    healthcare,
    imaging_ai,
    ophthalmology,
    rpm,
)
from models import population_health as population
from models.base import Base
from models.types import (
    CalendarDate,
    ClockTime,
    EnumText,
    Flag,
    FreeText,
    Identifier,
    Instant,
    JsonValue,
    Measurement,
    Money,
    WholeNumber,
)

EnumName = NewType("EnumName", str)
ENUM_NAME = strawberry.scalar(
    name="EnumName",
    serialize=lambda value: str(value).upper(),
    parse_value=lambda value: str(value).lower(),
    description="An enum column's value, as the API names it (upper case).",
)

configure_mappers()  # the backrefs (Patient.dialysis_sessions, ...) exist from here on
mapper: StrawberrySQLAlchemyMapper[Any] = StrawberrySQLAlchemyMapper(
    extra_sqlalchemy_type_to_strawberry_type_map={
        Identifier: str,
        FreeText: str,
        EnumText: EnumName,  # type: ignore[dict-item]
        WholeNumber: int,
        Measurement: float,
        Money: Decimal,
        Flag: bool,
        Instant: datetime,
        CalendarDate: date,
        ClockTime: time,
        JsonValue: JSON,
    }
)


def _connection(model: type[Base]) -> Any:
    return mapper._connection_type_for(mapper.model_to_type_name(model))


def _edge(model: type[Base]) -> Any:
    return mapper._edge_type_for(mapper.model_to_type_name(model))


def _page(model: type[Base], rows: list[Any], first: int | None) -> Any:
    shown = rows if first is None else rows[:first]
    return StrawberrySQLAlchemyMapper._resolve_connection_edges(
        shown, _edge(model), _connection(model), first=first, has_more=len(rows) > len(shown)
    )


async def _load_relation(info: strawberry.Info, parent: Any, attribute: str) -> list[Any]:
    """All of a parent's rows of a relation, batched over the request by the library's loader."""
    relationship: RelationshipProperty[Any] = getattr(type(parent), attribute).property
    pairs = relationship.local_remote_pairs or []
    key = tuple(getattr(parent, str(local.key)) for local, _ in pairs)
    loader: StrawberrySQLAlchemyLoader = info.context["sqlalchemy_loader"]
    return list(await loader.loader_for(relationship).load(key))


def _list(attribute: str, model: type[Base]) -> Any:
    """A patient's list, paged per patient in its order (the library cannot)."""
    connection = _connection(model)

    async def resolve(self: Any, info: strawberry.Info, first: int | None = None) -> Any:
        rows = shapes.sort_rows(model, await _load_relation(info, self, attribute))
        return _page(model, rows, first)

    resolve.__annotations__["return"] = connection
    return strawberry.field(resolver=resolve)


SessionConnection = _connection(dialyse.DialysisSession)


async def _sessions(
    self: Any,
    info: strawberry.Info,
    first: int | None = None,
    where: inputs.DialysisSessionWhere | None = None,
) -> SessionConnection:  # type: ignore[valid-type]
    rows = await _load_relation(info, self, "dialysis_sessions")
    if where is not None and where.status is not None and where.status.eq is not None:
        rows = [row for row in rows if row.status == where.status.eq.value]
    if where is not None and where.session_date is not None and where.session_date.gte:
        rows = [row for row in rows if row.session_date >= where.session_date.gte]
    return _page(dialyse.DialysisSession, shapes.sort_rows(dialyse.DialysisSession, rows), first)


@mapper.type(healthcare.Patient)
class Patient:
    dialysis_sessions = strawberry.field(resolver=_sessions)
    dialysis_labs = _list("dialysis_labs", dialyse.DialysisLab)
    ecgs = _list("ecgs", cardiology.Ecg)
    echocardiograms = _list("echocardiograms", cardiology.Echocardiogram)
    ocular_biometries = _list("ocular_biometries", ophthalmology.OcularBiometry)
    eye_surgeries = _list("eye_surgeries", ophthalmology.EyeSurgery)
    consultations = _list("consultations", healthcare.Consultation)
    appointments = _list("appointments", healthcare.Appointment)
    rpm_readings = _list("rpm_readings", rpm.RpmReading)
    rpm_alerts = _list("rpm_alerts", rpm.RpmAlert)
    cdss_recommendations = _list("cdss_recommendations", clinical_ai.CdssRecommendation)
    imaging_analyses = _list("imaging_analyses", imaging_ai.ImagingAnalysis)


@mapper.type(rpm.RpmReading)
class RpmReading:
    pass


@mapper.type(population.QualityMeasurement)
class QualityMeasurement:
    pass


PatientConnection = _connection(healthcare.Patient)
ReadingConnection = _connection(rpm.RpmReading)
MeasurementConnection = _connection(population.QualityMeasurement)


async def _all(info: strawberry.Info, statement: Any) -> list[Any]:
    async with info.context["session"]() as session:
        return list((await session.scalars(statement)).all())


@strawberry.type
class Query:
    @strawberry.field
    async def patients(
        self,
        info: strawberry.Info,
        first: int = 50,
        after: str | None = None,
        search: str | None = None,
    ) -> PatientConnection:  # type: ignore[valid-type]
        if after is not None:
            raise ValueError("the mapper baseline serves first pages only")
        statement = select(healthcare.Patient).order_by(*shapes.order_by(healthcare.Patient))
        if search is not None:
            statement = statement.where(shapes.search_condition(search))
        return _page(healthcare.Patient, await _all(info, statement.limit(first + 1)), first)

    @strawberry.field
    async def patient(self, info: strawberry.Info, id: strawberry.ID) -> Patient | None:
        model = healthcare.Patient
        found = await _all(info, select(model).where(model.id == raw_id(id, "Patient")))
        return found[0] if found else None

    @strawberry.field
    async def rpm_readings(
        self,
        info: strawberry.Info,
        first: int = 50,
        where: inputs.RpmReadingWhere | None = None,
        order_by: list[inputs.RpmReadingOrder] | None = None,
    ) -> ReadingConnection:  # type: ignore[valid-type]
        statement = (
            select(rpm.RpmReading)
            .where(inputs.reading_condition(where))
            .order_by(*inputs.ordered(rpm.RpmReading, order_by))
            .limit(first + 1)
        )
        return _page(rpm.RpmReading, await _all(info, statement), first)

    @strawberry.field
    async def quality_measurements(
        self,
        info: strawberry.Info,
        first: int = 50,
        where: inputs.QualityMeasurementWhere | None = None,
        order_by: list[inputs.QualityMeasurementOrder] | None = None,
    ) -> MeasurementConnection:  # type: ignore[valid-type]
        model = population.QualityMeasurement
        statement = (
            select(model)
            .where(inputs.measurement_condition(where))
            .order_by(*inputs.ordered(model, order_by))
            .limit(first + 1)
        )
        return _page(model, await _all(info, statement), first)

    @strawberry.field
    async def dialysis_sessions_aggregate(
        self,
        info: strawberry.Info,
        bucket: inputs.DialysisSessionBucket,
        where: inputs.DialysisSessionWhere | None = None,
    ) -> list[inputs.DialysisSessionGroup]:
        async with info.context["session"]() as session:
            return await inputs.session_groups(session, where, bucket)


# The models whose only way in is a list overridden above are mapped explicitly.
for _model in {relation.model for relation in (*shapes.ROSTER, *shapes.CHART)}:
    if mapper.model_to_type_name(_model) not in mapper.mapped_types:
        mapper.type(_model)(type(mapper.model_to_type_name(_model), (object,), {}))
mapper.finalize()
schema = strawberry.Schema(
    query=Query,
    types=list(mapper.mapped_types.values()),
    config=StrawberryConfig(scalar_map={EnumName: ENUM_NAME}),
)


async def _context(database: Database, principal: Principal) -> tuple[Any, Any]:
    def session() -> Any:
        return database.tenant_session(principal.organization_id)

    context = {
        "session": session,
        "sqlalchemy_loader": StrawberrySQLAlchemyLoader(async_bind_factory=session),
    }

    async def close() -> None:
        return None

    return context, close


def create(url: URL | None = None) -> Instrumented:
    """The mapper baseline's ASGI app (for `uvicorn --factory bench.servers.mapper:create`)."""
    return strawberry_app(schema, _context, url)
