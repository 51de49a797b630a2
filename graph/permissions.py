"""Authorization: the one mechanism that decides which roles may read a type or a field.

Roles come from the verified token only (`Principal.roles`); unknown roles grant nothing. The
role matrix below says, per module (with a few per-type exceptions), which roles read a type:

- `admin`: everything of the organization, the audit log, users, portal accounts.
- `physician`: clinical data of every module, and users.
- `nurse`: clinical data of every module; no users.
- `analyst`: clinical types and aggregates, de-identified: no free text or JSON (names,
  contact data, MRN, notes) and no date of birth of patient data.
- `patient`: the chart, messages and appointments of the one patient its portal account is
  bound to; rows of other patients do not exist for it (models/patient_scope.py).

A type's rule gates its root fields, `node`/`nodes` and every relation field leading to it; a
column's rule (the analyst's de-identification) gates that field. Each restricted field says
so in its description (`Roles.describe()`), so the matrix is visible in GraphiQL's Docs and in
the reviewed SDL. Denied access is the `FORBIDDEN` error, never a partial answer; `where`,
`orderBy` and `groupBy` on a column the caller may not read are refused the same way, so a
filter cannot reveal what the field would not.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from typing import Any

import strawberry
from strawberry.permission import BasePermission, PermissionExtension

from graph.auth import Principal
from graph.conditions import as_graphql
from graph.errors import Forbidden
from graph.naming import camel
from graph.ordering import _sort, _value
from models.base import Base
from models.patient_scope import is_patient_scoped
from models.types import kind_of

ADMIN = "admin"
PHYSICIAN = "physician"
NURSE = "nurse"
ANALYST = "analyst"
PATIENT = "patient"
KNOWN_ROLES = frozenset({ADMIN, PHYSICIAN, NURSE, ANALYST, PATIENT})


@dataclass(frozen=True)
class Roles:
    """Any one of these roles grants access."""

    allowed: frozenset[str]

    def __init__(self, *roles: str) -> None:
        unknown = set(roles) - KNOWN_ROLES
        if unknown or not roles:
            raise ValueError(f"unknown or missing roles: {sorted(unknown)}")
        object.__setattr__(self, "allowed", frozenset(roles))

    def allows(self, principal: Principal) -> bool:
        return not self.allowed.isdisjoint(principal.roles)

    def check(self, principal: Principal) -> None:
        """Raise Forbidden unless the principal holds one of the roles."""
        if not self.allows(principal):
            raise Forbidden(DENIED)

    def describe(self) -> str:
        return f"Requires the role {' or '.join(f'`{r}`' for r in sorted(self.allowed))}."

    def extension(self) -> PermissionExtension:
        """The Strawberry field extension that enforces this rule before the resolver runs."""
        return PermissionExtension(permissions=[RolePermission(self)], use_directives=False)


DENIED = "Not allowed for the roles of this token."

# --- the role matrix -----------------------------------------------------------------------

_STAFF = (ADMIN, PHYSICIAN, NURSE)
_CLINICAL = (*_STAFF, ANALYST, PATIENT)  # PATIENT counts on patient-scoped types only
MODULE_READERS: dict[str, tuple[str, ...]] = {
    "healthcare": _CLINICAL,
    "dialyse": _CLINICAL,
    "cardiology": _CLINICAL,
    "ophthalmology": _CLINICAL,
    "rpm": _CLINICAL,
    "imaging_ai": _CLINICAL,
    "patient_portal": _CLINICAL,
    "clinical_ai": (*_STAFF, ANALYST),  # decision support for clinicians
    "population_health": (*_STAFF, ANALYST),
    "core": (ADMIN,),
    "audit": (ADMIN,),
}
TYPE_READERS: dict[str, tuple[str, ...]] = {  # exceptions to the module's readers
    "Organization": tuple(sorted(KNOWN_ROLES)),
    "User": (ADMIN, PHYSICIAN),
    "PortalAccount": (ADMIN,),  # login e-mail, IP address and user agent
}
# Catalogue types whose text describes the organization's set-up, not a patient.
NOT_PATIENT_DATA = frozenset(
    {"Organization", "QualityIndicator", "RpmProgram", "DialysisSessionSlot"}
)
IDENTIFYING_KINDS = frozenset({"text", "json"})
IDENTIFYING_COLUMNS = frozenset({"date_of_birth"})


def derived_rule() -> Roles:
    """The rule of a computed field that reveals an identifying column (e.g. the age from the
    date of birth): the clinical roles, not the analyst."""
    return Roles(ADMIN, PHYSICIAN, NURSE, PATIENT)


def read_rule(model: type[Base]) -> Roles:
    """Who may read rows of `model` (the matrix above)."""
    name = model.__name__
    readers = TYPE_READERS.get(name) or MODULE_READERS[model.__table__.info["module"]]  # type: ignore[attr-defined]
    if PATIENT in readers and not is_patient_scoped(model):
        readers = tuple(role for role in readers if role != PATIENT)
    return Roles(*readers)


def column_rule(model: type[Base], column: Any) -> Roles | None:
    """Who may read this column, when fewer than the type's readers: an analyst reads no
    free text, JSON or date of birth of patient data (ids, numbers, enums and dates it does)."""
    readers = read_rule(model).allowed
    if ANALYST not in readers or model.__name__ in NOT_PATIENT_DATA:
        return None
    if column.primary_key or column.foreign_keys:
        return None
    if kind_of(column.type) in IDENTIFYING_KINDS or column.name in IDENTIFYING_COLUMNS:
        return Roles(*(readers - {ANALYST}))
    return None


class RolePermission(BasePermission):
    """Strawberry's permission hook over a `Roles` rule."""

    message = DENIED

    def __init__(self, rule: Roles) -> None:
        self.rule = rule

    def has_permission(self, source: Any, info: strawberry.Info, **kwargs: Any) -> bool:
        return self.rule.allows(info.context.principal)

    def on_unauthorized(self) -> None:
        raise Forbidden(DENIED)


