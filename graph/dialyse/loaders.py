"""Dataloaders of the dialyse domain: rows by id, and rows per parent of each
relationship that a parent type lists (created per request by `graph.dataloaders`); and the
rows computed session fields read (`RequestLoader`s: one statement per page of sessions)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import aliased

from graph.core.calculations import RequestLoader
from graph.dataloaders import ByIdLoader, ByRelationLoader
from models import dialyse


class DialysisProfileByIdLoader(ByIdLoader):
    model = dialyse.DialysisProfile


class DialysisProfilesByPatientLoader(ByRelationLoader):
    relation = dialyse.DialysisProfile.patient


class DialysisSessionByIdLoader(ByIdLoader):
    model = dialyse.DialysisSession


class DialysisSessionsByPatientLoader(ByRelationLoader):
    relation = dialyse.DialysisSession.patient


class DialysisSessionsByMachineLoader(ByRelationLoader):
    relation = dialyse.DialysisSession.machine


class DialysisSessionsByPrescriptionLoader(ByRelationLoader):
    relation = dialyse.DialysisSession.prescription


class DialysisSessionsBySlotLoader(ByRelationLoader):
    relation = dialyse.DialysisSession.slot


class DialysisMachineByIdLoader(ByIdLoader):
    model = dialyse.DialysisMachine


class DialysisLabByIdLoader(ByIdLoader):
    model = dialyse.DialysisLab


class DialysisLabsByPatientLoader(ByRelationLoader):
    relation = dialyse.DialysisLab.patient


class DialysisPrescriptionByIdLoader(ByIdLoader):
    model = dialyse.DialysisPrescription


class DialysisPrescriptionsByPatientLoader(ByRelationLoader):
    relation = dialyse.DialysisPrescription.patient


class DialysisPrescriptionsBySupersededByLoader(ByRelationLoader):
    relation = dialyse.DialysisPrescription.superseded_by


class DialysisSessionSlotByIdLoader(ByIdLoader):
    model = dialyse.DialysisSessionSlot


class DialysisProfileByPatientLoader(RequestLoader):
    """The dialysis profile (access, Kt/V target) of each patient id, or None: one SELECT."""

    async def batch_load_fn(self, keys: Sequence[str]) -> list[dialyse.DialysisProfile | None]:
        profile = dialyse.DialysisProfile
        rows = await self.db.all(select(profile).where(profile.patient_id.in_(keys)))
        found = {row.patient_id: row for row in rows}
        return [found.get(key) for key in keys]


class PreviousDialysisSessionBySessionLoader(RequestLoader):
    """For each session id, the same patient's latest completed session on an earlier day
    (None when there is none): one SELECT for the whole page, a correlated lookup per
    session that the (patient_id, session_date) index serves."""

    async def batch_load_fn(self, keys: Sequence[str]) -> list[dialyse.DialysisSession | None]:
        this = aliased(dialyse.DialysisSession, name="this_session")
        earlier = aliased(dialyse.DialysisSession, name="earlier_session")
        previous = aliased(dialyse.DialysisSession, name="previous_session")
        previous_id = (
            select(earlier.id)
            .where(
                earlier.patient_id == this.patient_id,
                earlier.status == "completed",
                earlier.session_date < this.session_date,
            )
            .order_by(
                earlier.session_date.desc(),
                earlier.actual_end_time.desc().nulls_last(),
                earlier.id.desc(),
            )
            .limit(1)
            .correlate(this)
            .scalar_subquery()
        )
        statement: Any = (
            select(this.id, previous)
            .outerjoin(previous, previous.id == previous_id)
            .where(this.id.in_(keys))
        )
        found = {row[0]: row[1] for row in await self.db.rows(statement)}
        return [found.get(key) for key in keys]
