"""The naive baseline: Strawberry types written by hand for the fields of the five operations,
and plain per-object resolvers over the same models: every relation of every parent is its own
SELECT (one query per parent relation, no dataloaders), through the project's tenant session.

A request has one session; Strawberry resolves sibling fields concurrently, which one
AsyncSession does not allow, so statements take turns (a lock per request): the usual fix.
The aggregate of Q4 is one GROUP BY (`inputs.session_groups`), as anyone would write it.
"""

import asyncio
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

import strawberry
from sqlalchemy import Select, func, select
from sqlalchemy.engine import URL
from sqlalchemy.ext.asyncio import AsyncSession

from bench import shapes
from bench.instrument import Instrumented
from bench.servers import inputs
from bench.servers.common import Database, raw_id, strawberry_app
from bench.servers.inputs import enum_of
from graph.auth import Principal
from models import (
    cardiology,
    clinical_ai,
    dialyse,
    healthcare,
    imaging_ai,
    ophthalmology,
    rpm,
)
from models import population_health as population
from models.base import Base


@dataclass
class Context:
    session: AsyncSession
    lock: asyncio.Lock


async def rows(info: strawberry.Info, statement: Select[Any]) -> list[Any]:
    context: Context = info.context
    async with context.lock:
        return list((await context.session.scalars(statement)).all())


async def row(info: strawberry.Info, statement: Select[Any]) -> Any:
    found = await rows(info, statement.limit(1))
    return found[0] if found else None


def children(parent: Any, model: type[Base], *conditions: Any) -> Select[Any]:
    """A patient's rows of `model`, in the list's order."""
    return (
        select(model)
        .where(model.patient_id == parent.id, *conditions)  # type: ignore[attr-defined]
        .order_by(*shapes.order_by(model))
    )


async def by_id(info: strawberry.Info, model: type[Base], row_id: str | None) -> Any:
    if row_id is None:
        return None
    return await row(info, select(model).where(model.id == row_id))  # type: ignore[attr-defined]


Gender = enum_of(healthcare.Patient, "gender", "Gender")
DialysisType = enum_of(dialyse.DialysisProfile, "dialysis_type", "DialysisType")
VascularAccess = enum_of(dialyse.DialysisProfile, "vascular_access", "VascularAccess")
PatientStatus = enum_of(dialyse.DialysisProfile, "patient_status", "DialysisPatientStatus")
RiskLevel = enum_of(cardiology.CardiologyProfile, "cardiac_risk_level", "CardiacRiskLevel")
NyhaClass = enum_of(cardiology.CardiologyProfile, "nyha_class", "NyhaClass")
Rhythm = enum_of(cardiology.Ecg, "rhythm", "EcgRhythm")
BiometryEye = enum_of(ophthalmology.OcularBiometry, "eye", "BiometryEye")
SurgeryEye = enum_of(ophthalmology.EyeSurgery, "eye", "SurgeryEye")
SurgeryStatus = enum_of(ophthalmology.EyeSurgery, "status", "SurgeryStatus")
ConsultationModule = enum_of(healthcare.Consultation, "module", "ConsultationModule")
ConsultationStatus = enum_of(healthcare.Consultation, "status", "ConsultationStatus")
AppointmentStatus = enum_of(healthcare.Appointment, "status", "AppointmentStatus")
AppointmentType = enum_of(healthcare.Appointment, "appointment_type", "AppointmentType")
ReadingType = enum_of(rpm.RpmReading, "reading_type", "ReadingType")
AlertSeverity = enum_of(rpm.RpmAlert, "severity", "AlertSeverity")
AlertStatus = enum_of(rpm.RpmAlert, "status", "AlertStatus")
DeviceType = enum_of(rpm.RpmDevice, "device_type", "DeviceType")
CdssType = enum_of(clinical_ai.CdssRecommendation, "type", "CdssType")
CdssSeverity = enum_of(clinical_ai.CdssRecommendation, "severity", "CdssSeverity")
CdssStatus = enum_of(clinical_ai.CdssRecommendation, "status", "CdssStatus")
ImageType = enum_of(imaging_ai.ImagingAnalysis, "image_type", "ImageType")
AnalysisStatus = enum_of(imaging_ai.ImagingAnalysis, "analysis_status", "AnalysisStatus")
Trend = enum_of(population.QualityMeasurement, "trend", "Trend")
TargetOperator = enum_of(population.QualityIndicator, "target_operator", "TargetOperator")
SessionStatus = inputs.SessionStatus


@strawberry.type
class PageInfo:
    has_next_page: bool
    end_cursor: str | None