@functools.cache
def restricted_attributes(model: type[Base]) -> dict[str, Roles]:
    """Attribute -> rule of the model's columns that fewer roles may read than the type."""
    found = {}
    for column in model.__table__.columns:  # type: ignore[attr-defined]
        rule = column_rule(model, column)
        if rule is not None:
            found[model.__mapper__.get_property_by_column(column).key] = rule
    return found


def check_arguments(
    principal: Principal,
    model: type[Base],
    *,
    where: Any = None,
    order_by: Any = None,
    group_by: Any = None,
    bucket: Any = None,
    search: str | None = None,
) -> None:
    """Refuse (FORBIDDEN) a filter, order, grouping, bucket or text search on a column the
    principal may not read: `where: {lastName: {eq: "…"}}` would otherwise tell what
    `lastName` would not (text search reads names and numbers of the record)."""
    restricted = restricted_attributes(model)
    denied = {attr for attr, rule in restricted.items() if not rule.allows(principal)}
    if not denied:
        return
    if search is not None:
        raise Forbidden(f"{DENIED} (text search reads columns this token may not read)")
    named: set[str] = set()
    _where_names(as_graphql(where), named)
    used = {attr for attr in denied if camel(attr) in named}
    used |= {_sort(item).attribute for item in as_graphql(order_by) or ()} & denied
    used |= {str(_value(item)) for item in group_by or ()} & denied
    if bucket is not None:
        field = bucket.get("field") if isinstance(bucket, dict) else bucket.field
        used |= {str(_value(field))} & denied
    if used:
        raise Forbidden(f"{DENIED} (column: {', '.join(sorted(camel(a) for a in used))})")


def _where_names(where: Any, names: set[str]) -> None:
    if isinstance(where, list):
        for item in where:
            _where_names(item, names)
    elif isinstance(where, dict):
        for key, value in where.items():
            if key in ("AND", "OR", "NOT"):
                _where_names(value, names)
            else:
                names.add(key)


def with_rule(description: str | None, rule: Roles | None) -> dict[str, Any]:
    """`strawberry.field` keyword arguments for a field guarded by `rule` (or open)."""
    if rule is None:
        return {"description": description}
    text = f"{description} {rule.describe()}" if description else rule.describe()
    return {"description": text, "extensions": [rule.extension()]}


# --- writes (mutations) --------------------------------------------------------------------
# Staff write the clinical records of their organization; an analyst writes nothing; a portal
# patient writes only its own messages and appointment requests (the mutation checks "own").

MODULE_WRITERS: dict[str, tuple[str, ...]] = {
    module: _STAFF for module in MODULE_READERS if module not in ("core", "audit")
}
TYPE_WRITERS: dict[str, tuple[str, ...]] = {  # exceptions to the module's writers
    "PortalMessage": (*_STAFF, PATIENT),
    "PortalAppointmentRequest": (*_STAFF, PATIENT),
    "PortalAccount": (ADMIN,),
}


# Actions fewer roles may take than write the type (model name, action): a nurse may act on a
# decision-support recommendation, but only a physician (or admin) may overrule it; a patient
# may request an appointment, but only staff confirm one.
ACTION_WRITERS: dict[tuple[str, str], tuple[str, ...]] = {
    ("CdssRecommendation", "dismiss"): (ADMIN, PHYSICIAN),
    ("PortalAppointmentRequest", "confirm"): _STAFF,  # a patient requests, staff confirm
}


def write_rule(model: type[Base]) -> Roles:
    """Who may create, change or archive rows of `model` (nobody: ValueError, so a mutation
    of a read-only type cannot be declared)."""
    name = model.__name__
    module = model.__table__.info["module"]  # type: ignore[attr-defined]
    writers = TYPE_WRITERS.get(name) or MODULE_WRITERS.get(module)
    if not writers:
        raise ValueError(f"{name} rows are not written through the API")
    return Roles(*writers)


def action_rule(model: type[Base], action: str) -> Roles:
    """Who may take `action` (e.g. `dismiss`) on rows of `model`: its exception in
    ACTION_WRITERS, or else whoever writes the type."""
    writers = ACTION_WRITERS.get((model.__name__, action))
    return Roles(*writers) if writers else write_rule(model)


__all__ = [
    "ADMIN",
    "ANALYST",
    "NURSE",
    "PATIENT",
    "PHYSICIAN",
    "Roles",
    "action_rule",
    "check_arguments",
    "column_rule",
    "derived_rule",
    "read_rule",
    "with_rule",
    "write_rule",
]
