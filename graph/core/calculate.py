"""`calculate: ClinicalCalculators!`: every domain's calculators under one root field.

Each domain contributes a `<Domain>Calculators` type in `graph/<domain>/calculators.py`; they
are merged here, in the order of `models.DOMAINS`, into `ClinicalCalculators`, so adding a
calculator touches only its domain. Calculators compute from their arguments alone: nothing is
read or stored, and any signed-in role may use them.
"""

from __future__ import annotations

import importlib
from typing import Any

import strawberry

import models
from graph.naming import pascal
from graph.wiring import domain_name

DESCRIPTION = (
    "Clinical calculators for what-if use: each computes from its arguments alone (nothing is "
    "read or stored) and returns a CalculationResult with the method, source and unit; an "
    "input that is missing or outside the equation's domain gives a null value and a reason."
)


def domain_calculators() -> list[type]:
    """Each domain's `<Domain>Calculators`, in the order of `models.DOMAINS`."""
    found = []
    for module in models.DOMAINS:
        name = domain_name(module)
        try:
            calculators = importlib.import_module(f"graph.{name}.calculators")
        except ModuleNotFoundError as exc:
            if exc.name != f"graph.{name}.calculators":
                raise
            continue
        found.append(getattr(calculators, f"{pascal(name)}Calculators"))
    return found


ClinicalCalculators = strawberry.type(
    type("ClinicalCalculators", tuple(domain_calculators()), {}),
    description=DESCRIPTION,
)


def _calculate() -> ClinicalCalculators:  # type: ignore[valid-type]
    return ClinicalCalculators()


calculate: Any = strawberry.field(
    resolver=_calculate,
    description=f"{DESCRIPTION} Open to every signed-in role.",
)