@strawberry.type
class DialysisMachine:
    serial_number: str | None


@strawberry.type
class DialysisProfile:
    dialysis_type: DialysisType | None  # type: ignore[valid-type]
    vascular_access: VascularAccess | None  # type: ignore[valid-type]
    dry_weight: float | None
    ktv_target: float | None
    patient_status: PatientStatus | None  # type: ignore[valid-type]


@strawberry.type
class DialysisSession:
    session_date: date | None
    status: SessionStatus | None  # type: ignore[valid-type]
    pre_weight: float | None
    post_weight: float | None
    ktv: float | None
    uf_volume: float | None

    @strawberry.field
    async def machine(self, info: strawberry.Info) -> DialysisMachine | None:
        return await by_id(info, dialyse.DialysisMachine, self.machine_id)  # type: ignore[attr-defined]


@strawberry.type
class DialysisSessionConnection:
    nodes: list[DialysisSession]


@strawberry.type
class DialysisLab:
    lab_date: datetime | None
    hemoglobin: float | None
    potassium: float | None
    albumin: float | None
    phosphorus: float | None


@strawberry.type
class DialysisLabConnection:
    nodes: list[DialysisLab]


@strawberry.type
class CardiologyProfile:
    cardiac_risk_level: RiskLevel | None  # type: ignore[valid-type]
    nyha_class: NyhaClass | None  # type: ignore[valid-type]


@strawberry.type
class Ecg:
    recording_date: datetime | None
    rhythm: Rhythm | None  # type: ignore[valid-type]
    heart_rate: int | None
    qtc_interval: float | None


@strawberry.type
class EcgConnection:
    nodes: list[Ecg]


@strawberry.type
class Echocardiogram:
    study_date: datetime | None
    lvef: float | None


@strawberry.type
class EchocardiogramConnection:
    nodes: list[Echocardiogram]


@strawberry.type
class OphthalmologyProfile:
    has_glaucoma: bool | None
    has_cataract: bool | None
    last_iop_od: float | None
    last_iop_os: float | None


@strawberry.type
class OcularBiometry:
    measurement_date: datetime | None
    eye: BiometryEye | None  # type: ignore[valid-type]
    axial_length: float | None


@strawberry.type
class OcularBiometryConnection:
    nodes: list[OcularBiometry]


@strawberry.type
class EyeSurgery:
    surgery_date: datetime | None
    eye: SurgeryEye | None  # type: ignore[valid-type]
    status: SurgeryStatus | None  # type: ignore[valid-type]


@strawberry.type
class EyeSurgeryConnection:
    nodes: list[EyeSurgery]


@strawberry.type
class Consultation:
    consultation_date: date | None
    module: ConsultationModule | None  # type: ignore[valid-type]
    status: ConsultationStatus | None  # type: ignore[valid-type]
    chief_complaint: str | None


@strawberry.type
class ConsultationConnection:
    nodes: list[Consultation]


@strawberry.type
class Appointment:
    scheduled_date: datetime | None
    status: AppointmentStatus | None  # type: ignore[valid-type]
    appointment_type: AppointmentType | None  # type: ignore[valid-type]


@strawberry.type
class AppointmentConnection:
    nodes: list[Appointment]


@strawberry.type
class RpmAlert:
    triggered_at: datetime | None
    severity: AlertSeverity | None  # type: ignore[valid-type]
    status: AlertStatus | None  # type: ignore[valid-type]
    title: str | None


@strawberry.type
class RpmAlertConnection:
    nodes: list[RpmAlert]


@strawberry.type
class CdssRecommendation:
    type: CdssType | None  # type: ignore[valid-type]
    severity: CdssSeverity | None  # type: ignore[valid-type]
    status: CdssStatus | None  # type: ignore[valid-type]
    message: str | None


@strawberry.type
class CdssRecommendationConnection:
    nodes: list[CdssRecommendation]


@strawberry.type
class ImagingAnalysis:
    acquisition_date: datetime | None
    image_type: ImageType | None  # type: ignore[valid-type]
    analysis_status: AnalysisStatus | None  # type: ignore[valid-type]


@strawberry.type
class ImagingAnalysisConnection:
    nodes: list[ImagingAnalysis]


@strawberry.type
class RpmDevice:
    device_type: DeviceType | None  # type: ignore[valid-type]
    serial_number: str | None


@strawberry.type
class RpmProgram:
    name: str | None
    alert_thresholds: strawberry.scalars.JSON | None


