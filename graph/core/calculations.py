"""What every computed clinical value shares in the schema: `CalculationResult` (made here,
and only here, from `graph.calculation.Calculation`), the `Sex` enum, and `RequestLoader`, the
base of the named loaders that computed record fields use to read another row.

Record fields (`DialysisSession.urr`, ...) and the calculators under `calculate` return the same
`CalculationResult`, so a dashboard reads a stored session and a what-if calculation alike.
"""

from __future__ import annotations

from typing import Any, Self

import strawberry
from aiodataloader import DataLoader

from graph.calculation import Calculation, Sex
from graph.session import RequestDatabase

LOADER_BATCH = 5000  # keys per statement: within SQLite's and asyncpg's parameter limits

strawberry.enum(
    Sex,
    name="Sex",
    description="Sex as the clinical equations use it: they were fitted for female and male.",
)


@strawberry.type(
    name="CalculationResult",
    description=(
        "A computed clinical value: the number in `unit` by `method`, or null with the "
        "`reason` (a missing input, or one outside the equation's domain); never NaN."
    ),
)
class CalculationResult:
    value: float | None = strawberry.field(
        description="The result in `unit`; null when it cannot be computed (see `reason`)."
    )
    unit: str = strawberry.field(description="Unit of `value`, e.g. `%`, `mL/kg/h`, `points`.")
    method: str = strawberry.field(description="Equation or rule used, with its source.")
    reason: str | None = strawberry.field(description="Why `value` is null; null otherwise.")
    factors: list[str] = strawberry.field(
        description="For point scores and criteria: the items that counted; else empty."
    )


def result(calculated: Calculation) -> CalculationResult:
    """The GraphQL value of a calculation."""
    return CalculationResult(
        value=calculated.value,
        unit=calculated.unit,
        method=calculated.method,
        reason=calculated.reason,
        factors=list(calculated.factors),
    )


def refused(unit: str, method: str, reason: str) -> CalculationResult:
    """A result without a value, for a record that lacks what the equation needs."""
    return result(Calculation(None, unit, method, reason))


class RequestLoader(DataLoader):  # type: ignore[type-arg]
    """A named loader of computed fields (`<Thing>By<Key>Loader` in the domain's loaders.py):
    one instance per request, kept in the request context, so one batch (one statement)
    serves every row of a page and nothing is cached across requests or organizations.
    Its statements go through the request's tenant-scoped session."""

    def __init__(self, db: RequestDatabase) -> None:
        super().__init__(max_batch_size=LOADER_BATCH)
        self.db = db

    @classmethod
    def of(cls, info: strawberry.Info[Any, Any]) -> Self:
        """This request's instance."""
        memo = info.context.memo
        key = ("request-loader", cls)
        loader = memo.get(key)
        if loader is None:
            loader = memo[key] = cls(info.context.db)
        return loader  # type: ignore[no-any-return]


__all__ = ["CalculationResult", "RequestLoader", "Sex", "refused", "result"]
