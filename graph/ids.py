"""Opaque global IDs: base64url of `TypeName:uuid`, so `node(id)` can find any object.

Clients must treat them as opaque; they are stable for a row as long as its type name is.
"""

from __future__ import annotations

import base64
import binascii
import uuid


class InvalidId(ValueError):
    """An ID that is not one this API issued (or not of the expected type)."""


def encode(type_name: str, row_id: str) -> str:
    return base64.urlsafe_b64encode(f"{type_name}:{row_id}".encode()).decode().rstrip("=")


def decode(global_id: str) -> tuple[str, str]:
    """(type name, row id) of a global ID; raises InvalidId."""
    try:
        padded = global_id + "=" * (-len(global_id) % 4)
        type_name, _, row_id = base64.urlsafe_b64decode(padded.encode()).decode().partition(":")
        uuid.UUID(row_id)
    except (ValueError, binascii.Error, UnicodeError):
        raise InvalidId("not a valid ID") from None
    if not type_name.isidentifier():
        raise InvalidId("not a valid ID")
    return type_name, row_id


def decode_as(global_id: str, type_name: str) -> str:
    """The row id of a global ID that must be of `type_name`; raises InvalidId."""
    found, row_id = decode(global_id)
    if found != type_name:
        raise InvalidId(f"not a valid {type_name} ID")
    return row_id
