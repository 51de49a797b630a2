"""Scaffold `graph/<module>/` (types.py, queries.py, loaders.py) from `models/<module>.py`.

Usage: python scripts/models_to_graph.py [--write] MODULE...

Prints (or, with --write, creates; existing files are never overwritten) one `@mirrored`
declaration per model, a by-id, a list and an aggregate root field per type, and the named
loaders: one by
id per model and one per many-to-one relationship that has a reverse (`backref`) in the model.
The default order it proposes is a guess (the dated column of a two-column index, else
`created_at`, newest first): review it, since the declaration pins it from then on. The
output is a starting point owned by hand afterwards, as with `scripts/spec_to_models.py`.
"""

from __future__ import annotations

import argparse
import importlib
import pathlib
import re
import subprocess
import sys
from types import ModuleType
from typing import Any

ROOT = pathlib.Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from sqlalchemy.orm import RelationshipDirection, configure_mappers  # noqa: E402

from graph.naming import pascal, plural  # noqa: E402
from models.base import Base  # noqa: E402

_DATED = ("date", "timestamp")


def snake(name: str) -> str:
    return re.sub(r"(?<!^)(?=[A-Z])", "_", name).lower()


def models_of(module: ModuleType) -> list[type[Base]]:
    """The module's own models, in the order they are defined."""
    return [
        value
        for value in vars(module).values()
        if isinstance(value, type)
        and issubclass(value, Base)
        and value.__module__ == module.__name__
        and "__table__" in vars(value)
    ]


def proposed_order(model: type[Base]) -> str:
    table: Any = model.__table__
    candidates = sorted(table.indexes, key=lambda ix: (len(ix.columns) != 2, ix.name or ""))
    for index in candidates:
        dated = [c for c in index.columns if c.info.get("kind") in _DATED]
        if len(index.columns) <= 2 and dated:
            key = model.__mapper__.get_property_by_column(dated[0]).key
            return f'[desc("{key}")]'
    return '[desc("created_at")]'


def reverse_relations(model: type[Base]) -> list[Any]:
    """Many-to-one relationships of `model` whose reverse is declared (`backref`)."""
    return [
        relation
        for relation in model.__mapper__.relationships
        if relation.direction is RelationshipDirection.MANYTOONE and relation.back_populates
    ]


def types_py(name: str, models: list[type[Base]]) -> str:
    lines = [
        f'"""GraphQL types of the {name} domain, mirrored from `models/{name}.py`."""',
        "",
        "from __future__ import annotations",
        "",
        "from graph.mirror import mirrored",
        "from graph.ordering import desc",
        f"from models import {name}",
    ]
    for model in models:
        table: Any = model.__table__
        lines += [
            "",
            "",
            f"@mirrored({name}.{model.__name__}, order={proposed_order(model)})",
            f"class {model.__name__}:",
            f'    """A row of `{table.name}`."""',
        ]
    return "\n".join(lines) + "\n"


def queries_py(name: str, models: list[type[Base]]) -> str:
    imported = ", ".join(sorted(model.__name__ for model in models))
    lines = [
        f'"""Root fields of the {name} domain."""',
        "",
        "from __future__ import annotations",
        "",
        "import strawberry",
        "",
        f"from graph.{name}.types import {imported}",
        "from graph.roots import aggregate, by_id, listing",
        "",
        "",
        "@strawberry.type",
        f"class {pascal(name)}Query:",
    ]
    for model in models:
        lines += [
            f"    {snake(model.__name__)} = by_id({model.__name__})",
            f"    {snake(plural(model.__name__))} = listing({model.__name__})",
            f"    {snake(plural(model.__name__))}_aggregate = aggregate({model.__name__})",
        ]
    return "\n".join(lines) + "\n"


def loaders_py(name: str, models: list[type[Base]]) -> str:
    lines = [
        f'"""Dataloaders of the {name} domain: rows by id, and rows per parent of each',
        'relationship that a parent type lists (created per request by `graph.dataloaders`)."""',
        "",
        "from __future__ import annotations",
        "",
        "from graph.dataloaders import ByIdLoader"
        + (", ByRelationLoader" if any(map(reverse_relations, models)) else ""),
        f"from models import {name}",
    ]
    for model in models:
        lines += ["", "", f"class {model.__name__}ByIdLoader(ByIdLoader):"]
        lines.append(f"    model = {name}.{model.__name__}")
        for relation in reverse_relations(model):
            loader = f"{plural(model.__name__)}By{pascal(relation.key)}Loader"
            lines += ["", "", f"class {loader}(ByRelationLoader):"]
            lines.append(f"    relation = {name}.{model.__name__}.{relation.key}")
    return "\n".join(lines) + "\n"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("modules", nargs="+", metavar="MODULE")
    parser.add_argument("--write", action="store_true", help="create graph/<module>/ files")
    args = parser.parse_args()
    configure_mappers()
    for name in args.modules:
        models = models_of(importlib.import_module(f"models.{name}"))
        files = {
            "__init__.py": f'"""The {name} domain of the GraphQL API."""\n',
            "types.py": types_py(name, models),
            "queries.py": queries_py(name, models),
            "loaders.py": loaders_py(name, models),
        }
        folder = ROOT / "graph" / name
        for file_name, text in files.items():
            path = folder / file_name
            if not args.write:
                print(f"# {path.relative_to(ROOT)}\n{text}")
            elif path.exists():
                print(f"kept {path.relative_to(ROOT)} (exists)", file=sys.stderr)
            else:
                folder.mkdir(parents=True, exist_ok=True)
                path.write_text(text)
                ruff = [sys.executable, "-m", "ruff"]
                subprocess.run([*ruff, "check", "--fix", "-q", str(path)], check=False)  # noqa: S603
                subprocess.run([*ruff, "format", "-q", str(path)], check=False)  # noqa: S603
                print(f"wrote {path.relative_to(ROOT)}", file=sys.stderr)


if __name__ == "__main__":
    main()
