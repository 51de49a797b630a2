"""Values the clinical domains' mutations share beyond graph/mutation_inputs.py: business
numbers made on creation, and instants of a plan (a surgery's date, an appointment's time),
which may lie in the future where a recorded instant may not."""

from __future__ import annotations

import copy
import datetime as dt
import uuid
from collections.abc import Sequence
from typing import Any

import strawberry

from graph.mutation_inputs import values_of
from graph.mutations import Checks, MutationErrorCode
from graph.naming import camel
from models.base import Base


def business_number(prefix: str, when: dt.datetime | None) -> str:
    """A readable, unique business number: prefix, day, random suffix (`ECG-20261001-9F2A…`)."""
    day = f"{when:%Y%m%d}" if when is not None else "00000000"
    return f"{prefix}-{day}-{uuid.uuid4().hex[:8].upper()}"


def planned_values(
    data: Any, model: type[Base], checks: Checks, planned: Sequence[str]
) -> dict[str, Any]:
    """`values_of(data)`, except that the `planned` instants (attributes) may lie in the
    future: they are only checked for a time zone, and kept in whole seconds, in UTC."""
    rest = copy.copy(data)
    found: dict[str, Any] = {}
    for key in planned:
        value = getattr(data, key, strawberry.UNSET)
        setattr(rest, key, strawberry.UNSET)
        if value is strawberry.UNSET or value is None:
            continue
        if value.tzinfo is None:
            name = camel(key)
            checks.add(MutationErrorCode.OUT_OF_RANGE, name, f"{name} needs a time zone.")
            continue
        found[key] = value.astimezone(dt.UTC).replace(microsecond=0)
    return {**values_of(rest, model, checks), **found}


__all__ = ["business_number", "planned_values"]
