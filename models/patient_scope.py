"""The patient scope: what a patient signed in to the portal may see of their organization.

A request of a `patient` principal carries the one patient its portal account is bound to
(`session.info[PATIENT_KEY]`); models/tenancy.py then adds, beside the organization criteria,
the criterion below to every SELECT of a patient-scoped model, so lists, lookups, relations and
aggregates alike only ever hold that patient's rows. A model without a criterion here is not
patient-scoped: the permission matrix (graph/permissions.py) refuses it to patients outright.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from sqlalchemy import ColumnElement, select

from models.base import Base
from models.healthcare import Patient
from models.patient_portal import PortalMessage, PortalMessageThread

PATIENT_KEY = "patient_id"

Criterion = Callable[[str], ColumnElement[bool]]


def _own_messages(patient_id: str) -> ColumnElement[bool]:
    threads = select(PortalMessageThread.id).where(PortalMessageThread.patient_id == patient_id)
    return PortalMessage.thread_id.in_(threads)


def _criteria() -> dict[type[Base], Criterion]:
    """Every mapped model that belongs to one patient: the patient itself, each model with a
    `patient_id` column, and messages through their thread."""
    import models  # noqa: F401  (every model mapped before the registry is read)

    found: dict[type[Base], Criterion] = {Patient: lambda pid: Patient.id == pid}
    found[PortalMessage] = _own_messages
    for mapper in Base.registry.mappers:
        model = mapper.class_
        column = model.__table__.c.get("patient_id")  # type: ignore[attr-defined]
        if column is not None and model not in found:
            found[model] = _by_column(getattr(model, mapper.get_property_by_column(column).key))
    return found


def _by_column(attribute: Any) -> Criterion:
    def criterion(patient_id: str) -> ColumnElement[bool]:
        return attribute == patient_id  # type: ignore[no-any-return]

    return criterion


_CRITERIA: dict[type[Base], Criterion] | None = None


def patient_criteria() -> dict[type[Base], Criterion]:
    """model -> the condition of its rows of one patient (built once, after all models)."""
    global _CRITERIA
    if _CRITERIA is None:
        _CRITERIA = _criteria()
    return _CRITERIA


def is_patient_scoped(model: type[Base]) -> bool:
    return model in patient_criteria()


__all__ = ["PATIENT_KEY", "is_patient_scoped", "patient_criteria"]
