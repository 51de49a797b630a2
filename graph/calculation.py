"""The result every clinical equation returns, and the input checks they share.

A wrong number in a clinical tool is a patient-safety defect, so an equation never guesses: a
missing input, a value outside what the equation (or a human body) allows, or a result that is
not a finite number gives `Calculation(value=None, reason=...)`, never NaN, infinity or an
exception. Each equation (`graph/<domain>/equations.py`) is a plain function decorated with
`@equation(unit, method)`: its body reads its inputs through `need(...)`, which refuses what it
cannot use, and returns the number (or a `Scored` point total). Nothing here knows GraphQL or
the database; `graph/core/calculations.py` turns a `Calculation` into `CalculationResult`.
"""

from __future__ import annotations

import datetime as dt
import enum
import functools
import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import ParamSpec

P = ParamSpec("P")


class Sex(enum.Enum):
    """Sex as the risk and renal equations use it (they were fitted for female and male)."""

    FEMALE = "female"
    MALE = "male"


@dataclass(frozen=True)
class Calculation:
    """One computed value with its unit and method; `value` None means `reason` says why.
    `factors`: the items that counted, for point scores (else empty)."""

    value: float | None
    unit: str
    method: str
    reason: str | None = None
    factors: tuple[str, ...] = ()


@dataclass(frozen=True)
class Scored:
    """A point score and the items that counted towards it."""

    points: int
    factors: tuple[str, ...]


class Refused(Exception):
    """An input the equation cannot use (raised by `need`, caught by `@equation`)."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def need(
    label: str,
    value: float | None,
    *,
    above: float | None = None,
    at_least: float | None = None,
    at_most: float | None = None,
    below: float | None = None,
    unit: str = "",
) -> float:
    """`value` as a float when it is present, finite and within the bounds; otherwise refuse
    with a reason that names the input (`label`) and the bound."""
    suffix = f" {unit}" if unit else ""
    if value is None:
        raise Refused(f"{label} is missing")
    if isinstance(value, bool) or not math.isfinite(value):
        raise Refused(f"{label} is not a finite number")
    number = float(value)
    if above is not None and not number > above:
        raise Refused(f"{label} must be greater than {above:g}{suffix}")
    if at_least is not None and number < at_least:
        raise Refused(f"{label} must be at least {at_least:g}{suffix}")
    if below is not None and not number < below:
        raise Refused(f"{label} must be less than {below:g}{suffix}")
    if at_most is not None and number > at_most:
        raise Refused(f"{label} must be at most {at_most:g}{suffix}")
    return number


def need_flag(label: str, value: bool | None) -> bool:
    """A yes/no input; None (not assessed) is refused rather than read as no."""
    if value is None:
        raise Refused(f"{label} is not recorded")
    return bool(value)


def need_sex(value: Sex | None) -> Sex:
    if value is None:
        raise Refused("sex is missing (the equation is defined for female and male)")
    return value


def equation(
    unit: str, method: str
) -> Callable[[Callable[P, float | Scored]], Callable[P, Calculation]]:
    """Make an equation body (returning a float or a `Scored`) a function returning a
    `Calculation`: refusals and arithmetic outside the equation's domain become a null value
    with a reason, and so does any result that is not a finite number."""

    def wrap(body: Callable[P, float | Scored]) -> Callable[P, Calculation]:
        @functools.wraps(body)
        def calculate(*args: P.args, **kwargs: P.kwargs) -> Calculation:
            try:
                result = body(*args, **kwargs)
            except Refused as refused:
                return Calculation(None, unit, method, refused.reason)
            except (ArithmeticError, ValueError):
                reason = "the inputs are outside the equation's numeric domain"
                return Calculation(None, unit, method, reason)
            if isinstance(result, Scored):
                return Calculation(float(result.points), unit, method, None, result.factors)
            if not math.isfinite(result):
                reason = "the inputs give no finite result (outside the equation's domain)"
                return Calculation(None, unit, method, reason)
            return Calculation(float(result), unit, method)

        return calculate

    return wrap


def sex_of(gender: str | None) -> Sex | None:
    """The equations' sex from a registry gender (`female`/`male`; other values have none)."""
    return {"female": Sex.FEMALE, "male": Sex.MALE}.get(gender or "")


def age_on(birth: dt.date, day: dt.date) -> int:
    """Age in completed years on `day` (a birthday counts from its day)."""
    return day.year - birth.year - ((day.month, day.day) < (birth.month, birth.day))


__all__ = [
    "Calculation",
    "Refused",
    "Scored",
    "Sex",
    "age_on",
    "equation",
    "need",
    "need_flag",
    "need_sex",
    "sex_of",
]
