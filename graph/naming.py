"""GraphQL names derived from model names, by rule, so they are stable and predictable."""

from __future__ import annotations

import re


def camel(snake: str) -> str:
    """`pre_systolic_bp` -> `preSystolicBp`."""
    head, *rest = snake.split("_")
    return head + "".join(part[:1].upper() + part[1:] for part in rest)


def lower_first(name: str) -> str:
    return name[:1].lower() + name[1:]


def pascal(snake: str) -> str:
    return "".join(part[:1].upper() + part[1:] for part in snake.split("_"))


def plural(name: str) -> str:
    """English plural of a PascalCase type name: `ImagingAnalysis` -> `ImagingAnalyses`."""
    if name.endswith("sis"):
        return name[:-3] + "ses"
    if re.search(r"[^aeiou]y$", name):
        return name[:-1] + "ies"
    if name.endswith(("s", "x", "ch", "sh")):
        return name + "es"
    return name + "s"


def enum_value_name(value: str, column: str) -> str:
    """`in_progress` -> `IN_PROGRESS`; a value starting with a digit is prefixed with the last
    word of its column (`lvef_method` '3d' -> `METHOD_3D`) so it is a valid GraphQL name."""
    name = re.sub(r"[^0-9A-Za-z_]", "_", value).upper()
    if not re.match(r"[A-Z_]", name):
        name = f"{column.split('_')[-1].upper()}_{name}"
    return name
