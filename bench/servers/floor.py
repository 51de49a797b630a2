# ruff: noqa: S608 (SQL text from constants and model metadata; every value is a bound parameter)
"""The floor: one hand-written SQL statement per operation that builds the whole JSON response
in the database (SQLite json_object/json_group_array, PostgreSQL json_build_object/json_agg),
with the API's tenant filter (`organization_id = :org`, `deleted_at IS NULL`), the principal
check folded in (no row unless the token's user is an active member of its organization), and
the operation's order and page sizes. Python verifies the token, binds the variables and writes
the database's text after `{"data":`.

It answers the five documents of `queries/` only (by operation name), first pages only, with
raw ids instead of global IDs and a cursor that is the last row's id.
"""

from __future__ import annotations

import contextlib
import datetime as dt
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

import orjson
from sqlalchemy import TextClause, text
from sqlalchemy.engine import URL
from sqlalchemy.ext.asyncio import AsyncEngine
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from bench import shapes
from bench.instrument import Instrumented
from bench.servers.base import Unauthenticated, claims, database_url, error, raw_id
from bench.shapes import Relation, camel
from models import dialyse, healthcare, rpm
from models import population_health as population
from models.base import Base
from models.database import create_engine

MAX_GROUPS = 1000


@dataclass(frozen=True)
class Sql:
    """SQL text of one dialect."""

    dialect: str

    @property
    def pg(self) -> bool:
        return self.dialect == "postgresql"

    def obj(self, pairs: list[tuple[str, str]]) -> str:
        function = "json_build_object" if self.pg else "json_object"
        arguments = ", ".join(f"'{k}', {v}" for k, v in pairs)
        return f"{function}({arguments})"

    def json(self, expression: str) -> str:
        """A JSON value that went through a subquery or CASE (SQLite then sees plain text)."""
        return expression if self.pg else f"json({expression})"

    def value(self, alias: str, model: type[Base], attribute: str) -> str:
        column = f"{alias}.{_quoted(attribute)}"
        kind = shapes.kind(model, attribute)
        if kind == "timestamp":
            if self.pg:
                return (
                    f"to_char({column} AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS\"+00:00\"')"
                )
            return f"strftime('%Y-%m-%dT%H:%M:%S+00:00', {column}, 'unixepoch')"
        if kind == "enum":
            return f"upper({column})"
        if kind == "boolean" and not self.pg:
            return (
                f"json(CASE WHEN {column} IS NULL THEN 'null' WHEN {column} THEN 'true' "
                "ELSE 'false' END)"
            )
        if kind == "json" and not self.pg:
            return f"json({column})"
        return column

    def fields(
        self, alias: str, model: type[Base], attributes: tuple[str, ...]
    ) -> list[tuple[str, str]]:
        return [(camel(a), self.value(alias, model, a)) for a in attributes]

    def true(self) -> str:
        return "true" if self.pg else "1"

    def boolean(self, condition: str) -> str:
        if self.pg:
            return f"({condition})"
        return f"json(CASE WHEN {condition} THEN 'true' ELSE 'false' END)"

    def tenant(self, alias: str, model: type[Base]) -> str:
        condition = f"{alias}.organization_id = :org"
        if "deleted_at" in model.__table__.c:  # type: ignore[attr-defined]
            condition += f" AND {alias}.deleted_at IS NULL"
        return condition

    def order(self, alias: str, model: type[Base]) -> list[tuple[str, bool]]:
        keys = [(f"{alias}.{k.attribute}", k.descending) for k in shapes.ORDERS[model]]
        return [*keys, (f"{alias}.id", False)]

    def array(
        self,
        node: str,
        source: str,
        order: list[tuple[str, bool]],
        limit: str | int | None = None,
    ) -> str:
        """A JSON array of `node` over the rows of `source` (FROM ... WHERE ...), in order."""
        keys = ", ".join(f"{column} AS k{i}" for i, (column, _) in enumerate(order))
        clauses = ", ".join(_direction(column, desc) for column, desc in order)
        inner = f"SELECT {node} AS node, {keys} {source} ORDER BY {clauses}"
        if limit is not None:
            inner += f" LIMIT {limit}"
        if self.pg:
            outer = ", ".join(_direction(f"x.k{i}", desc) for i, (_, desc) in enumerate(order))
            return (
                f"(SELECT coalesce(json_agg(x.node ORDER BY {outer}), '[]'::json) FROM ({inner}) x)"
            )
        return f"json((SELECT json_group_array(json(x.node)) FROM ({inner}) x))"

    def one(self, node: str, source: str, order: list[tuple[str, bool]]) -> str:
        clauses = ", ".join(_direction(column, desc) for column, desc in order)
        return self.json(f"(SELECT {node} {source} ORDER BY {clauses} LIMIT 1)")

    def optional(self, alias: str, node: str) -> str:
        return self.json(f"CASE WHEN {alias}.id IS NULL THEN NULL ELSE {node} END")

    def member(self) -> str:
        active = "u.is_active" if self.pg else "u.is_active = 1"
        return (
            "EXISTS (SELECT 1 FROM users u JOIN organization_members m ON m.user_id = u.id "
            f"AND m.organization_id = :org WHERE u.id = :user AND {active})"
        )

    def statement(self, body: str, ctes: str = "") -> TextClause:
        cast = "::text" if self.pg else ""
        with_ = f"WITH {ctes} " if ctes else ""
        return text(f"{with_}SELECT ({body}){cast} AS body WHERE {self.member()}")

    def bucket_month(self, column: str) -> str:
        if self.pg:
            return f"CAST(date_trunc('month', {column}) AS DATE)"
        return f"date({column}, 'start of month')"