@strawberry.type
class Patient:
    id: strawberry.ID
    first_name: str | None
    last_name: str | None
    date_of_birth: date | None
    gender: Gender | None  # type: ignore[valid-type]
    medical_record_number: str | None
    allergies: str | None
    phone: str | None

    @strawberry.field
    async def dialysis_profile(self, info: strawberry.Info) -> DialysisProfile | None:
        return await row(info, children(self, dialyse.DialysisProfile))

    @strawberry.field
    async def dialysis_sessions(
        self,
        info: strawberry.Info,
        first: int = 20,
        where: inputs.DialysisSessionWhere | None = None,
    ) -> DialysisSessionConnection:
        condition = inputs.session_condition(where)
        statement = children(self, dialyse.DialysisSession, condition).limit(first)
        return DialysisSessionConnection(nodes=await rows(info, statement))

    @strawberry.field
    async def dialysis_labs(self, info: strawberry.Info, first: int = 20) -> DialysisLabConnection:
        statement = children(self, dialyse.DialysisLab).limit(first)
        return DialysisLabConnection(nodes=await rows(info, statement))

    @strawberry.field
    async def cardiology_profile(self, info: strawberry.Info) -> CardiologyProfile | None:
        return await row(info, children(self, cardiology.CardiologyProfile))

    @strawberry.field
    async def ecgs(self, info: strawberry.Info, first: int = 20) -> EcgConnection:
        return EcgConnection(nodes=await rows(info, children(self, cardiology.Ecg).limit(first)))

    @strawberry.field
    async def echocardiograms(
        self, info: strawberry.Info, first: int = 20
    ) -> EchocardiogramConnection:
        statement = children(self, cardiology.Echocardiogram).limit(first)
        return EchocardiogramConnection(nodes=await rows(info, statement))

    @strawberry.field
    async def ophthalmology_profile(self, info: strawberry.Info) -> OphthalmologyProfile | None:
        return await row(info, children(self, ophthalmology.OphthalmologyProfile))

    @strawberry.field
    async def ocular_biometries(
        self, info: strawberry.Info, first: int = 20
    ) -> OcularBiometryConnection:
        statement = children(self, ophthalmology.OcularBiometry).limit(first)
        return OcularBiometryConnection(nodes=await rows(info, statement))

    @strawberry.field
    async def eye_surgeries(self, info: strawberry.Info, first: int = 20) -> EyeSurgeryConnection:
        statement = children(self, ophthalmology.EyeSurgery).limit(first)
        return EyeSurgeryConnection(nodes=await rows(info, statement))

    @strawberry.field
    async def consultations(self, info: strawberry.Info, first: int = 20) -> ConsultationConnection:
        statement = children(self, healthcare.Consultation).limit(first)
        return ConsultationConnection(nodes=await rows(info, statement))

    @strawberry.field
    async def appointments(self, info: strawberry.Info, first: int = 20) -> AppointmentConnection:
        statement = children(self, healthcare.Appointment).limit(first)
        return AppointmentConnection(nodes=await rows(info, statement))

    @strawberry.field
    async def rpm_readings(self, info: strawberry.Info, first: int = 20) -> "RpmReadingConnection":
        statement = children(self, rpm.RpmReading).limit(first)
        return RpmReadingConnection(nodes=await rows(info, statement), condition=None)

    @strawberry.field
    async def rpm_alerts(self, info: strawberry.Info, first: int = 20) -> RpmAlertConnection:
        statement = children(self, rpm.RpmAlert).limit(first)
        return RpmAlertConnection(nodes=await rows(info, statement))

    @strawberry.field
    async def cdss_recommendations(
        self, info: strawberry.Info, first: int = 20
    ) -> CdssRecommendationConnection:
        statement = children(self, clinical_ai.CdssRecommendation).limit(first)
        return CdssRecommendationConnection(nodes=await rows(info, statement))

    @strawberry.field
    async def imaging_analyses(
        self, info: strawberry.Info, first: int = 20
    ) -> ImagingAnalysisConnection:
        statement = children(self, imaging_ai.ImagingAnalysis).limit(first)
        return ImagingAnalysisConnection(nodes=await rows(info, statement))


@strawberry.type
class PatientConnection:
    page_info: PageInfo
    nodes: list[Patient]


