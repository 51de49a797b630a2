"""Root fields of the dialyse domain."""

from __future__ import annotations

import strawberry

from graph.dialyse.types import (
    DialysisLab,
    DialysisMachine,
    DialysisPrescription,
    DialysisProfile,
    DialysisSession,
    DialysisSessionSlot,
)
from graph.roots import aggregate, by_id, listing


@strawberry.type
class DialyseQuery:
    dialysis_profile = by_id(DialysisProfile)
    dialysis_profiles = listing(DialysisProfile)
    dialysis_profiles_aggregate = aggregate(DialysisProfile)
    dialysis_session = by_id(DialysisSession)
    dialysis_sessions = listing(DialysisSession)
    dialysis_sessions_aggregate = aggregate(DialysisSession)
    dialysis_machine = by_id(DialysisMachine)
    dialysis_machines = listing(DialysisMachine)
    dialysis_machines_aggregate = aggregate(DialysisMachine)
    dialysis_lab = by_id(DialysisLab)
    dialysis_labs = listing(DialysisLab)
    dialysis_labs_aggregate = aggregate(DialysisLab)
    dialysis_prescription = by_id(DialysisPrescription)
    dialysis_prescriptions = listing(DialysisPrescription)
    dialysis_prescriptions_aggregate = aggregate(DialysisPrescription)
    dialysis_session_slot = by_id(DialysisSessionSlot)
    dialysis_session_slots = listing(DialysisSessionSlot)
    dialysis_session_slots_aggregate = aggregate(DialysisSessionSlot)