def _quoted(attribute: str) -> str:
    return f'"{attribute}"' if attribute == "values" else attribute


def _direction(column: str, descending: bool) -> str:
    return f"{column} DESC NULLS LAST" if descending else f"{column} ASC NULLS LAST"


# --- the operations ---------------------------------------------------------------------------


def _relation(sql: Sql, parent: str, relation: Relation, alias: str) -> str:
    model = relation.model
    pairs = sql.fields(alias, model, relation.columns)
    joins = ""
    for i, (attribute, target, columns) in enumerate(relation.nested):
        other = f"{alias}_{i}"
        foreign_key = getattr(model, attribute).property.local_remote_pairs[0][0].name
        joins += (
            f" LEFT JOIN {target.__tablename__} {other} ON {other}.id = {alias}.{foreign_key}"  # type: ignore[attr-defined]
            f" AND {sql.tenant(other, target)}"
        )
        pairs.append(
            (camel(attribute), sql.optional(other, sql.obj(sql.fields(other, target, columns))))
        )
    conditions = [f"{alias}.patient_id = {parent}.id", sql.tenant(alias, model)]
    conditions += [f"{alias}.{column} = '{value}'" for column, value in relation.where.items()]
    source = f"FROM {model.__tablename__} {alias}{joins} WHERE {' AND '.join(conditions)}"  # type: ignore[attr-defined]
    node = sql.obj(pairs)
    if relation.first is None:
        return sql.one(node, source, sql.order(alias, model))
    return sql.obj([("nodes", sql.array(node, source, sql.order(alias, model), relation.first))])


def _patient_node(
    sql: Sql, alias: str, columns: tuple[str, ...], relations: tuple[Relation, ...]
) -> str:
    pairs = sql.fields(alias, healthcare.Patient, columns)
    for i, relation in enumerate(relations):
        pairs.append((relation.name, _relation(sql, alias, relation, f"r{i}")))
    return sql.obj(pairs)


def _patient_page(
    sql: Sql, condition: str, columns: tuple[str, ...], relations: tuple[Relation, ...]
) -> tuple[str, str]:
    """(CTE `page`: the first + 1 patients, the `patients` connection over it)."""
    patient = healthcare.Patient
    order = sql.order("p", patient)
    clauses = ", ".join(_direction(column, desc) for column, desc in order)
    page = (
        f"page AS (SELECT p.* FROM healthcare_patients p WHERE {sql.tenant('p', patient)}"
        f"{condition} ORDER BY {clauses} LIMIT :first_plus)"
    )
    shown = sql.order("s", patient)
    backwards = ", ".join(_direction(column, not desc) for column, desc in shown)
    # The last row shown: the next to last of the page when it holds first + 1 rows.
    last = (
        f"(SELECT s.id FROM page s ORDER BY {backwards} LIMIT 1 "
        "OFFSET CASE WHEN (SELECT count(*) FROM page) > :first THEN 1 ELSE 0 END)"
    )
    page_info = sql.obj(
        [("hasNextPage", sql.boolean("(SELECT count(*) FROM page) > :first")), ("endCursor", last)]
    )
    nodes = sql.array(_patient_node(sql, "s", columns, relations), "FROM page s", shown, ":first")
    connection = sql.obj([("pageInfo", page_info), ("nodes", nodes)])
    return page, sql.obj([("patients", connection)])