@strawberry.type
class RpmReading:
    id: strawberry.ID
    timestamp: datetime | None
    reading_type: ReadingType | None  # type: ignore[valid-type]
    primary_value: float | None
    secondary_value: float | None
    primary_unit: str | None
    is_out_of_range: bool | None

    @strawberry.field
    async def device(self, info: strawberry.Info) -> RpmDevice | None:
        return await by_id(info, rpm.RpmDevice, self.device_id)  # type: ignore[attr-defined]

    @strawberry.field
    async def program(self, info: strawberry.Info) -> RpmProgram | None:
        return await by_id(info, rpm.RpmProgram, self.program_id)  # type: ignore[attr-defined]

    @strawberry.field
    async def patient(self, info: strawberry.Info) -> Patient | None:
        return await by_id(info, healthcare.Patient, self.patient_id)  # type: ignore[attr-defined]


@strawberry.type
class RpmReadingConnection:
    nodes: list[RpmReading]
    condition: strawberry.Private[Any]

    @strawberry.field
    async def total_count(self, info: strawberry.Info) -> int:
        statement = select(func.count()).select_from(rpm.RpmReading).where(self.condition)
        context: Context = info.context
        async with context.lock:
            return int((await context.session.execute(statement)).scalar_one())


@strawberry.type
class QualityIndicator:
    code: str | None
    name: str | None
    target: float | None
    target_operator: TargetOperator | None  # type: ignore[valid-type]


@strawberry.type
class QualityMeasurement:
    period_start: datetime | None
    period_end: datetime | None
    value: float | None
    numerator: int | None
    denominator: int | None
    is_target_met: bool | None
    trend: Trend | None  # type: ignore[valid-type]

    @strawberry.field
    async def indicator(self, info: strawberry.Info) -> QualityIndicator | None:
        return await by_id(info, population.QualityIndicator, self.indicator_id)  # type: ignore[attr-defined]


@strawberry.type
class QualityMeasurementConnection:
    nodes: list[QualityMeasurement]


@strawberry.type
class Query:
    @strawberry.field
    async def patients(
        self,
        info: strawberry.Info,
        first: int = 50,
        after: str | None = None,
        search: str | None = None,
    ) -> PatientConnection:
        if after is not None:
            raise ValueError("the naive baseline serves first pages only")
        statement = select(healthcare.Patient).order_by(*shapes.order_by(healthcare.Patient))
        if search is not None:
            statement = statement.where(shapes.search_condition(search))
        found = await rows(info, statement.limit(first + 1))
        page = found[:first]
        return PatientConnection(
            page_info=PageInfo(
                has_next_page=len(found) > first, end_cursor=page[-1].id if page else None
            ),
            nodes=page,
        )

    @strawberry.field
    async def patient(self, info: strawberry.Info, id: strawberry.ID) -> Patient | None:
        return await by_id(info, healthcare.Patient, raw_id(id, "Patient"))

    @strawberry.field
    async def rpm_readings(
        self,
        info: strawberry.Info,
        first: int = 50,
        where: inputs.RpmReadingWhere | None = None,
        order_by: list[inputs.RpmReadingOrder] | None = None,
    ) -> RpmReadingConnection:
        condition = inputs.reading_condition(where)
        statement = (
            select(rpm.RpmReading)
            .where(condition)
            .order_by(*inputs.ordered(rpm.RpmReading, order_by))
            .limit(first)
        )
        return RpmReadingConnection(nodes=await rows(info, statement), condition=condition)

    @strawberry.field
    async def quality_measurements(
        self,
        info: strawberry.Info,
        first: int = 50,
        where: inputs.QualityMeasurementWhere | None = None,
        order_by: list[inputs.QualityMeasurementOrder] | None = None,
    ) -> QualityMeasurementConnection:
        model = population.QualityMeasurement
        statement = (
            select(model)
            .where(inputs.measurement_condition(where))
            .order_by(*inputs.ordered(model, order_by))
            .limit(first)
        )
        return QualityMeasurementConnection(nodes=await rows(info, statement))

    @strawberry.field
    async def dialysis_sessions_aggregate(
        self,
        info: strawberry.Info,
        bucket: inputs.DialysisSessionBucket,
        where: inputs.DialysisSessionWhere | None = None,
    ) -> list[inputs.DialysisSessionGroup]:
        context: Context = info.context
        async with context.lock:
            return await inputs.session_groups(context.session, where, bucket)


schema = strawberry.Schema(query=Query)


async def _context(database: Database, principal: Principal) -> tuple[Any, Any]:
    session = database.tenant_session(principal.organization_id)
    return Context(session, asyncio.Lock()), session.close


def create(url: URL | None = None) -> Instrumented:
    """The naive baseline's ASGI app (for `uvicorn --factory bench.servers.naive:create`)."""
    return strawberry_app(schema, _context, url)
