"""Rows the model tests point other rows to: an organization, a user and a patient."""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncEngine

from models.core import Organization, User
from models.database import session_factory
from models.healthcare import Patient

PATIENT_FIRST_NAME = "Zyxwvuta"
PATIENT_LAST_NAME = "Quetzalcoatlova"


@dataclass(frozen=True)
class BaseRows:
    """Ids of a fresh organization, user and patient."""

    organization_id: str
    user_id: str
    patient_id: str


async def insert_base_rows(engine: AsyncEngine) -> BaseRows:
    """Insert a new organization, user and patient and return their ids."""
    tag = uuid.uuid4().hex[:10]
    async with session_factory(engine)() as session, session.begin():
        organization = Organization(name=f"Clinic {tag}", slug=f"clinic-{tag}")
        user = User(email=f"{tag}@example.org", password_hash="x")
        session.add_all([organization, user])
        await session.flush()
        patient = Patient(
            organization_id=organization.id,
            first_name=PATIENT_FIRST_NAME,
            last_name=PATIENT_LAST_NAME,
            date_of_birth=dt.date(1970, 1, 2),
        )
        session.add(patient)
        await session.flush()
        return BaseRows(organization.id, user.id, patient.id)