def roster(sql: Sql) -> TextClause:
    page, body = _patient_page(sql, "", shapes.ROSTER_FIELDS, shapes.ROSTER)
    return sql.statement(body, page)


def chart(sql: Sql) -> TextClause:
    node = _patient_node(sql, "p", shapes.CHART_FIELDS, shapes.CHART)
    patient = sql.json(
        f"(SELECT {node} FROM healthcare_patients p WHERE p.id = :id AND "
        f"{sql.tenant('p', healthcare.Patient)})"
    )
    return sql.statement(sql.obj([("patient", patient)]))


def alerts(sql: Sql) -> TextClause:
    reading = rpm.RpmReading
    where = (
        f"{sql.tenant('r', reading)} AND r.is_out_of_range = {sql.true()} AND r.timestamp >= :since"
    )
    order = sql.order("r", reading)
    hits = (
        f"hits AS (SELECT r.* FROM rpm_readings r WHERE {where} ORDER BY "
        f"{', '.join(_direction(c, d) for c, d in order)} LIMIT :first)"
    )
    pairs = sql.fields("h", reading, shapes.ALERT_FIELDS)
    joins = ""
    for attribute, target, columns in shapes.ALERT_RELATIONS:
        alias = f"j_{attribute}"
        foreign_key = getattr(reading, attribute).property.local_remote_pairs[0][0].name
        joins += (
            f" LEFT JOIN {target.__tablename__} {alias} ON {alias}.id = h.{foreign_key}"  # type: ignore[attr-defined]
            f" AND {sql.tenant(alias, target)}"
        )
        pairs.append((attribute, sql.optional(alias, sql.obj(sql.fields(alias, target, columns)))))
    nodes = sql.array(sql.obj(pairs), f"FROM hits h{joins}", sql.order("h", reading))
    total = f"(SELECT count(*) FROM rpm_readings r WHERE {where})"
    body = sql.obj([("rpmReadings", sql.obj([("totalCount", total), ("nodes", nodes)]))])
    return sql.statement(body, hits)


def quality(sql: Sql) -> TextClause:
    measurement, indicator, session = (
        population.QualityMeasurement,
        population.QualityIndicator,
        dialyse.DialysisSession,
    )
    pairs = sql.fields("q", measurement, shapes.MEASUREMENT_FIELDS)
    pairs.append(
        (
            "indicator",
            sql.optional("i", sql.obj(sql.fields("i", indicator, shapes.INDICATOR_FIELDS))),
        )
    )
    source = (
        f"FROM quality_measurements q LEFT JOIN quality_indicators i ON i.id = q.indicator_id "
        f"AND {sql.tenant('i', indicator)} WHERE {sql.tenant('q', measurement)} "
        "AND q.period_start >= :since"
    )
    measurements = sql.array(
        sql.obj(pairs), source, [("q.period_start", True), ("q.id", False)], 500
    )
    averages = ", ".join(f"avg(s.{a}) AS {a}" for a in shapes.SESSION_AVERAGES)
    groups = (
        f"FROM (SELECT {sql.bucket_month('s.session_date')} AS bucket, count(*) AS n, {averages} "
        f"FROM dialyse_sessions s WHERE {sql.tenant('s', session)} AND s.status = 'completed' "
        f"AND s.session_date >= :since_day GROUP BY {sql.bucket_month('s.session_date')}) g"
    )
    group = sql.obj(
        [
            ("keys", sql.obj([("bucket", "g.bucket")])),
            ("count", "g.n"),
            ("avg", sql.obj([(camel(a), f"g.{a}") for a in shapes.SESSION_AVERAGES])),
        ]
    )
    aggregate = sql.array(group, groups, [("g.bucket", False)], MAX_GROUPS)
    body = sql.obj(
        [
            ("qualityMeasurements", sql.obj([("nodes", measurements)])),
            ("dialysisSessionsAggregate", aggregate),
        ]
    )
    return sql.statement(body)


