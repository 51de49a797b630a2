"""Dataloaders of the cardiology domain: rows by id, and rows per parent of each
relationship that a parent type lists (created per request by `graph.dataloaders`)."""

from __future__ import annotations

from graph.dataloaders import ByIdLoader, ByRelationLoader
from models import cardiology


class CardiologyProfileByIdLoader(ByIdLoader):
    model = cardiology.CardiologyProfile


class CardiologyProfilesByPatientLoader(ByRelationLoader):
    relation = cardiology.CardiologyProfile.patient


class EcgByIdLoader(ByIdLoader):
    model = cardiology.Ecg


class EcgsByPatientLoader(ByRelationLoader):
    relation = cardiology.Ecg.patient


class EcgsByExaminationLoader(ByRelationLoader):
    relation = cardiology.Ecg.examination


class EcgsByConsultationLoader(ByRelationLoader):
    relation = cardiology.Ecg.consultation


class EchocardiogramByIdLoader(ByIdLoader):
    model = cardiology.Echocardiogram


class EchocardiogramsByPatientLoader(ByRelationLoader):
    relation = cardiology.Echocardiogram.patient


class EchocardiogramsByExaminationLoader(ByRelationLoader):
    relation = cardiology.Echocardiogram.examination


class EchocardiogramsByConsultationLoader(ByRelationLoader):
    relation = cardiology.Echocardiogram.consultation
