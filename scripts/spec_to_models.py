"""Scaffold `models/<module>.py` from the spec YAML (`../shared/schema/<module>.yaml`).

Usage: python scripts/spec_to_models.py [--tier 1] [--spec ../shared/schema] MODULE...

The output is a starting point that is then reviewed and owned by hand; the spec test
(`tests/models/test_spec.py`) is what keeps models and spec equal afterwards. Class names come
from CLASS_NAMES below: English PascalCase names that say what a row is.
"""

from __future__ import annotations

import argparse
import pathlib
import subprocess
import sys

import yaml

CLASS_NAMES = {
    "organizations": "Organization",
    "users": "User",
    "organization_members": "OrganizationMember",
    "roles": "Role",
    "user_roles": "UserRole",
    "audit_events": "AuditEvent",
    "healthcare_patients": "Patient",
    "healthcare_consultations": "Consultation",
    "healthcare_examinations": "Examination",
    "healthcare_appointments": "Appointment",
    "dialyse_patients": "DialysisProfile",
    "dialyse_sessions": "DialysisSession",
    "dialyse_machines": "DialysisMachine",
    "dialyse_labs": "DialysisLab",
    "dialyse_prescriptions": "DialysisPrescription",
    "dialyse_session_slots": "DialysisSessionSlot",
    "cardiology_patients": "CardiologyProfile",
    "cardiology_ecgs": "Ecg",
    "cardiology_echos": "Echocardiogram",
    "clinical_ai_sessions": "ClinicalAiSession",
    "cdss_recommendations": "CdssRecommendation",
    "imaging_analyses": "ImagingAnalysis",
    "imaging_reports": "ImagingReport",
    "ophthalmology_patients": "OphthalmologyProfile",
    "ophthalmology_biometry": "OcularBiometry",
    "ophthalmology_surgeries": "EyeSurgery",
    "portal_accounts": "PortalAccount",
    "portal_messages": "PortalMessage",
    "portal_appointments": "PortalAppointmentRequest",
    "portal_message_threads": "PortalMessageThread",
    "population_cohorts": "Cohort",
    "population_cohort_members": "CohortMember",
    "quality_indicators": "QualityIndicator",
    "quality_measurements": "QualityMeasurement",
    "rpm_devices": "RpmDevice",
    "rpm_readings": "RpmReading",
    "rpm_programs": "RpmProgram",
    "rpm_enrollments": "RpmEnrollment",
    "rpm_alerts": "RpmAlert",
}

PY_TYPES = {
    "ref": "str",
    "text": "str",
    "enum": "str",
    "integer": "int",
    "real": "float",
    "decimal": "Decimal",
    "boolean": "bool",
    "timestamp": "dt.datetime",
    "date": "dt.date",
    "time": "dt.time",
    "json": "JsonData",
}
RESERVED = {"metadata", "registry"}  # declarative attributes a column may not shadow


def relation_name(column: str, target: str) -> str:
    if column.endswith("_id"):
        return column[: -len("_id")]
    return f"{column}_user" if target == "users" else f"{column}_{target}"


def column_line(col: dict) -> str:
    kind = col["kind"]
    attr = col["name"] + ("_" if col["name"] in RESERVED else "")
    args: list[str] = []
    if col["name"] in RESERVED:
        args.append(f"name={col['name']!r}")
    if kind == "ref":
        args.insert(0, repr(col["references"]))
        if col.get("on_delete"):
            args.append(f"on_delete={col['on_delete']!r}")
    if kind == "enum":
        args.insert(0, repr(tuple(col["values"])))
    if col.get("required"):
        args.append("required=True")
    for key in ("default", "unit", "shape", "description"):
        if key in col:
            args.append(f"{key}={col[key]!r}")
    if col.get("sensitive"):
        args.append("sensitive=True")
    py = PY_TYPES[kind] + ("" if col.get("required") else " | None")
    func = {"ref": "ref"}.get(kind, kind)
    return f"    {attr}: Mapped[{py}] = c.{func}({', '.join(args)})"


