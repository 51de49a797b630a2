"""Keyset cursors: a page starts after (or before) a row's position in an order, not at an
offset, so pages stay stable while rows are inserted between requests and no query skips
rows it has to read first.

A cursor is base64url JSON of the list's signature (type and order, so a cursor of another
list or order is refused), the row's order-key values and its id. It carries nothing the
caller could not read in the row itself; tampering only moves the page, and the tenant filter
still decides what is visible.
"""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import hashlib
import json
from collections.abc import Sequence
from decimal import Decimal
from typing import Any

from sqlalchemy import ColumnElement, and_, false, or_, true

from graph.errors import BadUserInput
from graph.ordering import Sort

MAX_CURSOR_LENGTH = 2048


def signature(type_name: str, order: Sequence[Sort]) -> str:
    """What a cursor is valid for: one type, listed in one order."""
    text = type_name + "|" + ",".join(s.key() for s in order)
    return hashlib.sha256(text.encode()).hexdigest()[:12]


def _plain(value: Any) -> Any:
    if isinstance(value, dt.datetime | dt.date | dt.time):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    return value


def encode_cursor(sig: str, values: Sequence[Any], row_id: str) -> str:
    payload = json.dumps([sig, [_plain(v) for v in values], row_id], separators=(",", ":"))
    return base64.urlsafe_b64encode(payload.encode()).decode().rstrip("=")


def _typed(raw: Any, python_type: type) -> Any:
    if raw is None:
        return None
    if python_type is dt.datetime:
        value = dt.datetime.fromisoformat(raw)
        return value if value.tzinfo else value.replace(tzinfo=dt.UTC)
    if python_type in (dt.date, dt.time):
        return python_type.fromisoformat(raw)  # type: ignore[attr-defined]
    if python_type is Decimal:
        return Decimal(str(raw))
    if python_type is float and isinstance(raw, int | float) and not isinstance(raw, bool):
        return float(raw)
    if isinstance(raw, python_type) and not (python_type is int and isinstance(raw, bool)):
        return raw
    raise ValueError(f"a {python_type.__name__} was expected")


def decode_cursor(cursor: str, sig: str, types: Sequence[type]) -> tuple[tuple[Any, ...], str]:
    """(order-key values, row id) of a cursor of this list; BadUserInput otherwise."""
    try:
        if len(cursor) > MAX_CURSOR_LENGTH:
            raise ValueError("too long")
        padded = cursor + "=" * (-len(cursor) % 4)
        found_sig, raw_values, row_id = json.loads(base64.urlsafe_b64decode(padded.encode()))
        if found_sig != sig or not isinstance(row_id, str) or len(raw_values) != len(types):
            raise ValueError("another list's cursor")
        values = tuple(_typed(raw, kind) for raw, kind in zip(raw_values, types, strict=True))
    except (ValueError, TypeError, binascii.Error, UnicodeError):
        raise BadUserInput("not a cursor of this list (in this order)") from None
    return values, row_id


def after(
    columns: Sequence[Any],
    order: Sequence[Sort],
    values: Sequence[Any],
    id_column: Any,
    row_id: str,
    *,
    backwards: bool = False,
) -> ColumnElement[bool]:
    """Rows strictly after the position (values, row_id) in `order` then id ascending, or
    strictly before it with `backwards`: OR over i of (keys before i equal AND key i past
    its value), nulls placed as ordered."""
    if backwards:
        order = [sort.reversed() for sort in order]
    clauses = []
    equal_so_far: list[ColumnElement[bool]] = []
    for column, sort, value in zip(columns, order, values, strict=True):
        clauses.append(and_(*equal_so_far, _past(column, sort, value)))
        equal_so_far.append(column.is_(None) if value is None else column == value)
    clauses.append(and_(*equal_so_far, id_column < row_id if backwards else id_column > row_id))
    return or_(*clauses)


def _past(column: Any, sort: Sort, value: Any) -> ColumnElement[bool]:
    """Rows whose key comes strictly after `value` in this key's order."""
    if value is None:
        return column.is_not(None) if sort.nulls_first else false()
    beyond = column < value if sort.descending else column > value
    return or_(beyond, column.is_(None)) if not sort.nulls_first else and_(beyond, true())
