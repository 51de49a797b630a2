"""`patients(search:)`: what a front desk types to find a patient.

A name or medical record number prefix (case-insensitive: "dup" finds Dupont and DUPUIS), or
a date of birth or its prefix ("1958", "1958-03", "1958-03-01"). Each alternative is a range
on an indexed expression (`lower(last_name)`, `lower(first_name)`, `lower(mrn)`,
`date_of_birth`), so the search is one indexed statement, never a scan of the registry.
"""

from __future__ import annotations

import calendar
import datetime as dt
import re
from typing import Any

from sqlalchemy import ColumnElement, and_, false, func, or_

from graph.errors import BadUserInput
from models.healthcare import Patient

MAX_SEARCH = 100
_DATE_PREFIX = re.compile(r"^(\d{4})(?:-(\d{2})(?:-(\d{2}))?)?$")
_TOP = "\U0010ffff"  # sorts after every character: prefix <= x < prefix + _TOP


def _prefix(expression: Any, text: str) -> ColumnElement[bool]:
    """expression starts with text, case-insensitively, as an index range on lower(...)."""
    lowered = func.lower(expression)
    start = func.lower(text)
    return and_(lowered >= start, lowered < start + _TOP)


def _birth_range(match: re.Match[str]) -> ColumnElement[bool]:
    year, month, day = (int(g) if g else None for g in match.groups())
    try:
        if day is not None:
            first = last = dt.date(year, month, day)  # type: ignore[arg-type]
        elif month is not None:
            first = dt.date(year, month, 1)  # type: ignore[arg-type]
            last = dt.date(year, month, calendar.monthrange(year, month)[1])  # type: ignore[arg-type]
        else:
            first, last = dt.date(year, 1, 1), dt.date(year, 12, 31)  # type: ignore[arg-type]
    except ValueError:
        return false()
    return Patient.date_of_birth.between(first, last)


def patient_search(text: str) -> ColumnElement[bool]:
    """The condition of `patients(search: text)`."""
    text = text.strip()
    if not text:
        raise BadUserInput("search needs some text: a name, a record number or a birth date")
    if len(text) > MAX_SEARCH:
        raise BadUserInput(f"search takes at most {MAX_SEARCH} characters")
    date = _DATE_PREFIX.match(text)
    if date:
        return or_(_birth_range(date), _prefix(Patient.medical_record_number, text))
    return or_(
        _prefix(Patient.last_name, text),
        _prefix(Patient.first_name, text),
        _prefix(Patient.medical_record_number, text),
    )


SEARCH_HELP = (
    "`search`: a name or medical record number prefix (case-insensitive), or a date of birth "
    "or its prefix (1958, 1958-03, 1958-03-01)."
)
