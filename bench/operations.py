"""The five ready operations of `queries/`, their variables on a dataset, and how responses are
compared and measured.

Q1 Roster runs at three page sizes (10, 100 and 500 patients); Q2 to Q5 at the size their
document or the dashboard uses. The same document and variables go to every server, except
that strawberry-sqlalchemy-mapper gets `for_mapper(document)`: its connections have `edges
{ node }` but no `nodes` shortcut and no `totalCount` (see docs/performance.md).
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from graphql import FieldNode, NameNode, SelectionSetNode, parse, print_ast, visit
from graphql.language import Visitor

from bench.config import ROOT
from bench.datasets import Dataset
from graph.ids import InvalidId, decode, encode

QUERIES = ROOT / "queries"
Q1_SIZES = (10, 100, 500)
# Values that are one field even though they are JSON objects (JSON scalars).
OPAQUE = frozenset({"alertThresholds"})
# Objects that are parts of another object rather than returned rows.
PARTS = frozenset({"pageInfo", "keys", "avg", "min", "max", "sum"})
# Fields the mapper cannot serve; left out of every server's response when comparing.
MAPPER_MISSING = frozenset({"totalCount"})


def document(name: str) -> str:
    return (QUERIES / f"{name}.graphql").read_text(encoding="utf-8")


@dataclass(frozen=True)
class Operation:
    key: str  # "Q1@100", "Q2", ...
    title: str  # "Q1 Roster (first 100)"
    operation_name: str
    document: str
    variables: dict[str, Any] = field(default_factory=dict)

    def body(self, mapper: bool = False) -> dict[str, Any]:
        query = for_mapper(self.document) if mapper else self.document
        return {
            "query": query,
            "variables": self.variables,
            "operationName": self.operation_name,
        }


def operations(dataset: Dataset, sizes: Iterable[int] = Q1_SIZES) -> list[Operation]:
    roster = document("roster")
    result = [
        Operation(f"Q1@{n}", f"Q1 Roster (first {n})", "Roster", roster, {"first": n})
        for n in sizes
    ]
    result += [
        Operation(
            "Q2",
            "Q2 PatientChart (one patient, 15 relations)",
            "PatientChart",
            document("patient_chart"),
            {"id": encode("Patient", dataset.chart_patient)},
        ),
        Operation(
            "Q3",
            "Q3 RpmAlerts (last 24 h, first 200)",
            "RpmAlerts",
            document("rpm_alerts"),
            {"since": dataset.alerts_since, "first": 200},
        ),
        Operation(
            "Q4",
            "Q4 QualityDashboard (12 months)",
            "QualityDashboard",
            document("quality_dashboard"),
            {"since": dataset.quality_since, "sinceDay": dataset.quality_since_day},
        ),
        Operation(
            "Q5",
            f"Q5 PatientSearch ({dataset.search_text!r}, first 20)",
            "PatientSearch",
            document("patient_search"),
            {"text": dataset.search_text, "first": 20},
        ),
    ]
    return result


# --- the mapper's documents -----------------------------------------------------------------


class _MapperShapes(Visitor):
    """`nodes { … }` -> `edges { node { … } }`; `totalCount` left out."""

    def enter_field(self, node: FieldNode, *_args: Any) -> Any:
        if node.name.value == "totalCount":
            return self.REMOVE
        if node.name.value == "nodes" and node.selection_set is not None:
            inner = FieldNode(
                name=NameNode(value="node"),
                arguments=(),
                directives=(),
                selection_set=node.selection_set,
            )
            return FieldNode(
                alias=node.alias,
                name=NameNode(value="edges"),
                arguments=(),
                directives=(),
                selection_set=SelectionSetNode(selections=(inner,)),
            )
        return None


def for_mapper(text: str) -> str:
    return print_ast(visit(parse(text), _MapperShapes()))


# --- comparing responses --------------------------------------------------------------------


def normalize(value: Any, key: str | None = None, drop: frozenset[str] = MAPPER_MISSING) -> Any:
    """A response's data in a form every server's answer can be compared in: connections with
    `nodes` (the mapper's edges unwrapped), raw ids for global IDs, a cursor as whether there is
    one, every number as a float of 9 significant digits, `drop`ped fields left out."""
    if isinstance(value, dict):
        if "edges" in value and "nodes" not in value:
            value = {k: v for k, v in value.items() if k != "edges"} | {
                "nodes": [edge["node"] for edge in value["edges"]]
            }
        if key in OPAQUE:
            return _numbers(value)
        return {k: normalize(v, k, drop) for k, v in value.items() if k not in drop}
    if isinstance(value, list):
        return [normalize(item, key, drop) for item in value]
    if key in ("endCursor", "startCursor"):
        return value is not None
    if key == "id" and isinstance(value, str):
        return _raw_id(value)
    return _numbers(value)


def _raw_id(value: str) -> str:
    try:
        return decode(value)[1]
    except InvalidId:
        return value


def _numbers(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _numbers(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_numbers(v) for v in value]
    if isinstance(value, bool) or not isinstance(value, int | float):
        return value
    if isinstance(value, float) and not math.isfinite(value):
        return value
    return float(f"{value:.9g}")


def count_objects(value: Any, key: str | None = None) -> int:
    """Returned objects: rows of a list and to-one objects; not the connections, page infos,
    aggregate parts or JSON values around them."""
    if key in OPAQUE:
        return 0
    if isinstance(value, dict):
        own = 0 if key is None or key in PARTS or "nodes" in value or "edges" in value else 1
        return own + sum(count_objects(v, k) for k, v in value.items())
    if isinstance(value, list):
        return sum(count_objects(item, key) for item in value)
    return 0


def count_fields(value: Any, key: str | None = None) -> int:
    """Returned fields: every scalar value (null included); a JSON value is one field."""
    if key in OPAQUE:
        return 1
    if isinstance(value, dict):
        return sum(count_fields(v, k) for k, v in value.items())
    if isinstance(value, list):
        return sum(count_fields(item, key) for item in value)
    return 1
