"""GraphQL arguments and root-level pieces the naive and mapper servers share: just enough of
the API's `where`, `orderBy` and aggregate shapes for the five documents of `queries/`."""

import enum
from datetime import date, datetime
from typing import Any

import strawberry
from sqlalchemy import Date, and_, cast, func, select, true, type_coerce
from sqlalchemy.ext.asyncio import AsyncSession

from bench import shapes
from models import dialyse, rpm
from models import population_health as population
from models.base import Base
from models.types import CalendarDate


def enum_of(model: type[Base], attribute: str, name: str) -> Any:
    """A GraphQL enum of a model's enum column (value `in_progress` -> `IN_PROGRESS`)."""
    values = getattr(model, attribute).property.columns[0].info["values"]
    members: Any = enum.Enum(name, {value.upper(): value for value in values})  # type: ignore[misc]
    return strawberry.enum(members)


SessionStatus = enum_of(dialyse.DialysisSession, "status", "DialysisSessionStatus")


@strawberry.enum
class OrderDirection(enum.Enum):
    ASC = "asc"
    DESC = "desc"


@strawberry.enum
class RpmReadingOrderField(enum.Enum):
    TIMESTAMP = "timestamp"


@strawberry.enum
class QualityMeasurementOrderField(enum.Enum):
    PERIOD_START = "period_start"


@strawberry.enum
class BucketUnit(enum.Enum):
    MONTH = "month"


@strawberry.enum
class DialysisSessionBucketField(enum.Enum):
    SESSION_DATE = "session_date"


@strawberry.input
class BooleanFilter:
    eq: bool | None = None


@strawberry.input
class DateTimeFilter:
    gte: datetime | None = None


@strawberry.input
class DateFilter:
    gte: date | None = None


@strawberry.input
class SessionStatusFilter:
    eq: SessionStatus | None = None  # type: ignore[valid-type]


@strawberry.input
class DialysisSessionWhere:
    status: SessionStatusFilter | None = None
    session_date: DateFilter | None = None


@strawberry.input
class RpmReadingWhere:
    is_out_of_range: BooleanFilter | None = None
    timestamp: DateTimeFilter | None = None


@strawberry.input
class QualityMeasurementWhere:
    period_start: DateTimeFilter | None = None


@strawberry.input
class RpmReadingOrder:
    field: RpmReadingOrderField
    direction: OrderDirection = OrderDirection.ASC


@strawberry.input
class QualityMeasurementOrder:
    field: QualityMeasurementOrderField
    direction: OrderDirection = OrderDirection.ASC


@strawberry.input
class DialysisSessionBucket:
    field: DialysisSessionBucketField
    unit: BucketUnit


# --- conditions and orders --------------------------------------------------------------------


def session_condition(where: DialysisSessionWhere | None) -> Any:
    session = dialyse.DialysisSession
    conditions = []
    if where is not None:
        if where.status is not None and where.status.eq is not None:
            conditions.append(session.status == where.status.eq.value)
        if where.session_date is not None and where.session_date.gte is not None:
            conditions.append(session.session_date >= where.session_date.gte)
    return and_(true(), *conditions)


def reading_condition(where: RpmReadingWhere | None) -> Any:
    reading = rpm.RpmReading
    conditions = []
    if where is not None:
        if where.is_out_of_range is not None and where.is_out_of_range.eq is not None:
            conditions.append(reading.is_out_of_range == where.is_out_of_range.eq)
        if where.timestamp is not None and where.timestamp.gte is not None:
            conditions.append(reading.timestamp >= where.timestamp.gte)
    return and_(true(), *conditions)


def measurement_condition(where: QualityMeasurementWhere | None) -> Any:
    measurement = population.QualityMeasurement
    conditions = []
    if where is not None and where.period_start is not None and where.period_start.gte:
        conditions.append(measurement.period_start >= where.period_start.gte)
    return and_(true(), *conditions)


def ordered(model: type[Base], order_by: list[Any] | None) -> list[Any]:
    """ORDER BY clauses of an `orderBy` argument (the declared order without one)."""
    if not order_by:
        return shapes.order_by(model)
    clauses = []
    for key in order_by:
        column = getattr(model, key.field.value)
        descending = key.direction == OrderDirection.DESC
        clauses.append((column.desc() if descending else column.asc()).nulls_last())
    return [*clauses, model.id.asc()]  # type: ignore[attr-defined]


# --- the aggregate (neither a naive schema nor the mapper has one: one GROUP BY) ---------------


@strawberry.type
class DialysisSessionKeys:
    bucket: date | None


@strawberry.type
class DialysisSessionAverages:
    ktv: float | None
    pre_weight: float | None
    post_weight: float | None
    uf_volume: float | None


@strawberry.type
class DialysisSessionGroup:
    keys: DialysisSessionKeys
    count: int
    avg: DialysisSessionAverages


def month_bucket(column: Any, dialect: str) -> Any:
    expression: Any
    if dialect == "postgresql":
        expression = cast(func.date_trunc("month", column), Date)
    else:
        expression = func.date(column, "start of month")
    return type_coerce(expression, CalendarDate())


async def session_groups(
    session: AsyncSession, where: DialysisSessionWhere | None, bucket: DialysisSessionBucket
) -> list[DialysisSessionGroup]:
    model = dialyse.DialysisSession
    dialect = session.get_bind().dialect.name
    key = month_bucket(getattr(model, bucket.field.value), dialect).label("bucket")
    averages = [func.avg(getattr(model, a)).label(a) for a in shapes.SESSION_AVERAGES]
    statement = (
        select(key, func.count().label("n"), *averages)
        .where(session_condition(where))
        .group_by(key)
        .order_by(key)
        .limit(1000)
    )
    rows = (await session.execute(statement)).all()
    return [
        DialysisSessionGroup(
            keys=DialysisSessionKeys(bucket=row.bucket),
            count=int(row.n),
            avg=DialysisSessionAverages(
                **{
                    a: None if row[i + 2] is None else float(row[i + 2])
                    for i, a in enumerate(shapes.SESSION_AVERAGES)
                }
            ),
        )
        for row in rows
    ]