def search(sql: Sql, dates: bool) -> TextClause:
    def prefix(column: str) -> str:
        return f"(lower(p.{column}) >= lower(:text) AND lower(p.{column}) < lower(:text) || :top)"

    if dates:
        births = "p.date_of_birth BETWEEN :born_from AND :born_to"
        condition = f" AND (({births}) OR {prefix('medical_record_number')})"
    else:
        condition = (
            f" AND ({prefix('last_name')} OR {prefix('first_name')} OR "
            f"{prefix('medical_record_number')})"
        )
    page, body = _patient_page(sql, condition, shapes.SEARCH_FIELDS, ())
    return sql.statement(body, page)


# --- binding the variables ----------------------------------------------------------------------


class Statements:
    """The statements of one dialect, built once."""

    def __init__(self, dialect: str) -> None:
        sql = Sql(dialect)
        self.pg = sql.pg
        self.roster = roster(sql)
        self.chart = chart(sql)
        self.alerts = alerts(sql)
        self.quality = quality(sql)
        self.search_names = search(sql, dates=False)
        self.search_dates = search(sql, dates=True)

    def instant(self, raw: str) -> Any:
        value = dt.datetime.fromisoformat(raw)
        if value.tzinfo is None:
            value = value.replace(tzinfo=dt.UTC)
        return value if self.pg else int(value.timestamp())

    def day(self, raw: str) -> Any:
        value = dt.date.fromisoformat(raw)
        return value if self.pg else value.isoformat()

    def bind(self, operation: str, variables: dict[str, Any]) -> tuple[TextClause, dict[str, Any]]:
        if operation == "Roster":
            if variables.get("after"):
                raise ValueError("the floor serves first pages only")
            first = int(variables.get("first", 100))
            return self.roster, {"first": first, "first_plus": first + 1}
        if operation == "PatientChart":
            return self.chart, {"id": raw_id(variables["id"], "Patient")}
        if operation == "RpmAlerts":
            since = self.instant(variables["since"])
            return self.alerts, {"since": since, "first": int(variables.get("first", 200))}
        if operation == "QualityDashboard":
            return self.quality, {
                "since": self.instant(variables["since"]),
                "since_day": self.day(variables["sinceDay"]),
            }
        if operation == "PatientSearch":
            text_ = str(variables["text"]).strip()
            first = int(variables.get("first", 20))
            params: dict[str, Any] = {
                "first": first,
                "first_plus": first + 1,
                "text": text_,
                "top": shapes.TOP,
            }
            dates = shapes.birth_range(text_)
            if dates is None:
                return self.search_names, params
            born_from, born_to = (dt.date(1, 1, 2), dt.date(1, 1, 1)) if dates is False else dates  # type: ignore[misc]
            params |= {
                "born_from": self.day(born_from.isoformat()),
                "born_to": self.day(born_to.isoformat()),
            }
            return self.search_dates, params
        raise ValueError(f"the floor does not serve {operation!r}")


def create(url: URL | None = None) -> Instrumented:
    """The floor's ASGI app (for `uvicorn --factory bench.servers.floor:create`)."""
    url = url or database_url()
    statements = Statements(url.get_backend_name())
    state: dict[str, AsyncEngine] = {}

    async def endpoint(request: Request) -> Response:
        try:
            user_id, organization_id = claims(request.headers.get("authorization"))
        except Unauthenticated:
            return error("Authentication required.", 401)
        body = orjson.loads(await request.body())
        try:
            statement, params = statements.bind(
                str(body.get("operationName")), body.get("variables") or {}
            )
        except (ValueError, KeyError) as exc:
            return error(str(exc), 400)
        params |= {"org": organization_id, "user": user_id}
        async with state["engine"].connect() as conn:
            found = (await conn.execute(statement, params)).scalar_one_or_none()
        if found is None:
            return error("Not allowed.", 403)
        return Response(b'{"data":' + found.encode() + b"}", media_type="application/json")

    @contextlib.asynccontextmanager
    async def lifespan(_app: Starlette) -> AsyncIterator[None]:
        state["engine"] = create_engine(url)
        try:
            yield
        finally:
            await state["engine"].dispose()

    return Instrumented(
        Starlette(routes=[Route("/graphql", endpoint, methods=["POST"])], lifespan=lifespan)
    )
