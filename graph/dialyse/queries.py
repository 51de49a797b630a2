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
from graph.roots import by_id, listing


@strawberry.type
class DialyseQuery:
    dialysis_profile = by_id(DialysisProfile)
    dialysis_profiles = listing(DialysisProfile)
    dialysis_session = by_id(DialysisSession)
    dialysis_sessions = listing(DialysisSession)
    dialysis_machine = by_id(DialysisMachine)
    dialysis_machines = listing(DialysisMachine)
    dialysis_lab = by_id(DialysisLab)
    dialysis_labs = listing(DialysisLab)
    dialysis_prescription = by_id(DialysisPrescription)
    dialysis_prescriptions = listing(DialysisPrescription)
    dialysis_session_slot = by_id(DialysisSessionSlot)
    dialysis_session_slots = listing(DialysisSessionSlot)