def table_source(table: dict) -> tuple[str, list[str], set[str]]:
    name = table["name"]
    cls = CLASS_NAMES[name]
    if name in ("organizations", "users"):
        base = "GlobalRecord"
    else:
        base = "SoftDeletableRecord" if table.get("soft_delete") else "TenantRecord"
    lines = [f"class {cls}({base}):", f'    """{table["description"].strip()}"""', ""]
    lines.append(f"    __tablename__ = {name!r}")
    args = []
    for index in table.get("indexes", []):
        cols = ", ".join(repr(c) for c in index["columns"])
        unique = ", unique=True" if index.get("unique") else ""
        args.append(f"        Index({index['name']!r}, {cols}{unique}),")
    info = {
        "module": table["module"],
        "tier": table["tier"],
        "patient_centric": bool(table.get("patient_centric")),
    }
    args.append(f"        {{'comment': {table['description'].strip()!r}, 'info': {info!r}}},")
    lines += ["    __table_args__ = (", *args, "    )", ""]
    names = {c["name"] for c in table["columns"]}
    rels: list[str] = []
    targets: set[str] = set()
    for col in table["columns"]:
        lines.append(column_line(col))
        if col["kind"] == "ref":
            target = col["references"]
            target_cls = CLASS_NAMES[target]
            targets.add(target_cls)
            rel = relation_name(col["name"], target)
            assert rel not in names, (name, rel)
            optional = "" if col.get("required") else " | None"
            extra = f", remote_side={target_cls + '.id'!r}" if target == name else ""
            rels.append(
                f"    {rel}: Mapped[{target_cls}{optional}] = relationship("
                f"{target_cls!r}, foreign_keys=[{col['name']}], lazy='raise'{extra})"
            )
    if rels:
        lines += ["", *rels]
    return "\n".join(lines), [cls], targets


def module_source(spec: dict, tier: int) -> str:
    tables = [t for t in spec["tables"] if t["tier"] <= tier]
    bodies, defined, targets = [], set(), set()
    for table in tables:
        body, classes, refs = table_source(table)
        bodies.append(body)
        defined.update(classes)
        targets |= refs
    used = "\n\n\n".join(bodies)
    imports = ["from __future__ import annotations", ""]
    if "dt." in used:
        imports.append("import datetime as dt")
    if "Decimal" in used:
        imports.append("from decimal import Decimal")
    imports.append("from typing import TYPE_CHECKING" if targets - defined else "")
    imports += ["", "from sqlalchemy import Index", "from sqlalchemy.orm import Mapped"]
    if targets:
        imports[-1] = "from sqlalchemy.orm import Mapped, relationship"
    imports += ["", "from models import columns as c"]
    bases = sorted(
        {
            line.split("(")[1].split(")")[0]
            for line in used.splitlines()
            if line.startswith("class ")
        }
    )
    imports.append(f"from models.base import {', '.join(bases)}")
    if "JsonData" in used:
        imports.append("from models.types import JsonData")
    foreign = sorted(targets - defined)
    if foreign:
        imports += ["", "if TYPE_CHECKING:"]
        for cls in foreign:
            table = next(t for t, c in CLASS_NAMES.items() if c == cls)
            imports.append(f"    from models.{module_of[table]} import {cls}")
    doc = f'"""{spec["module"]}: {spec["description"].strip()}"""'
    return doc + "\n\n" + "\n".join(imports) + "\n\n\n" + used + "\n"


module_of: dict[str, str] = {}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("modules", nargs="+")
    parser.add_argument("--tier", type=int, default=1)
    parser.add_argument("--spec", type=pathlib.Path, default=pathlib.Path("../shared/schema"))
    parser.add_argument("--out", type=pathlib.Path, default=pathlib.Path("models"))
    args = parser.parse_args()
    specs = {p.stem: yaml.safe_load(p.read_text()) for p in sorted(args.spec.glob("*.yaml"))}
    for module, spec in specs.items():
        for table in spec["tables"]:
            module_of[table["name"]] = module
    for module in args.modules:
        target = args.out / f"{module}.py"
        target.write_text(module_source(specs[module], args.tier))
        print(f"wrote {target}", file=sys.stderr)
    subprocess.run(["ruff", "format", str(args.out)], check=False)  # noqa: S603, S607


if __name__ == "__main__":
    main()
